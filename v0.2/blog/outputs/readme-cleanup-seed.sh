# shellcheck shell=bash
# README "cleanup：先 dry run": an event two days old and a cache key without a TTL.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis dev-password
shown "-p $redis_port " ""
run "redis-cli -p $redis_port zadd journey:events \$(( (\$(date +%s) - 2*86400) * 1000 )) '{\"id\":\"old-1\",\"type\":\"visit\",\"at\":\"2026-11-23T21:40:00Z\"}'"
run "redis-cli -p $redis_port set journey:cache:data:stale '{\"id\":\"stale\"}'"
run "redis-cli -p $redis_port ttl journey:cache:data:stale"
