# shellcheck shell=bash
# make diff A=v0.2 B=v0.3 (repocheck outputs runs this from the version folder).
../scripts/diff-versions.sh --color=never v0.2 v0.3
