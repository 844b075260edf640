# shellcheck shell=bash
# The README's console form of make-diff.sh, with the command line.
echo '$ make diff A=v0.1 B=v0.2'
bash "$(dirname "${BASH_SOURCE[0]}")/make-diff.sh"
