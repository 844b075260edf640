# shellcheck shell=bash
# Post 03 五: GOMAXPROCS and GOMEMLIMIT as the runtime reports them, unset (on 2 CPUs, as on the post's machine) and set as in the Pod.
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
taskset -p -c 0,1 $$ >/dev/null
unset GOMAXPROCS GOMEMLIMIT
api_start
curl -s "http://127.0.0.1:$API_PORT/metrics" | grep -E '^go_(sched_gomaxprocs_threads|gc_gomemlimit_bytes)'
api_stop
api_start GOMAXPROCS=1 GOMEMLIMIT=57MiB
curl -s "http://127.0.0.1:$API_PORT/metrics" | grep -E '^go_(sched_gomaxprocs_threads|gc_gomemlimit_bytes)'
