# shellcheck shell=bash
# Post 01 配置: invalid values are all reported at start, and a value that is no number.
echo "\$ JOURNEY_PORT=70000 JOURNEY_LOG_LEVEL=verbose JOURNEY_SHUTDOWN_DRAIN=-1s go run ./cmd/api; echo \"exit=\$?\""
rc=0
JOURNEY_PORT=70000 JOURNEY_LOG_LEVEL=verbose JOURNEY_SHUTDOWN_DRAIN=-1s go run ./cmd/api 2>&1 || rc=$?
echo "exit=$rc"
echo '$ JOURNEY_PORT=abc go run ./cmd/api'
JOURNEY_PORT=abc go run ./cmd/api 2>&1 || true
