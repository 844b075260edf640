# shellcheck shell=bash
# README "不装 Redis：内存存储": the new metrics after the requests shown before them.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
API_WAIT=log start_api
shown "127.0.0.1:$api_port" 127.0.0.1:8080
# The README's requests, in its order.
curl -s "$api/ready" >/dev/null
curl -s "$api/api/v1/data/42" >/dev/null
curl -s "$api/api/v1/data/42" >/dev/null
curl -s -X POST "$api/api/v1/visits" >/dev/null
curl -s -X POST "$api/api/v1/visits" >/dev/null
curl -s "$api/api/v1/visits" >/dev/null
curl -s "$api/api/v1/events?limit=1" >/dev/null
curl -s "$api/api/v1/data/no.such" >/dev/null
curl -s "$api/api/v1/events?limit=500" >/dev/null
curl -s -X DELETE "$api/api/v1/visits" >/dev/null
run "curl -s $api/metrics | grep -E '^(cache_requests_total|store_|http_requests_total)'"
