package main

import (
	"context"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"unicode"
)

// Status values allowed in ROADMAP.md.
const (
	statusDone    = "✅ 已完成"
	statusWIP     = "🚧 进行中"
	statusPlanned = "📅 计划中"
)

// minHanShare is the share of letters outside code that must be Han characters
// for a post to count as written in Chinese.
const minHanShare = 0.5

type roadmapPost struct {
	Num, Title string
}

type roadmapRow struct {
	Version string
	Line    int
	Posts   []roadmapPost
	Status  string
}

var (
	postRe     = regexp.MustCompile(`^([0-9]{2}[a-z]?)《([^》]+)》$`)
	brRe       = regexp.MustCompile(`(?i)<br\s*/?>`)
	postFileRe = regexp.MustCompile(`^([0-9]{2}[a-z]?)-[^/]+\.md$`)
)

// parseRoadmap reads the version table; malformed rows become problems.
func parseRoadmap(r *report, root string) ([]roadmapRow, error) {
	lines, err := readLines(filepath.Join(root, "ROADMAP.md"))
	if err != nil {
		return nil, err
	}
	var rows []roadmapRow
	code := inCode(lines)
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if code[i] || !strings.HasPrefix(t, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(t, "|"), "|")
		for j := range cells {
			cells[j] = strings.TrimSpace(cells[j])
		}
		first := strings.Fields(cells[0])
		if len(first) == 0 || !versionDirRe.MatchString(first[0]) {
			continue
		}
		row := roadmapRow{Version: first[0], Line: i + 1}
		if len(cells) != 5 {
			r.add("ROADMAP.md", i+1, "row %s has %d cells, want 5 (version | weeks | topics | posts | status)", row.Version, len(cells))
			continue
		}
		for _, p := range brRe.Split(cells[3], -1) {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			m := postRe.FindStringSubmatch(p)
			if m == nil {
				r.add("ROADMAP.md", i+1, "post %q: want NN《title》 (two digits, optional lowercase letter)", p)
				continue
			}
			row.Posts = append(row.Posts, roadmapPost{Num: m[1], Title: m[2]})
		}
		row.Status = cells[4]
		switch row.Status {
		case statusDone, statusWIP, statusPlanned:
		default:
			r.add("ROADMAP.md", i+1, "status %q: want one of %q, %q, %q", row.Status, statusDone, statusWIP, statusPlanned)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

func checkPosts(_ context.Context, o Options) ([]Problem, error) {
	r := &report{check: "posts"}
	rows, err := parseRoadmap(r, o.Root)
	if err != nil {
		return nil, err
	}
	vs, err := versions(o.Root)
	if err != nil {
		return nil, err
	}
	exists := map[string]bool{}
	for _, v := range vs {
		exists[v] = true
	}
	listed := map[string]bool{}
	seenNum := map[string]string{}
	for _, row := range rows {
		if listed[row.Version] {
			r.add("ROADMAP.md", row.Line, "version %s has more than one row", row.Version)
		}
		listed[row.Version] = true
		for _, p := range row.Posts {
			if other, dup := seenNum[p.Num]; dup {
				r.add("ROADMAP.md", row.Line, "post number %s is used by %s and %s", p.Num, other, row.Version)
			}
			seenNum[p.Num] = row.Version
		}
		if !exists[row.Version] {
			if row.Status == statusDone {
				r.add("ROADMAP.md", row.Line, "%s is marked %s but folder %s/ does not exist", row.Version, statusDone, row.Version)
			}
			continue
		}
		checkVersionPosts(r, o.Root, row)
	}
	for _, v := range vs {
		if !listed[v] {
			r.add("ROADMAP.md", 0, "version folder %s/ has no row in the roadmap table", v)
		}
	}
	sortProblems(r.problems)
	ips, err := checkIncludes(o.Root)
	if err != nil {
		return nil, err
	}
	for _, p := range ips {
		p.Check = "posts"
		r.problems = append(r.problems, p)
	}
	return r.problems, nil
}

func checkVersionPosts(r *report, root string, row roadmapRow) {
	blogDir := path.Join(row.Version, "blog")
	entries, err := os.ReadDir(filepath.Join(root, blogDir))
	if err != nil && !os.IsNotExist(err) {
		r.add(blogDir, 0, "%v", err)
		return
	}
	byNum := map[string][]string{}
	var files []string
	for _, e := range entries {
		if e.IsDir() || !strings.EqualFold(path.Ext(e.Name()), ".md") {
			continue
		}
		files = append(files, e.Name())
		if m := postFileRe.FindStringSubmatch(e.Name()); m != nil {
			byNum[m[1]] = append(byNum[m[1]], e.Name())
		}
	}
	sort.Strings(files)
	want := map[string]bool{}
	for _, p := range row.Posts {
		want[p.Num] = true
		names := byNum[p.Num]
		switch len(names) {
		case 0:
			r.add("ROADMAP.md", row.Line, "post %s《%s》: no file %s/%s-<slug>.md", p.Num, p.Title, blogDir, p.Num)
			continue
		case 1:
		default:
			r.add(blogDir, 0, "post %s has several files: %s", p.Num, strings.Join(names, ", "))
		}
		checkPost(r, root, path.Join(blogDir, names[0]), row.Version, p)
	}
	for _, f := range files {
		m := postFileRe.FindStringSubmatch(f)
		if m == nil || !want[m[1]] {
			r.add(path.Join(blogDir, f), 0, "blog file is not listed for %s in ROADMAP.md", row.Version)
		}
	}
}

func checkPost(r *report, root, rel, version string, p roadmapPost) {
	lines, err := readLines(filepath.Join(root, rel))
	if err != nil {
		r.add(rel, 0, "%v", err)
		return
	}
	wantTitle := "# " + p.Title
	if len(lines) == 0 || strings.TrimRight(strings.TrimPrefix(lines[0], "\ufeff"), " \t") != wantTitle {
		got := ""
		if len(lines) > 0 {
			got = lines[0]
		}
		r.add(rel, 1, "first line is %q, want %q (the title in ROADMAP.md)", got, wantTitle)
	}
	code := inCode(lines)
	var han, letters int
	mentions := false
	for i, l := range lines {
		if refersTo(l, version) {
			mentions = true
		}
		if code[i] {
			continue
		}
		h, n := hanShare(proseOf(l))
		han += h
		letters += n
	}
	if letters == 0 || float64(han) < minHanShare*float64(letters) {
		share := 0.0
		if letters > 0 {
			share = 100 * float64(han) / float64(letters)
		}
		r.add(rel, 0, "post is not in Chinese: %.0f%% of letters outside code are Han characters, want at least %.0f%%", share, 100*minHanShare)
	}
	if !mentions {
		r.add(rel, 0, "post never names its version %s", version)
	}
}

// refersTo reports whether text names the version (v0.1 but not v0.10).
func refersTo(text, version string) bool {
	for _, loc := range versionRefRe.FindAllStringIndex(text, -1) {
		if text[loc[0]:loc[1]] == version {
			return true
		}
	}
	return false
}

var (
	linkTargetRe = regexp.MustCompile(`\]\([^)]*\)`)
	urlRe        = regexp.MustCompile(`https?://\S+`)
	htmlTagRe    = regexp.MustCompile(`<[^>]+>`)
)

// proseOf drops the parts of a Markdown line that are not prose.
func proseOf(l string) string {
	l = stripInlineCode(l)
	l = linkTargetRe.ReplaceAllString(l, "]")
	l = urlRe.ReplaceAllString(l, " ")
	return htmlTagRe.ReplaceAllString(l, " ")
}

func hanShare(s string) (han, letters int) {
	for _, c := range s {
		if unicode.Is(unicode.Han, c) {
			han++
			letters++
		} else if unicode.IsLetter(c) {
			letters++
		}
	}
	return han, letters
}
