# shellcheck shell=bash
# Post 05: ten concurrent misses of one id are served by one call of the data source.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis demo-password
start_api JOURNEY_REDIS_ADDR="127.0.0.1:$redis_port" JOURNEY_REDIS_PASSWORD=demo-password
export api_port
# shellcheck disable=SC2016 # sh expands it, as in the post
seq 10 | xargs -P 10 -I{} sh -c 'echo "$(curl -s 127.0.0.1:$api_port/api/v1/data/hot)"' | sort | uniq -c
