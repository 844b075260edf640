# shellcheck shell=bash
# README "log-collector：用一个临时目录假装是节点": the fake node and the collector's first output.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
build log-collector
port=$(free_port)
shown "$tmp/journey-logs" /tmp/journey-logs
shown "127.0.0.1:$port" 127.0.0.1:2020
run "mkdir -p $tmp/journey-logs/containers"
run "F=$tmp/journey-logs/containers/api-6b8f9c7d5d-7xk2p_journey_api-\$(printf '0123456789abcdef%.0s' 1 2 3 4).log"
F=$tmp/journey-logs/containers/api-6b8f9c7d5d-7xk2p_journey_api-$(printf '0123456789abcdef%.0s' 1 2 3 4).log
as_shown "\$ cat > \"\$F\" <<'EOF'"
fake_node_log | tee "$F"
echo EOF
as_shown "\$ go run ./cmd/log-collector --log-dir $tmp/journey-logs/containers --positions $tmp/journey-logs/positions.json --metrics-addr 127.0.0.1:$port"
start_fake_node_collector "$port"
as_shown "$(cat "$tmp/out")"
