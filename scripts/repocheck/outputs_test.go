package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestNormalizeOutput(t *testing.T) {
	tests := []struct{ name, a, b string }{
		{"times", `{"time":"2026-11-25T20:42:43.719Z"}`, `{"time":"2026-12-03T01:02:03.004Z"}`},
		{"durations", "ok  \tpkg\t10.082s", "ok  \tpkg\t1.5s"},
		{"compound-durations", "took 1m2.5s", "took 12ms"},
		{"spaced-durations", "after 0 ms: refused", "after 15 ms: refused"},
		{"ports", "listening on 127.0.0.1:8081", "listening on 127.0.0.1:39211"},
		{"uuids", "X-Request-Id: 94934df5-0eaf-42f7-85b2-daa3456252ef", "X-Request-Id: 0b9b0a37-9a0b-4f55-8e4b-cd6c1a0e3c11"},
		{"commits", "api v0.1 (commit ea70bce, built x)", "api v0.1 (commit 0123abc, built x)"},
		{"trailing-space", "a  ", "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if a, b := normalizeOutput(tt.a), normalizeOutput(tt.b); a != b {
				t.Errorf("normalizeOutput(%q) = %q, normalizeOutput(%q) = %q, want equal", tt.a, a, tt.b, b)
			}
		})
	}
	for _, keep := range [][2]string{{"replicas: 2", "replicas: 3"}, {"v0.1", "v0.2"}, {"64Mi", "128Mi"}, {"deadbeef0", "deadbeef0x"}} {
		if normalizeOutput(keep[0]) == normalizeOutput(keep[1]) {
			t.Errorf("normalizeOutput makes %q and %q equal; want them told apart", keep[0], keep[1])
		}
	}
}

func TestMatchOutput(t *testing.T) {
	got := []string{"head", "a", "b", "c", "d", "tail"}
	tests := []struct {
		name      string
		block     []string
		wantOK    bool
		wantBlock []string // rewritten block; nil when it cannot be placed
	}{
		{name: "whole-equal", block: got, wantOK: true, wantBlock: got},
		{name: "whole-differs", block: []string{"head", "a", "X", "c", "d", "tail"}, wantBlock: got},
		{name: "excerpt-start", block: []string{"head", "a", "…"}, wantOK: true, wantBlock: []string{"head", "a", "…"}},
		{name: "excerpt-middle", block: []string{"…", "b", "c", "…"}, wantOK: true, wantBlock: []string{"…", "b", "c", "…"}},
		{name: "excerpt-end", block: []string{"…", "tail"}, wantOK: true, wantBlock: []string{"…", "tail"}},
		{name: "two-segments", block: []string{"head", "…", "c", "…", "tail"}, wantOK: true, wantBlock: []string{"head", "…", "c", "…", "tail"}},
		{name: "ascii-gap", block: []string{"head", "...", "tail"}, wantOK: true, wantBlock: []string{"head", "…", "tail"}},
		{name: "excerpt-line-gone", block: []string{"head", "…", "zz", "…"}},
		{name: "anchored-start-stale", block: []string{"head", "X", "…"}, wantBlock: []string{"head", "a", "…"}},
		{name: "anchored-end-stale", block: []string{"…", "X", "tail"}, wantBlock: []string{"…", "d", "tail"}},
		{name: "floating-stale", block: []string{"head", "…", "X", "…"}},
		{name: "order-wrong", block: []string{"…", "c", "…", "a", "…"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			nb, diff := matchOutput(tt.block, got)
			if ok := diff == ""; ok != tt.wantOK {
				t.Errorf("matched = %v (%s), want %v", ok, diff, tt.wantOK)
			}
			if strings.Join(nb, "\n") != strings.Join(tt.wantBlock, "\n") || (nb == nil) != (tt.wantBlock == nil) {
				t.Errorf("rewritten block = %q, want %q", nb, tt.wantBlock)
			}
		})
	}
}

