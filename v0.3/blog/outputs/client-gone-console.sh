# shellcheck shell=bash
# The README's curl that gives up on a 1 s CPU job after 0.3 s (exit code 28), against a local API.
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
start_api
shown "curl -s -m 0.3 '$api_url/api/v1/work/cpu?ms=1000'; echo \"curl exit \$?\""
