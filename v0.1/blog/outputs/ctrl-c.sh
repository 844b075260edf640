# shellcheck shell=bash
# Ctrl-C on `go run ./cmd/api`: the two shutdown log lines, 5 s apart (README 本地运行, post 01).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_start
# Ctrl-C sends SIGINT to the foreground process group: go run waits for the api, which drains.
kill -INT -- "-$API_PGID"
wait "$API_PGID" || true # go run exits 1 after an interrupt, printing nothing
API_PGID=
printf '^C'
tail -n +3 "$API_LOG"
