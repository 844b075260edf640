# shellcheck shell=bash
# README --no-kind: the refusals of a step that needs kind, and of a missing KUBECONFIG.
echo '$ ./scripts/deploy.sh --no-kind up'
env -u KUBECONFIG ./scripts/deploy.sh --no-kind up 2>&1 || true
echo '$ ./scripts/deploy.sh --no-kind apply wait smoke    # 未设置 KUBECONFIG'
env -u KUBECONFIG ./scripts/deploy.sh --no-kind apply wait smoke 2>&1 || true
