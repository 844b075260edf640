# shellcheck shell=bash
# The curl calls of README 本地运行 against a freshly started api (without /api/v1/info: hostname and uptime vary).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_start
shown "curl -s http://127.0.0.1:8080/health"
shown "curl -s http://127.0.0.1:8080/ready"
shown "curl -s http://127.0.0.1:8080/api/v1/hello"
shown "curl -s 'http://127.0.0.1:8080/api/v1/hello?name=Gopher'"
shown "curl -s -G --data-urlencode 'name=世界' http://127.0.0.1:8080/api/v1/hello"
