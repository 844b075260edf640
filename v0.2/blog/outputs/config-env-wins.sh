# shellcheck shell=bash
# Post 07: with the password, JOURNEY_CACHE_TTL=5s overrides the file's ttl: 60s.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis dev-only-password
api_config "$redis_port"
start_api JOURNEY_REDIS_PASSWORD=dev-only-password JOURNEY_CACHE_TTL=5s -- --config "$tmp/journey/api.yaml"
shown "127.0.0.1:$api_port" 127.0.0.1:18080
shown "-p $redis_port " "-p 6399 "
run "curl -s 127.0.0.1:$api_port/ready"
run "curl -s -o /dev/null -D - 127.0.0.1:$api_port/api/v1/data/7 | grep -i x-cache"
run "curl -s -o /dev/null -D - 127.0.0.1:$api_port/api/v1/data/7 | grep -i x-cache"
run "REDISCLI_AUTH=dev-only-password redis-cli -p $redis_port TTL journey:cache:data:7"
