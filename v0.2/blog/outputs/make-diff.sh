# shellcheck shell=bash
# make diff A=v0.1 B=v0.2 (repocheck outputs runs this from the version folder).
../scripts/diff-versions.sh --color=never v0.1 v0.2
