# shellcheck shell=bash
# README: log-collector refuses --poll-interval 0s (the last line is go run's).
echo '$ go run ./cmd/log-collector --poll-interval 0s'
go run ./cmd/log-collector --poll-interval 0s 2>&1 || true
