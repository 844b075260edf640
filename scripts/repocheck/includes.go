package main

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
)

// include is one include-marked code block.
type include struct {
	fence
	Target string // path as written, relative to the Markdown file
	Anchor string
}

var includeRe = regexp.MustCompile(`(?:^|\s)include=(\S+)`)

func findIncludes(lines []string) []include {
	var out []include
	for _, f := range parseFences(lines) {
		m := includeRe.FindStringSubmatch(f.Info)
		if m == nil {
			continue
		}
		target, anchor, _ := strings.Cut(m[1], "#")
		out = append(out, include{fence: f, Target: target, Anchor: anchor})
	}
	return out
}

// anchorRe reports lines that carry any mdBook anchor marker.
var anchorRe = regexp.MustCompile(`ANCHOR(?:_END)?:\s*[A-Za-z0-9_.-]+`)

// includeSource returns the text an include marker stands for. The error
// message is meant for the reader of the Markdown file.
func includeSource(root, mdRel string, inc include) (string, error) {
	rel := path.Clean(path.Join(path.Dir(mdRel), inc.Target))
	if rel == ".." || strings.HasPrefix(rel, "../") || path.IsAbs(inc.Target) {
		return "", fmt.Errorf("include=%s points outside the repository", inc.Target)
	}
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		if os.IsNotExist(err) {
			return "", fmt.Errorf("include=%s: file %s does not exist", includeName(inc), rel)
		}
		return "", fmt.Errorf("include=%s: %v", includeName(inc), err)
	}
	text := strings.ReplaceAll(string(data), "\r\n", "\n")
	if inc.Anchor == "" {
		// Like mdBook, a whole-file include drops the anchor marker lines:
		// they are bookkeeping for posts, not something a reader should see.
		return dropAnchorLines(strings.Split(text, "\n")), nil
	}
	startRe := regexp.MustCompile(`ANCHOR:\s*` + regexp.QuoteMeta(inc.Anchor) + `(?:[^A-Za-z0-9_.-]|$)`)
	endRe := regexp.MustCompile(`ANCHOR_END:\s*` + regexp.QuoteMeta(inc.Anchor) + `(?:[^A-Za-z0-9_.-]|$)`)
	lines := strings.Split(text, "\n")
	start := -1
	for i, l := range lines {
		if start < 0 {
			if startRe.MatchString(l) {
				start = i
			}
			continue
		}
		if endRe.MatchString(l) {
			return dropAnchorLines(lines[start+1 : i]), nil
		}
	}
	if start < 0 {
		return "", fmt.Errorf("include=%s#%s: anchor %q not found in %s (want a line with `ANCHOR: %s`)", inc.Target, inc.Anchor, inc.Anchor, rel, inc.Anchor)
	}
	return "", fmt.Errorf("include=%s#%s: no `ANCHOR_END: %s` after line %d of %s", inc.Target, inc.Anchor, inc.Anchor, start+1, rel)
}

// dropAnchorLines joins lines, leaving out those that carry an anchor marker.
func dropAnchorLines(lines []string) string {
	kept := make([]string, 0, len(lines))
	for _, l := range lines {
		if !anchorRe.MatchString(l) {
			kept = append(kept, l)
		}
	}
	return strings.Join(kept, "\n")
}

// blockText returns the content of a fenced block with the fence's indentation removed.
func blockText(lines []string, f fence) string {
	end := f.Close
	if end > len(lines) {
		end = len(lines)
	}
	var body []string
	for _, l := range lines[f.Open+1 : end] {
		body = append(body, dedent(l, f.Indent))
	}
	return strings.Join(body, "\n")
}

func dedent(l string, n int) string {
	for i := 0; i < n && len(l) > 0 && l[0] == ' '; i++ {
		l = l[1:]
	}
	return l
}

func sameText(a, b string) bool {
	return strings.TrimRight(a, "\n") == strings.TrimRight(b, "\n")
}

// checkIncludeFile checks every include block of one Markdown file.
func checkIncludeFile(r *report, root, mdRel string, lines []string) {
	for _, inc := range findIncludes(lines) {
		want, err := includeSource(root, mdRel, inc)
		if err != nil {
			r.add(mdRel, inc.Open+1, "%v", err)
			continue
		}
		if inc.Close >= len(lines) {
			r.add(mdRel, inc.Open+1, "include block is never closed")
			continue
		}
		if got := blockText(lines, inc.fence); !sameText(got, want) {
			r.add(mdRel, inc.Open+1, "code block differs from %s (run `go run ./scripts/repocheck includes --fix`)%s", includeName(inc), firstDiff(got, want))
		}
	}
}

func includeName(inc include) string {
	if inc.Anchor != "" {
		return inc.Target + "#" + inc.Anchor
	}
	return inc.Target
}

// firstDiff describes the first differing line to make the message actionable.
func firstDiff(got, want string) string {
	g := strings.Split(strings.TrimRight(got, "\n"), "\n")
	w := strings.Split(strings.TrimRight(want, "\n"), "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if i >= len(g) || i >= len(w) || gl != wl {
			return fmt.Sprintf("; block line %d: got %q, want %q", i+1, gl, wl)
		}
	}
	return ""
}

func checkIncludes(root string) ([]Problem, error) {
	r := &report{check: "includes"}
	mds, err := markdownFiles(root)
	if err != nil {
		return nil, err
	}
	for _, md := range mds {
		lines, err := readLines(filepath.Join(root, md))
		if err != nil {
			return nil, err
		}
		checkIncludeFile(r, root, md, lines)
	}
	return r.problems, nil
}

// fixIncludes rewrites include blocks from their sources. Blocks whose source
// is missing are left alone and reported.
func fixIncludes(root string) (changed []string, problems []Problem, err error) {
	r := &report{check: "includes"}
	mds, err := markdownFiles(root)
	if err != nil {
		return nil, nil, err
	}
	for _, md := range mds {
		abs := filepath.Join(root, md)
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, nil, err
		}
		text := strings.ReplaceAll(string(data), "\r\n", "\n")
		trailingNL := strings.HasSuffix(text, "\n")
		lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
		incs := findIncludes(lines)
		if len(incs) == 0 {
			continue
		}
		var out []string
		pos := 0
		dirty := false
		for _, inc := range incs {
			want, err := includeSource(root, md, inc)
			if err != nil || inc.Close >= len(lines) {
				if err == nil {
					err = fmt.Errorf("include block is never closed")
				}
				r.add(md, inc.Open+1, "%v", err)
				continue
			}
			if sameText(blockText(lines, inc.fence), want) {
				continue
			}
			dirty = true
			out = append(out, lines[pos:inc.Open+1]...)
			pad := strings.Repeat(" ", inc.Indent)
			for _, l := range strings.Split(strings.TrimRight(want, "\n"), "\n") {
				if l == "" {
					out = append(out, "")
				} else {
					out = append(out, pad+l)
				}
			}
			pos = inc.Close
		}
		if !dirty {
			continue
		}
		out = append(out, lines[pos:]...)
		res := strings.Join(out, "\n")
		if trailingNL {
			res += "\n"
		}
		if err := os.WriteFile(abs, []byte(res), 0o644); err != nil {
			return nil, nil, err
		}
		changed = append(changed, md)
	}
	return changed, r.problems, nil
}
