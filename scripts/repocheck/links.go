package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"unicode"
)

var (
	// inlineLinkRe matches [text](dest) and ![alt](dest), dest optionally in <> and followed by a title.
	inlineLinkRe = regexp.MustCompile(`!?\[[^\]]*\]\(\s*(<[^>]*>|[^)\s]*)(?:\s+(?:"[^"]*"|'[^']*'|\([^)]*\)))?\s*\)`)
	// refDefRe matches a reference definition: [id]: dest
	refDefRe     = regexp.MustCompile(`^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)`)
	schemeRe     = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9+.-]*:`)
	htmlAnchorRe = regexp.MustCompile(`<a\s+[^>]*(?:id|name)="([^"]+)"`)
	headingRe    = regexp.MustCompile(`^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$`)
)

func checkLinks(_ context.Context, o Options) ([]Problem, error) {
	r := &report{check: "links"}
	mds, err := markdownFiles(o.Root)
	if err != nil {
		return nil, err
	}
	anchors := map[string]map[string]bool{} // md rel path -> anchors
	anchorsOf := func(rel string) (map[string]bool, error) {
		if a, ok := anchors[rel]; ok {
			return a, nil
		}
		lines, err := readLines(filepath.Join(o.Root, filepath.FromSlash(rel)))
		if err != nil {
			return nil, err
		}
		a := headingAnchors(lines)
		anchors[rel] = a
		return a, nil
	}
	for _, md := range mds {
		lines, err := readLines(filepath.Join(o.Root, md))
		if err != nil {
			return nil, err
		}
		code := inCode(lines)
		for i, l := range lines {
			if code[i] {
				continue
			}
			prose := stripInlineCode(l)
			var dests []string
			for _, m := range inlineLinkRe.FindAllStringSubmatch(prose, -1) {
				dests = append(dests, m[1])
			}
			if m := refDefRe.FindStringSubmatch(prose); m != nil {
				dests = append(dests, m[1])
			}
			for _, d := range dests {
				if msg := checkDest(o.Root, md, d, anchorsOf); msg != "" {
					r.add(md, i+1, "%s", msg)
				}
			}
		}
	}
	return r.problems, nil
}

// checkDest returns a problem description for a link destination, or "".
func checkDest(root, md, dest string, anchorsOf func(string) (map[string]bool, error)) string {
	dest = strings.TrimSuffix(strings.TrimPrefix(dest, "<"), ">")
	if dest == "" || schemeRe.MatchString(dest) || strings.HasPrefix(dest, "//") {
		return "" // http(s), mailto and other absolute URLs are not checked offline
	}
	p, frag, _ := strings.Cut(dest, "#")
	if q := strings.IndexByte(p, '?'); q >= 0 {
		p = p[:q]
	}
	if u, err := url.PathUnescape(p); err == nil {
		p = u
	}
	var target string
	switch {
	case p == "":
		target = md
	case strings.HasPrefix(p, "/"):
		target = path.Clean(strings.TrimPrefix(p, "/")) // GitHub resolves /x against the repository root
	default:
		target = path.Clean(path.Join(path.Dir(md), p))
	}
	if target == ".." || strings.HasPrefix(target, "../") {
		return fmt.Sprintf("link %s points outside the repository", dest)
	}
	st, err := os.Stat(filepath.Join(root, filepath.FromSlash(target)))
	if err != nil {
		return fmt.Sprintf("broken link %s: %s does not exist", dest, target)
	}
	if frag == "" || st.IsDir() || !strings.EqualFold(path.Ext(target), ".md") {
		return ""
	}
	a, err := anchorsOf(target)
	if err != nil {
		return fmt.Sprintf("link %s: %v", dest, err)
	}
	if f, err := url.PathUnescape(frag); err == nil {
		frag = f
	}
	if !a[strings.ToLower(frag)] && !strings.HasPrefix(frag, "L") {
		return fmt.Sprintf("broken link %s: no heading #%s in %s", dest, frag, target)
	}
	return ""
}

// headingAnchors computes GitHub's heading ids (with -1, -2 for duplicates)
// plus explicit <a id|name> anchors.
func headingAnchors(lines []string) map[string]bool {
	out := map[string]bool{}
	count := map[string]int{}
	code := inCode(lines)
	for i, l := range lines {
		if code[i] {
			continue
		}
		for _, m := range htmlAnchorRe.FindAllStringSubmatch(l, -1) {
			out[strings.ToLower(m[1])] = true
		}
		m := headingRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		s := slug(m[2])
		if n := count[s]; n > 0 {
			out[fmt.Sprintf("%s-%d", s, n)] = true
		} else {
			out[s] = true
		}
		count[s]++
	}
	return out
}

// slug follows GitHub: lower-case, drop punctuation except '-' and '_', spaces to '-'.
func slug(h string) string {
	h = strings.ReplaceAll(h, "`", "")
	h = linkTargetRe.ReplaceAllString(h, "]")
	h = htmlTagRe.ReplaceAllString(h, "")
	var b strings.Builder
	for _, c := range strings.ToLower(h) {
		switch {
		case c == ' ':
			b.WriteByte('-')
		case c == '-' || c == '_' || unicode.IsLetter(c) || unicode.IsNumber(c) || unicode.Is(unicode.Mn, c):
			b.WriteRune(c)
		}
	}
	return b.String()
}
