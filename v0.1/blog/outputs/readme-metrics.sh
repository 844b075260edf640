# shellcheck shell=bash
# The /metrics excerpts of README 本地运行: the same requests as the blocks before it, then the counters.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
API_WAIT=log api_start
# What README 本地运行 sent before: one /ready poll while waiting for the start, the curl calls
# (the /api/v1/info one too) and the four error responses.
for path in /ready /health /ready /api/v1/hello '/api/v1/hello?name=Gopher' '/api/v1/hello?name=%E4%B8%96%E7%95%8C' \
  /api/v1/info "/api/v1/hello?name=$(printf 'a%.0s' {1..65})" /api/v1/nope; do
  curl -s -o /dev/null "http://127.0.0.1:$API_PORT$path"
done
curl -s -o /dev/null -X POST "http://127.0.0.1:$API_PORT/api/v1/hello"
curl -s -o /dev/null -H 'X-Request-ID: trace-42' "http://127.0.0.1:$API_PORT/health"
shown "curl -s http://127.0.0.1:8080/metrics | grep '^http_requests_total'"
shown "curl -s http://127.0.0.1:8080/metrics | grep '^build_info'"