// outputsFixture is a tiny repository with one version folder whose README
// has output blocks.
func outputsFixture(t *testing.T, readme string) string {
	t.Helper()
	root := t.TempDir()
	files := map[string]string{
		"go.work":                      "go 1.26\n",
		"v0.1/scripts/deploy.sh":       "readonly KIND_VERSION=v0.33.0\nreadonly KIND_NODE_IMAGE=\"kindest/node:v1.37.0@sha256:abc\"\n",
		"v0.1/blog/outputs/hello.sh":   "echo \"$ hello\"\necho \"hello from $(basename \"$PWD\") at 2026-12-03T10:00:00Z\"\necho line2\necho line3\n",
		"v0.1/blog/outputs/fails.sh":   "echo broken; exit 3\n",
		"v0.1/README.md":               readme,
		"docs/other.md":                "no blocks\n",
		"v0.1/blog/01-post.md":         "# post\n",
		"v0.1/blog/outputs/unused.txt": "",
	}
	for name, body := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

func TestCheckOutputs(t *testing.T) {
	tests := []struct {
		name    string
		readme  string
		want    []string // substrings of problems; none means no problems
		wantFix string   // README after --fix, when set
	}{
		{
			name:   "run-block-matches-after-normalising",
			readme: "```text output=run run=blog/outputs/hello.sh\n$ hello\nhello from v0.1 at 2025-01-01T00:00:00Z\nline2\nline3\n```\n",
		},
		{
			name:   "run-block-excerpt",
			readme: "```text output=run run=blog/outputs/hello.sh\n$ hello\n…\nline3\n```\n",
		},
		{
			name:    "run-block-stale-is-fixed",
			readme:  "intro\n```text output=run run=blog/outputs/hello.sh\n$ hello\nold text\n```\nafter\n",
			want:    []string{`output of blog/outputs/hello.sh differs (run ` + "`make outputs`" + `): block has "old text"`},
			wantFix: "intro\n```text output=run run=blog/outputs/hello.sh\n$ hello\nhello from v0.1 at 2026-12-03T10:00:00Z\nline2\nline3\n```\nafter\n",
		},
		{
			name:   "run-script-fails",
			readme: "```text output=run run=blog/outputs/fails.sh\nbroken\n```\n",
			want:   []string{"run=blog/outputs/fails.sh failed: exit status 3", "broken"},
		},
		{
			name:   "run-script-missing",
			readme: "```text output=run run=blog/outputs/nope.sh\nx\n```\n",
			want:   []string{"run=blog/outputs/nope.sh:"},
		},
		{
			name:   "run-script-outside-repo",
			readme: "```text output=run run=../../etc/x.sh\nx\n```\n",
			want:   []string{"points outside the repository"},
		},
		{
			name:   "kind-marker-matches-pins",
			readme: "```text output=kind captured=2026-11-25 kind=v0.33.0 node=v1.37.0\nNAME READY\n```\n",
		},
		{
			name:   "kind-marker-stale-pins",
			readme: "```text output=kind captured=2026-11-25 kind=v0.32.0 node=v1.36.1\nx\n```\n",
			want:   []string{`kind="v0.32.0", but v0.1 pins v0.33.0`, `node="v1.36.1", but v0.1 pins v1.37.0`},
		},
		{
			name:   "kind-marker-without-date",
			readme: "```text output=kind kind=v0.33.0 node=v1.37.0\nx\n```\n",
			want:   []string{"needs captured=YYYY-MM-DD"},
		},
		{
			name:   "sandbox-future-date",
			readme: "```text output=sandbox captured=2999-01-01\nx\n```\n",
			want:   []string{"captured=2999-01-01 is not a past date"},
		},
		{
			name:   "unknown-kind",
			readme: "```text output=guess\nx\n```\n",
			want:   []string{"output=guess unknown"},
		},
		{name: "sketch-is-not-checked", readme: "```text output=sketch\nanything\n```\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := outputsFixture(t, tt.readme)
			_, ps, err := checkOutputs(context.Background(), root, false)
			if err != nil {
				t.Fatal(err)
			}
			var msgs []string
			for _, p := range ps {
				msgs = append(msgs, p.String())
			}
			joined := strings.Join(msgs, "\n")
			if len(tt.want) == 0 && len(ps) > 0 {
				t.Fatalf("got problems:\n%s\nwant none", joined)
			}
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("problems:\n%s\nwant one containing %q", joined, w)
				}
			}
			if tt.wantFix == "" {
				return
			}
			changed, _, err := checkOutputs(context.Background(), root, true)
			if err != nil || len(changed) != 1 {
				t.Fatalf("fix changed %v (%v), want the README", changed, err)
			}
			got, _ := os.ReadFile(filepath.Join(root, "v0.1", "README.md"))
			if string(got) != tt.wantFix {
				t.Errorf("after --fix:\n%s\nwant:\n%s", got, tt.wantFix)
			}
			if _, ps, _ := checkOutputs(context.Background(), root, false); len(ps) > 0 {
				t.Errorf("after --fix still %d problems: %v", len(ps), ps)
			}
		})
	}
}

func TestOutputsCommand(t *testing.T) {
	root := outputsFixture(t, "```text output=run run=blog/outputs/hello.sh\nstale\n```\n")
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-root", root, "outputs"}, &out, &out); code != 1 {
		t.Errorf("outputs on a stale block: exit %d, want 1\n%s", code, out.String())
	}
	out.Reset()
	if code := run(context.Background(), []string{"-root", root, "outputs", "--fix"}, &out, &out); code != 0 || !strings.Contains(out.String(), "updated v0.1/README.md") {
		t.Errorf("outputs --fix: exit %d, want 0 and the file named\n%s", code, out.String())
	}
}

// TestOutputsLedger: a block that matched is not rerun while nothing it may
// read changes; a change under a version folder reruns it.
func TestOutputsLedger(t *testing.T) {
	root := outputsFixture(t, "```text output=run run=blog/outputs/count.sh\nran\n```\n")
	script := "echo x >> \"$COUNT_FILE\"\necho ran\n"
	if err := os.WriteFile(filepath.Join(root, "v0.1/blog/outputs/count.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	count := filepath.Join(t.TempDir(), "count")
	t.Setenv("COUNT_FILE", count)
	runs := func() int {
		data, _ := os.ReadFile(count)
		return strings.Count(string(data), "x")
	}
	check := func() {
		t.Helper()
		if _, ps, err := checkOutputs(context.Background(), root, false); err != nil || len(ps) > 0 {
			t.Fatalf("checkOutputs: %v %v", ps, err)
		}
	}
	check()
	check()
	if got := runs(); got != 1 {
		t.Errorf("script ran %d times over two checks, want 1 (the second is in the ledger)", got)
	}
	if err := os.WriteFile(filepath.Join(root, "v0.1/main.go"), []byte("package main\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check()
	if got := runs(); got != 2 {
		t.Errorf("script ran %d times after a code change, want 2", got)
	}
	if err := os.WriteFile(filepath.Join(root, "v0.1/blog/01-post.md"), []byte("# changed post\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check()
	if got := runs(); got != 2 {
		t.Errorf("script ran %d times after a Markdown-only change, want still 2", got)
	}
}
