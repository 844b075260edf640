# shellcheck shell=bash
# README "不装 Redis：内存存储": the API's start-up log with the in-memory store.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
echo '$ go run ./cmd/api'
API_WAIT=log start_api
shown "[::]:$api_port" "[::]:8080"
as_shown "$(cat "$tmp/api.log")"
