# shellcheck shell=bash
# README "不装 Redis：内存存储": two visits, the counter and the newest event.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_api
shown "127.0.0.1:$api_port" 127.0.0.1:8080
run "curl -s -X POST $api/api/v1/visits"
run "curl -s -X POST $api/api/v1/visits"
run "curl -s $api/api/v1/visits"
run "curl -s '$api/api/v1/events?limit=1'"
