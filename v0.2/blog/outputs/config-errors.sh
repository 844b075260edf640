# shellcheck shell=bash
# Post 07: the API refuses invalid settings from the environment (exit status 1 is go run's).
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
run 'JOURNEY_REDIS_ADDR=redis go run ./cmd/api; echo "exit=$?"'
run 'JOURNEY_CACHE_TTL=10ms go run ./cmd/api; echo "exit=$?"'
run 'JOURNEY_REDIS_ADDR=redis JOURNEY_CACHE_TTL=10ms JOURNEY_REDIS_DB=16 go run ./cmd/api; echo "exit=$?"'
