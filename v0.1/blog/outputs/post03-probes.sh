# shellcheck shell=bash
# Post 03 一: /health, /ready and a request before and 0.2 s after SIGTERM (the api drains for 5 s).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_start
url=http://127.0.0.1:$API_PORT
curl -s -w ' %{http_code}\n' "$url/health"
curl -s -w ' %{http_code}\n' "$url/ready"
kill -TERM "$(api_pid)"
sleep 0.2
curl -s -w ' %{http_code}\n' "$url/ready"
curl -s -w ' %{http_code}\n' "$url/health"
curl -s -w ' %{http_code}\n' "$url/api/v1/hello?name=drain"
