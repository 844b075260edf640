# shellcheck shell=bash
# go run ./cmd/cleanup --help, as post 07b shows it (repocheck outputs runs this from the version folder).
go run ./cmd/cleanup --help
