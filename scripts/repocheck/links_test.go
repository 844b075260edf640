package main

import "testing"

func TestLinks(t *testing.T) {
	runCases(t, checkLinks, []checkCase{
		{name: "pass"},
		{name: "fail-broken-relative-link",
			mutate: replace("README.md", "[the roadmap](ROADMAP.md)", "[the roadmap](ROADMAP-old.md)"),
			want:   []string{"README.md:3: links: broken link ROADMAP-old.md: ROADMAP-old.md does not exist"}},
		{name: "fail-broken-image",
			mutate: replace("README.md", "docs/logo.png", "docs/missing.png"),
			want:   []string{"README.md:3: links: broken link docs/missing.png"}},
		{name: "fail-broken-link-in-post",
			mutate: replace(post, "../../ROADMAP.md#", "../ROADMAP.md#"),
			want:   []string{post + ":9: links: broken link ../ROADMAP.md#路线图--roadmap: v0.1/ROADMAP.md does not exist"}},
		{name: "fail-missing-heading-fragment",
			mutate: replace("README.md", "[jump](#set-up)", "[jump](#setup)"),
			want:   []string{"README.md:7: links: broken link #setup: no heading #setup in README.md"}},
		{name: "fail-reference-definition",
			mutate: set("docs/guide.md", "# Guide\n\nSee [the plan][plan].\n\n[plan]: ../PLAN.md\n"),
			want:   []string{"docs/guide.md:5: links: broken link ../PLAN.md"}},
		{name: "fail-link-outside-repo",
			mutate: set("docs/guide.md", "[up](../../etc/passwd)\n"),
			want:   []string{"docs/guide.md:1: links: link ../../etc/passwd points outside the repository"}},
		{name: "pass-links-in-inline-code-and-fences-ignored",
			mutate: set("docs/guide.md", "Use `[x](nowhere.md)` here.\n\n~~~md\n[y](gone.md)\n~~~\n")},
		{name: "pass-testdata-markdown-ignored",
			mutate: set("scripts/tool/testdata/x.md", "[y](gone.md)\n")},
	})
}

func TestSlug(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Set up", "set-up"},
		{"路线图 · Roadmap", "路线图--roadmap"},
		{"The `make test` target!", "the-make-test-target"},
		{"v0.1 基础版", "v01-基础版"},
	}
	for _, tc := range tests {
		if got := slug(tc.in); got != tc.want {
			t.Errorf("slug(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
