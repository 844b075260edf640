# shellcheck shell=bash
# Post 07: the API with the ConfigMap's file against a local Redis, without the password.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis dev-only-password
api_config "$redis_port"
API_WAIT=log start_api -- --config "$tmp/journey/api.yaml"
shown "127.0.0.1:$redis_port" 127.0.0.1:6399
shown "[::]:$api_port" "[::]:18080"
as_shown '$ JOURNEY_PORT=18080 go run ./cmd/api --config /tmp/journey/api.yaml'
wait_for "$tmp/api.log" 'store unavailable'
as_shown "$(cat "$tmp/api.log")"
