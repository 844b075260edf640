# shellcheck shell=bash
# Post 07b: the four ZADDs of the demo's events.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cleanup_demo
echo "$event_out"
