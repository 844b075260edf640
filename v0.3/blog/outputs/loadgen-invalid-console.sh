# shellcheck shell=bash
# The README's two invalid loadgen command lines: every problem reported at once, exit status 1 (no server needed).
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
shown "go run ./cmd/loadgen --url 'ftp://127.0.0.1/x' --rate 1e9 --duration 0s"
shown "go run ./cmd/loadgen --url http://127.0.0.1:8080/ --rate 10 --concurrency 2"
