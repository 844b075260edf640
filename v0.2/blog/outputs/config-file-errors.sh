# shellcheck shell=bash
# Post 07: a misspelt key in the config file, and a config file that does not exist.
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
shown "$tmp/journey" /tmp/journey
run "mkdir -p $tmp/journey && printf 'cache:\n  tll: 30s\n' > $tmp/journey/typo.yaml"
run "go run ./cmd/api --config $tmp/journey/typo.yaml; echo \"exit=\$?\""
run "go run ./cmd/api --config $tmp/journey/missing.yaml; echo \"exit=\$?\""
