# shellcheck shell=bash
# `go run ./cmd/api` and its two startup log lines (README 本地运行, post 01).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
API_WAIT=log api_start
echo '$ go run ./cmd/api'
show_port <"$API_LOG"
