# shellcheck shell=bash
# Post 06: an invalid --max-record-bytes (the last line is go run's).
go run ./cmd/log-collector --max-record-bytes=10 2>&1 || true
