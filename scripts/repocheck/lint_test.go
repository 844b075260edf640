package main

import (
	"context"
	"os/exec"
	"strings"
	"testing"
)

func TestLint(t *testing.T) {
	if _, err := exec.LookPath("shellcheck"); err != nil {
		t.Skip("LOUD SKIP: shellcheck is not installed (apt-get install -y shellcheck)")
	}
	runCases(t, checkLint, []checkCase{
		{name: "pass"},
		{name: "fail-shellcheck-sh-file",
			mutate: set("v0.1/scripts/deploy.sh", "#!/usr/bin/env bash\nrm -rf $DIR/*\n"),
			want:   []string{"v0.1/scripts/deploy.sh:2: lint: shellcheck "}},
		{name: "fail-shellcheck-shebang-without-extension",
			mutate: set(".ci/run", "#!/bin/sh\necho $1\n"),
			want:   []string{".ci/run:2: lint: shellcheck note: Double quote to prevent globbing and word splitting. [SC2086]"}},
		{name: "fail-actionlint",
			mutate: set(".github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          fetch-depth: 0\n          nope: 1\n"),
			want:   []string{".github/workflows/ci.yml:10: lint: actionlint [action]: input \"nope\" is not defined"}},
		{name: "fail-actionlint-shellcheck-in-run",
			mutate: set(".github/workflows/ci.yml", "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo $FOO\n"),
			want:   []string{".github/workflows/ci.yml:7: lint: actionlint [shellcheck]"}},
		{name: "pass-testdata-scripts-skipped",
			mutate: set("scripts/tool/testdata/bad.sh", "#!/bin/sh\necho $1\n")},
	})
}

func TestLintWithoutShellcheck(t *testing.T) {
	root := writeRepo(t, goodRepo())
	ps, err := checkLint(context.Background(), Options{Root: root, Shellcheck: "no-such-shellcheck-binary"})
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) == 0 || !strings.Contains(ps[0].String(), "install it: apt-get install -y shellcheck") {
		t.Fatalf("got %v, want a problem with an install hint", ps)
	}
}
