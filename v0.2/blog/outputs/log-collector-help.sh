# shellcheck shell=bash
# Post 06: go run ./cmd/log-collector --help.
go run ./cmd/log-collector --help 2>&1
