# shellcheck shell=bash
# The error responses of README 本地运行 (curl -si against a freshly started api).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_start
shown "curl -si \"http://127.0.0.1:8080/api/v1/hello?name=\$(printf 'a%.0s' {1..65})\""
shown "curl -si http://127.0.0.1:8080/api/v1/nope"
shown "curl -si -X POST http://127.0.0.1:8080/api/v1/hello"
shown "curl -si -H 'X-Request-ID: trace-42' http://127.0.0.1:8080/health"
