# shellcheck shell=bash
# Post 06: the collector's /ready and its metrics after it read the fake node.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
lc_demo
lc_demo_start
curl -s "$lc/ready"
curl -s "$lc/metrics" | grep '^log_collector_'
