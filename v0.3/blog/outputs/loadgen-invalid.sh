# shellcheck shell=bash
# Post 10's invalid loadgen command line: every problem reported at once, exit status 1 (no server needed).
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
quiet "go run ./cmd/loadgen --url 'ftp://127.0.0.1/x' --rate 5000000 --duration 10s --ramp 1m"
