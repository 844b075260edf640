# shellcheck shell=bash
# Post 07: redis-cli warns about a password given with -a.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis dev-only-password
unset REDISCLI_AUTH
shown "-p $redis_port " "-p 6399 "
run "redis-cli -p $redis_port -a dev-only-password ping"
