# shellcheck shell=bash
# Post 06: cat $DEMO/collector.log, the collector's own log, after it read the fake node.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lc_demo
lc_demo_start
wait_for "$DEMO/collector.log" 'skipped lines not in CRI log format'
as_shown "$(cat "$DEMO/collector.log")"
