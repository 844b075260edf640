# shellcheck shell=bash
# Post 07: /ready and a visit while the API has no Redis password (NOAUTH).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis dev-only-password
api_config "$redis_port"
API_WAIT=log start_api -- --config "$tmp/journey/api.yaml"
shown "127.0.0.1:$api_port" 127.0.0.1:18080
run "curl -s 127.0.0.1:$api_port/ready"
run "curl -s -X POST 127.0.0.1:$api_port/api/v1/visits"
