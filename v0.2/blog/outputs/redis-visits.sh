# shellcheck shell=bash
# Post 05: three visits through Redis, then the two newest events.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis demo-password
start_api JOURNEY_REDIS_ADDR="127.0.0.1:$redis_port" JOURNEY_REDIS_PASSWORD=demo-password
for i in 1 2 3; do curl -s -X POST "$api/api/v1/visits"; echo; done
curl -s "$api/api/v1/events?limit=2"; echo
