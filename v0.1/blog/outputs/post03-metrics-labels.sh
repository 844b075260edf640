# shellcheck shell=bash
# Post 03 六: route and method labels of the request metrics after a hello, an unknown URL and an unknown method.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
API_WAIT=log api_start
url=http://127.0.0.1:$API_PORT
curl -s "$url/api/v1/hello?name=Gopher"; echo
curl -s "$url/wp-login.php"; echo
curl -s -X BREW "$url/api/v1/hello"; echo
curl -s "$url/metrics" | grep -E '^http_requests_total|^http_request_duration_seconds_count'
