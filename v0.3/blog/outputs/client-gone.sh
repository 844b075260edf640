# shellcheck shell=bash
# Post 08's curl that gives up on a 1 s CPU job after 0.3 s (no response: HTTP 000), against a local API.
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
start_api
quiet "curl -s -w '  HTTP %{http_code}\n' --max-time 0.3 '$api_url/api/v1/work/cpu?ms=1000'"
