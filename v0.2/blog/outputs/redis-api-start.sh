# shellcheck shell=bash
# Post 05: the API's start-up log with a local Redis (JOURNEY_PORT=8081, Redis on 6380).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis demo-password
API_WAIT=log start_api JOURNEY_REDIS_ADDR="127.0.0.1:$redis_port" JOURNEY_REDIS_PASSWORD=demo-password
shown "127.0.0.1:$redis_port" 127.0.0.1:6380
shown "[::]:$api_port" "[::]:8081"
as_shown "$(cat "$tmp/api.log")"
