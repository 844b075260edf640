package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCLI(t *testing.T) {
	good := writeRepo(t, goodRepo())
	broken := goodRepo()
	broken["README.md"] = "[x](missing.md)\n"
	bad := writeRepo(t, broken)
	tests := []struct {
		name     string
		args     []string
		wantCode int
		want     []string
	}{
		{"all-pass", []string{"-root", good, "all"}, 0, []string{"repocheck: 7 checks, 0 problems"}},
		{"links-fail", []string{"-root", bad, "links", "workspace"}, 1, []string{"README.md:1: links: broken link missing.md", "repocheck: 2 checks, 1 problems"}},
		{"unknown-check-usage", []string{"-root", good, "nope"}, 2, []string{`unknown check "nope"`, "usage: repocheck"}},
		{"no-check-usage", []string{"-root", good}, 2, []string{"usage: repocheck"}},
		{"not-a-repo-root", []string{"-root", t.TempDir(), "links"}, 2, []string{"does not look like the repository root"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := run(context.Background(), tc.args, &out, &out)
			if code != tc.wantCode {
				t.Errorf("exit code = %d, want %d; output:\n%s", code, tc.wantCode, out.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(out.String(), w) {
					t.Errorf("output:\n%s\nwant it to contain %q", out.String(), w)
				}
			}
		})
	}
}

// TestRealRepo runs every check on the repository itself. `make test` runs the
// CLI anyway, so this only runs on request: REPOCHECK_REAL=1 go test ./scripts/repocheck.
func TestRealRepo(t *testing.T) {
	if os.Getenv("REPOCHECK_REAL") != "1" {
		t.Skip("set REPOCHECK_REAL=1 to check the real repository")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-root", root, "all"}, &out, &out); code != 0 {
		t.Fatalf("repocheck all on %s: exit %d\n%s", root, code, out.String())
	}
}
