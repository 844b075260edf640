# shellcheck shell=bash
# Posts 05 and 07b: redis-cli ping once the local redis-server answers.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
start_redis demo-password
redis-cli -p "$redis_port" ping
