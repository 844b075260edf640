# shellcheck shell=bash
# README 本地运行: invalid configuration fails at start, every problem in one line.
echo '$ JOURNEY_PORT=70000 JOURNEY_LOG_LEVEL=loud go run ./cmd/api'
JOURNEY_PORT=70000 JOURNEY_LOG_LEVEL=loud go run ./cmd/api 2>&1 || true
echo '$ JOURNEY_SHUTDOWN_DRAIN=-1s go run ./cmd/api'
JOURNEY_SHUTDOWN_DRAIN=-1s go run ./cmd/api 2>&1 || true
