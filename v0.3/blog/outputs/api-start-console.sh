# shellcheck shell=bash
# The README's `go run ./cmd/api` with its startup log (on a free port instead of 8080).
echo '$ go run ./cmd/api'
bash "$(dirname "${BASH_SOURCE[0]}")/api-start.sh"
