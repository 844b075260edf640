package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const post = "v0.1/blog/01-hello.md"

func TestPosts(t *testing.T) {
	runCases(t, checkPosts, []checkCase{
		{name: "pass"},
		{name: "fail-listed-post-missing",
			mutate: del(post),
			want:   []string{"ROADMAP.md:5: posts: post 01《从零开始：容器化》: no file v0.1/blog/01-<slug>.md"}},
		{name: "fail-title-mismatch",
			mutate: replace(post, "# 从零开始：容器化", "# 从零开始"),
			want:   []string{post + `:1: posts: first line is "# 从零开始", want "# 从零开始：容器化"`}},
		{name: "fail-not-chinese",
			mutate: set(post, "# 从零开始：容器化\n\nThis post is written in English about v0.1 and containers, which is not what readers expect.\n"),
			want:   []string{post + ": posts: post is not in Chinese"}},
		{name: "pass-english-inside-code-does-not-count",
			mutate: replace(post, "func main() {}\n```\n", "func main() {}\n```\n\n```text\nlots of English words inside a code block do not make the post English at all\n```\n")},
		{name: "fail-version-not-named",
			mutate: replace(post, "本文是 v0.1 的第一篇", "本文是第一篇"),
			want:   []string{post + ": posts: post never names its version v0.1"}},
		{name: "fail-v0.10-is-not-v0.1",
			mutate: replace(post, "本文是 v0.1 的第一篇", "本文是 v0.10 的第一篇"),
			want:   []string{"post never names its version v0.1"}},
		{name: "fail-unlisted-blog-file",
			mutate: set("v0.1/blog/02-extra.md", "# 额外\n\n这是 v0.1 的额外文章。\n"),
			want:   []string{"v0.1/blog/02-extra.md: posts: blog file is not listed for v0.1 in ROADMAP.md"}},
		{name: "fail-done-without-folder",
			mutate: replace("ROADMAP.md", "| 📅 计划中 |", "| ✅ 已完成 |"),
			want:   []string{"ROADMAP.md:6: posts: v0.2 is marked ✅ 已完成 but folder v0.2/ does not exist"}},
		{name: "fail-bad-status-and-post-syntax",
			mutate: replace("ROADMAP.md", "01《从零开始：容器化》 | 🚧 进行中 |", "1《从零开始：容器化》 | done |"),
			want:   []string{`ROADMAP.md:5: posts: post "1《从零开始：容器化》": want NN《title》`, `ROADMAP.md:5: posts: status "done"`}},
		{name: "fail-version-folder-without-row",
			mutate: set("v0.3/go.mod", "module x\n"),
			want:   []string{"ROADMAP.md: posts: version folder v0.3/ has no row in the roadmap table"}},
		{name: "fail-include-out-of-date",
			mutate: replace("v0.1/cmd/api/main.go", "func main() {}", "func main() { run() }"),
			want:   []string{post + ":5: posts: code block differs from ../cmd/api/main.go#main", `got "func main() {}", want "func main() { run() }"`}},
		{name: "fail-include-missing-file",
			mutate: replace(post, "include=../cmd/api/main.go#main", "include=../cmd/web/main.go#main"),
			want:   []string{post + ":5: posts: include=../cmd/web/main.go#main: file v0.1/cmd/web/main.go does not exist"}},
		{name: "fail-include-missing-anchor",
			mutate: replace(post, "main.go#main", "main.go#run"),
			want:   []string{post + `:5: posts: include=../cmd/api/main.go#run: anchor "run" not found in v0.1/cmd/api/main.go`}},
		{name: "pass-whole-file-include",
			mutate: all(
				set("v0.1/k8s/ns.txt", "a\nb\n"),
				replace(post, "```go include=../cmd/api/main.go#main\nfunc main() {}\n```", "```text include=../k8s/ns.txt\na\nb\n```"))},
		{name: "pass-whole-file-include-drops-anchor-lines",
			mutate: all(
				set("v0.1/k8s/ns.txt", "a\n# ANCHOR: x\nb\n# ANCHOR_END: x\n"),
				replace(post, "```go include=../cmd/api/main.go#main\nfunc main() {}\n```", "```text include=../k8s/ns.txt\na\nb\n```"))},
		{name: "fail-whole-file-include-showing-anchor-lines",
			mutate: all(
				set("v0.1/k8s/ns.txt", "a\n# ANCHOR: x\nb\n"),
				replace(post, "```go include=../cmd/api/main.go#main\nfunc main() {}\n```", "```text include=../k8s/ns.txt\na\n# ANCHOR: x\nb\n```")),
			want: []string{post + ":5: posts: code block differs from ../k8s/ns.txt"}},
	})
}

func TestIncludeAnchorsDropOtherMarkers(t *testing.T) {
	files := goodRepo()
	files["v0.1/cmd/api/main.go"] = "package main\n\n// ANCHOR: all\n// ANCHOR: main\nfunc main() {}\n// ANCHOR_END: main\n// ANCHOR_END: all\n"
	files[post] = strings.Replace(goodPost, "main.go#main", "main.go#all", 1)
	root := writeRepo(t, files)
	ps, err := checkIncludes(root)
	if err != nil || len(ps) != 0 {
		t.Fatalf("got %v, %v; want no problems (nested markers are dropped)", ps, err)
	}
}

func TestIncludesFix(t *testing.T) {
	files := goodRepo()
	files["v0.1/cmd/api/main.go"] = strings.Replace(files["v0.1/cmd/api/main.go"], "func main() {}", "func main() {\n\trun()\n}", 1)
	root := writeRepo(t, files)
	var out bytes.Buffer
	if code := run(context.Background(), []string{"-root", root, "includes", "--fix"}, &out, &out); code != 0 {
		t.Fatalf("includes --fix: exit %d, output:\n%s", code, out.String())
	}
	got, err := os.ReadFile(filepath.Join(root, post))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Replace(goodPost, "func main() {}\n", "func main() {\n\trun()\n}\n", 1)
	if string(got) != want {
		t.Fatalf("after --fix got:\n%s\nwant:\n%s", got, want)
	}
	out.Reset()
	if code := run(context.Background(), []string{"-root", root, "posts"}, &out, &out); code != 0 {
		t.Fatalf("posts after fix: exit %d, output:\n%s", code, out.String())
	}
}
