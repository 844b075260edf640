# shellcheck shell=bash
# Post 05: redis-server rewrites its process title, so ps shows no --requirepass.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis demo-password
ps -o args= -p "$redis_pid"
