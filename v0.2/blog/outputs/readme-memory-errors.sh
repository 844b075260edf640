# shellcheck shell=bash
# README "不装 Redis：内存存储": error responses (400 invalid_id, 400 invalid_limit, 405).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_api
shown "127.0.0.1:$api_port" 127.0.0.1:8080
run "curl -si $api/api/v1/data/no.such"
run "curl -s '$api/api/v1/events?limit=500'"
run "curl -si -X DELETE $api/api/v1/visits"
