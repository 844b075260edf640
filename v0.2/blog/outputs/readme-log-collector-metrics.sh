# shellcheck shell=bash
# README "log-collector：用一个临时目录假装是节点": a line appended while it runs, then its metrics.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build log-collector
port=$(free_port)
mkdir -p "$tmp/journey-logs/containers"
F=$tmp/journey-logs/containers/api-6b8f9c7d5d-7xk2p_journey_api-$(printf '0123456789abcdef%.0s' 1 2 3 4).log
fake_node_log >"$F"
start_fake_node_collector "$port"
echo "\$ echo '2026-11-25T21:40:03.000000001Z stdout F appended while running' >> \"\$F\""
echo '2026-11-25T21:40:03.000000001Z stdout F appended while running' >>"$F"
wait_for "$tmp/out" 'appended while running'
echo "\$ curl -s http://127.0.0.1:2020/metrics | grep '^log_collector_'"
curl -s "http://127.0.0.1:$port/metrics" | grep '^log_collector_'
