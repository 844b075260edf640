# shellcheck shell=bash
# Post 07b: the demo's three cache keys and the counter.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cleanup_demo
echo "$keys_out"
