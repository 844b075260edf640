# shellcheck shell=bash
# Post 07: api.yaml taken out of the ConfigMap, with the Redis address of the local server.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
shown "$tmp/journey" /tmp/journey
mkdir -p "$tmp/journey"
run "yq -r '.data[\"api.yaml\"]' k8s/api/configmap.yaml | sed 's/redis-0.redis.journey.svc.cluster.local:6379/127.0.0.1:6399/' > $tmp/journey/api.yaml"
run "grep addr $tmp/journey/api.yaml"
