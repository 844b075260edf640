# shellcheck shell=bash
# The README's out-of-range and wrong-method requests to the work endpoints (400, 405), against a local API.
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
start_api
shown "curl -si '$api_url/api/v1/work/cpu?ms=5000'"
shown "curl -s '$api_url/api/v1/work/memory?mb=2000'"
shown "curl -s '$api_url/api/v1/work/memory?mb=8&seconds=30'"
shown "curl -si -X POST $api_url/api/v1/work/cpu"
