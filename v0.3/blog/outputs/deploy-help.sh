# shellcheck shell=bash
# ./scripts/deploy.sh --help and the --no-kind refusal, as the README shows them
# (repocheck outputs runs this from the version folder).
echo '$ ./scripts/deploy.sh --help'
./scripts/deploy.sh --help
echo '$ ./scripts/deploy.sh --no-kind up'
env -u KUBECONFIG ./scripts/deploy.sh --no-kind up 2>&1 || true
