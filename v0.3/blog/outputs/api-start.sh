# shellcheck shell=bash
# The startup log of `go run ./cmd/api` (in-memory store), as posts 08, 09 and 10 show it.
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
start_api
head -n 4 "$api_log"
