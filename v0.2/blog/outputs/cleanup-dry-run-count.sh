# shellcheck shell=bash
# Post 07b: go run ./cmd/cleanup --dry-run 2>/dev/null | grep -c '^would' on the demo's data.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cleanup_demo
go run ./cmd/cleanup --dry-run 2>/dev/null | grep -c '^would'
