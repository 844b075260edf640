# shellcheck shell=bash
# Post 06: cat $DEMO/records.jsonl once the collector has read the fake node.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lc_demo
lc_demo_start
cat "$DEMO/records.jsonl"
