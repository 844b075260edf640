# shellcheck shell=bash
# Post 10's loadgen run where every request is a 400 (ms=5000 > work.cpu.max_ms): --fail-on-errors exits 1. Against a local API, 3 s.
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
start_api
quiet "go run ./cmd/loadgen --url '$api_url/api/v1/work/cpu?ms=5000' --rate 10 --duration 3s --fail-on-errors 0.01 --progress 0"
