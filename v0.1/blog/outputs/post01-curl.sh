# shellcheck shell=bash
# Post 01 一、不用容器，直接跑: the curl calls against a freshly started api (/api/v1/info apart: hostname and uptime vary).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_start
shown "curl -s 'http://127.0.0.1:8080/api/v1/hello?name=Gopher'"
shown "curl -s http://127.0.0.1:8080/api/v1/hello"
shown "curl -s -G --data-urlencode 'name=世界' http://127.0.0.1:8080/api/v1/hello"
shown "curl -s -i \"http://127.0.0.1:8080/api/v1/hello?name=\$(printf 'x%.0s' {1..65})\""
shown "curl -s http://127.0.0.1:8080/health"
shown "curl -s http://127.0.0.1:8080/ready"
