# shellcheck shell=bash
# Post 07: an empty JOURNEY_REDIS_ADDR does not override the file's address (start-up log, excerpt).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# Nothing listens there: the API starts all the same.
port=$(free_port)
api_config "$port"
shown "127.0.0.1:$port" 127.0.0.1:6399
API_WAIT=log start_api JOURNEY_REDIS_ADDR= -- --config "$tmp/journey/api.yaml"
shown "[::]:$api_port" "[::]:18080"
as_shown '$ JOURNEY_PORT=18080 JOURNEY_REDIS_ADDR= go run ./cmd/api --config /tmp/journey/api.yaml'
as_shown "$(cat "$tmp/api.log")"
