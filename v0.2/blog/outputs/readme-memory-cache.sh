# shellcheck shell=bash
# README "不装 Redis：内存存储": /ready, then a MISS and a HIT on /api/v1/data/42.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_api
shown "127.0.0.1:$api_port" 127.0.0.1:8080
run "curl -s $api/ready"
run "curl -s -o /dev/null -D - -w 'time %{time_total}s\n' $api/api/v1/data/42 | grep -iE 'x-cache|^time'"
run "curl -s -D - -w '\ntime %{time_total}s\n' $api/api/v1/data/42"
