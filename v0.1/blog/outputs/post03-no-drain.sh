# shellcheck shell=bash
# Post 03 四: without a drain the listener is closed at SIGTERM, and every new connection is refused.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
api_start JOURNEY_SHUTDOWN_DRAIN=0s
kill -TERM "$(api_pid)"
# The post sends the requests within 1.5 s of SIGTERM. Waiting for the exit first (a few ms
# without a drain) keeps a busy machine from racing the first request, and makes its sleeps moot.
wait "$API_PGID"
API_PGID=
for _ in 1 2 3; do
  { curl -sS -o /dev/null -w '%{http_code}\n' "http://127.0.0.1:$API_PORT/api/v1/hello" || true; } 2>&1 | show_port
done
