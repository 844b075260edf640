# shellcheck shell=bash
# Post 01 配置: file plus environment, development mode (console log; colour codes dropped, the api listens on a free port shown as 9090).
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SHOWN_PORT=9090
API_WAIT=log api_start JOURNEY_ENV=development -- --config configs/api.yaml
echo '$ JOURNEY_ENV=development JOURNEY_PORT=9090 go run ./cmd/api --config configs/api.yaml'
sed 's/\x1b\[[0-9;]*m//g' "$API_LOG" | show_port
