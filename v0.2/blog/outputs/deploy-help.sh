# shellcheck shell=bash
# ./scripts/deploy.sh --help, as the README shows it (repocheck outputs runs this from the version folder).
echo '$ ./scripts/deploy.sh --help'
./scripts/deploy.sh --help
