# shellcheck shell=bash
# Post 07b: after the real run, --retention 30m on the command line wins over JOURNEY_CLEANUP_RETENTION=24h.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cleanup_demo
build cleanup
"$tmp/cleanup" 2>/dev/null
JOURNEY_CLEANUP_RETENTION=24h go run ./cmd/cleanup --retention 30m --dry-run 2>/dev/null
