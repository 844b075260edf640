# shellcheck shell=bash
# README 本地运行: a config file plus an environment variable (the api listens on a free port, shown as 9090).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SHOWN_PORT=9090
API_WAIT=log api_start -- --config configs/api.yaml
echo '$ JOURNEY_PORT=9090 go run ./cmd/api --config configs/api.yaml'
show_port <"$API_LOG"
