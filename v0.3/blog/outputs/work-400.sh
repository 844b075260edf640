# shellcheck shell=bash
# Post 08's three out-of-range work requests with their status codes (400), against a local API.
# shellcheck source=lib-api.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib-api.sh"
start_api
quiet "curl -s -w '  HTTP %{http_code}\n' '$api_url/api/v1/work/cpu?ms=5000'"
quiet "curl -s -w '  HTTP %{http_code}\n' '$api_url/api/v1/work/memory?mb=2000'"
quiet "curl -s -w '  HTTP %{http_code}\n' '$api_url/api/v1/work/memory?mb=16&seconds=60'"
