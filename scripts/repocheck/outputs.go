package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"
)

// Output blocks: a fenced block whose info string carries output=<kind>
// says where its text came from, so a reader can tell a real run from a
// sketch and the checker can prove the real ones still hold.
//
//	```text output=run run=outputs/make-diff.sh
//	    The script (path relative to the Markdown file, run with bash from
//	    the version folder, or the repository root outside one) prints the
//	    block. `repocheck outputs` reruns it and compares after normalising
//	    times, durations, ports, ids and hashes; a line "…" in the block
//	    stands for any number of lines (an excerpt). `outputs --fix`
//	    rewrites the block, keeping its excerpt gaps.
//	```text output=kind captured=2026-11-25 kind=v0.33.0 node=v1.37.0
//	    Captured on a kind cluster: kind and node must be the version's
//	    pins in scripts/deploy.sh (recapture after a bump).
//	```text output=sandbox captured=2026-12-03
//	    Captured in the repository's sandbox (scripts/k8s-sandbox).
//	```text output=sketch
//	    Not captured: what the output looks like, with made-up names and
//	    numbers. The text around it says so.
const outputRunTimeout = 3 * time.Minute

// OutputsLedger (in scripts/repocheck, committed) lists the output=run
// blocks that matched their scripts, keyed by a hash of the block, its
// script and every non-Markdown file of the version folders and scripts/:
// an unchanged block over unchanged code is not rerun (the scripts take
// minutes together). The file is rewritten on each run with the keys of
// the blocks that hold now.
const OutputsLedger = "scripts/repocheck/outputs-proven.txt"

var outputKinds = map[string]bool{"run": true, "kind": true, "sandbox": true, "sketch": true}

// outputBlock is one fenced block with an output= attribute.
type outputBlock struct {
	md    string // repository-relative Markdown file
	fence fence
	attrs map[string]string
}

var attrRe = regexp.MustCompile(`(?:^|\s)([a-z]+)=(\S+)`)

func infoAttrs(info string) map[string]string {
	m := map[string]string{}
	for _, a := range attrRe.FindAllStringSubmatch(info, -1) {
		m[a[1]] = a[2]
	}
	return m
}

func findOutputBlocks(md string, lines []string) []outputBlock {
	var out []outputBlock
	for _, f := range parseFences(lines) {
		attrs := infoAttrs(f.Info)
		if _, ok := attrs["output"]; ok {
			out = append(out, outputBlock{md: md, fence: f, attrs: attrs})
		}
	}
	return out
}

// checkOutputs checks every output block; with fix, run blocks that differ
// are rewritten from their scripts.
func checkOutputs(ctx context.Context, root string, fix bool) (changed []string, problems []Problem, err error) {
	r := &report{check: "outputs"}
	mds, err := markdownFiles(root)
	if err != nil {
		return nil, nil, err
	}
	inputs, err := outputInputsHash(root)
	if err != nil {
		return nil, nil, err
	}
	proven := readLedger(filepath.Join(root, OutputsLedger))
	holds := map[string]bool{}
	for _, md := range mds {
		abs := filepath.Join(root, md)
		data, err := os.ReadFile(abs)
		if err != nil {
			return nil, nil, err
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		blocks := findOutputBlocks(md, lines)
		dirty := false
		// Back to front, so a rewritten block does not move the ones before it.
		for i := len(blocks) - 1; i >= 0; i-- {
			b := blocks[i]
			if b.fence.Close == len(lines) {
				r.add(md, b.fence.Open+1, "output block is not closed")
				continue
			}
			body := lines[b.fence.Open+1 : b.fence.Close]
			switch kind := b.attrs["output"]; {
			case !outputKinds[kind]:
				r.add(md, b.fence.Open+1, "output=%s unknown (want run, kind, sandbox or sketch)", kind)
			case kind == "run":
				key := outputKey(inputs, root, b, body)
				if proven[key] {
					holds[key] = true
					continue
				}
				got, msg := runOutputBlock(ctx, root, b)
				if msg != "" {
					r.add(md, b.fence.Open+1, "%s", msg)
					continue
				}
				newBody, diff := matchOutput(body, got)
				if diff == "" {
					holds[key] = true
					continue
				}
				if fix && newBody != nil {
					lines = append(lines[:b.fence.Open+1], append(newBody, lines[b.fence.Close:]...)...)
					dirty = true
					continue
				}
				r.add(md, b.fence.Open+1, "output of %s differs (run `make outputs`): %s", b.attrs["run"], diff)
			case kind == "kind":
				for _, msg := range checkKindMarker(root, md, b.attrs) {
					r.add(md, b.fence.Open+1, "%s", msg)
				}
			case kind == "sandbox":
				if msg := checkCaptured(b.attrs); msg != "" {
					r.add(md, b.fence.Open+1, "%s", msg)
				}
			}
		}
		if dirty {
			if err := os.WriteFile(abs, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
				return nil, nil, err
			}
			changed = append(changed, md)
		}
	}
	// A rewritten block gets its key on the next run, from its new text.
	if err := writeLedger(filepath.Join(root, OutputsLedger), holds); err != nil {
		return nil, nil, err
	}
	return changed, r.problems, nil
}

// outputInputsHash hashes what output scripts may read: every file under
// the version folders and scripts/ except Markdown and the ledgers
// (this one and the sandbox's proven.txt, which change as tests pass).
func outputInputsHash(root string) (string, error) {
	h := sha256.New()
	err := walkFiles(root, root, func(abs, rel string) error {
		rel = filepath.ToSlash(rel)
		first := strings.SplitN(rel, "/", 2)[0]
		if !(versionDirRe.MatchString(first) || first == "scripts") || strings.HasSuffix(rel, ".md") || strings.HasSuffix(rel, "proven.txt") {
			return nil
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", rel, len(data))
		h.Write(data)
		return nil
	})
	return fmt.Sprintf("%x", h.Sum(nil)), err
}

func outputKey(inputs, root string, b outputBlock, body []string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n%s\n", inputs, b.md, b.attrs["run"])
	h.Write([]byte(strings.Join(body, "\n")))
	return fmt.Sprintf("%x", h.Sum(nil)[:12])
}

func readLedger(path string) map[string]bool {
	m := map[string]bool{}
	data, err := os.ReadFile(path)
	if err != nil {
		return m
	}
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			m[l] = true
		}
	}
	return m
}

func writeLedger(path string, keys map[string]bool) error {
	var lines []string
	for k := range keys {
		lines = append(lines, k)
	}
	sort.Strings(lines)
	body := "# output=run blocks that matched their scripts (repocheck outputs). Generated; commit it.\n" + strings.Join(lines, "\n")
	if len(lines) > 0 {
		body += "\n"
	}
	if old, err := os.ReadFile(path); err == nil && string(old) == body {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(body), 0o644)
}

// runOutputBlock runs the block's script and returns its output lines.
func runOutputBlock(ctx context.Context, root string, b outputBlock) ([]string, string) {
	script := b.attrs["run"]
	if script == "" {
		return nil, "output=run needs run=<script>"
	}
	path := filepath.Join(root, filepath.Dir(b.md), script)
	if rel, err := filepath.Rel(root, path); err != nil || strings.HasPrefix(rel, "..") {
		return nil, fmt.Sprintf("run=%s points outside the repository", script)
	}
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Sprintf("run=%s: %v", script, err)
	}
	dir := root
	if first := strings.SplitN(filepath.ToSlash(b.md), "/", 2)[0]; versionDirRe.MatchString(first) {
		dir = filepath.Join(root, first)
	}
	ctx, cancel := context.WithTimeout(ctx, outputRunTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", path)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "NO_COLOR=1", "TERM=dumb", "LC_ALL=C.UTF-8")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return nil, fmt.Sprintf("run=%s failed: %v\n%s", script, err, tail(out.String(), 20))
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n"), ""
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSuffix(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// isGap reports whether a block line stands for omitted output.
func isGap(line string) bool {
	t := strings.TrimSpace(line)
	return t == "…" || t == "..."
}

// matchOutput compares a block with fresh output. Gap lines match any number
// of lines; everything else must match line for line after normalising. It
// returns the block rewritten from got (nil when the excerpt cannot be placed)
// and a description of the first difference ("" when they match).
func matchOutput(block, got []string) ([]string, string) {
	type segment struct{ lines []string }
	var segs []segment
	cur := segment{}
	startGap, endGap := len(block) > 0 && isGap(block[0]), len(block) > 0 && isGap(block[len(block)-1])
	for _, l := range block {
		if isGap(l) {
			if len(cur.lines) > 0 {
				segs = append(segs, cur)
			}
			cur = segment{}
			continue
		}
		cur.lines = append(cur.lines, l)
	}
	if len(cur.lines) > 0 {
		segs = append(segs, cur)
	}
	norm := make([]string, len(got))
	for i, l := range got {
		norm[i] = normalizeOutput(l)
	}
	equalAt := func(seg []string, at int) bool {
		if at+len(seg) > len(norm) {
			return false
		}
		for k, l := range seg {
			if normalizeOutput(l) != norm[at+k] {
				return false
			}
		}
		return true
	}
	// Rebuild the block from got while matching: each segment is replaced by
	// the lines it matched, gaps stay gaps.
	var rebuilt []string
	var diff string
	pos := 0
	for si, seg := range segs {
		anchoredStart := si == 0 && !startGap
		anchoredEnd := si == len(segs)-1 && !endGap
		at := -1
		switch {
		case anchoredStart && anchoredEnd:
			if len(seg.lines) == len(norm) && equalAt(seg.lines, 0) {
				at = 0
			}
		case anchoredStart:
			if equalAt(seg.lines, 0) {
				at = 0
			}
		case anchoredEnd:
			if start := len(norm) - len(seg.lines); start >= pos && equalAt(seg.lines, start) {
				at = start
			}
		default:
			for k := pos; k+len(seg.lines) <= len(norm); k++ {
				if equalAt(seg.lines, k) {
					at = k
					break
				}
			}
		}
		if at < 0 {
			if diff == "" {
				diff = firstDifference(seg.lines, norm, pos)
			}
			// An anchored segment is rewritten by position (the first or
			// last lines of the output); a floating one needs a person to
			// choose its lines again.
			switch {
			case anchoredStart && anchoredEnd:
				return got, diff
			case anchoredStart && len(seg.lines) <= len(got):
				at = 0
			case anchoredEnd && len(norm)-len(seg.lines) >= pos:
				at = len(norm) - len(seg.lines)
			default:
				return nil, diff
			}
		}
		if si > 0 || startGap {
			rebuilt = append(rebuilt, "…")
		}
		rebuilt = append(rebuilt, got[at:at+len(seg.lines)]...)
		pos = at + len(seg.lines)
	}
	if endGap {
		rebuilt = append(rebuilt, "…")
	}
	if len(segs) == 0 {
		return block, ""
	}
	return rebuilt, diff
}

// firstDifference describes where seg stops matching got, for the report.
func firstDifference(seg, norm []string, pos int) string {
	best, bestAt := -1, 0
	for k := pos; k < len(norm); k++ {
		n := 0
		for n < len(seg) && k+n < len(norm) && normalizeOutput(seg[n]) == norm[k+n] {
			n++
		}
		if n > best {
			best, bestAt = n, k
		}
	}
	if best < 0 {
		return fmt.Sprintf("block line %q not in the output (%d lines)", seg[0], len(norm))
	}
	if best == len(seg) {
		return "the excerpt's lines are there, but not where the block puts them (start or end)"
	}
	got := "<end of output>"
	if bestAt+best < len(norm) {
		got = norm[bestAt+best]
	}
	return fmt.Sprintf("block has %q, output has %q", normalizeOutput(seg[best]), got)
}

var outputNormalizers = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?`), "<time>"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "<uuid>"},
	{regexp.MustCompile(`(127\.0\.0\.1|localhost|\[::\]|0\.0\.0\.0):\d+`), "$1:<port>"},
	{regexp.MustCompile(`\b\d+(\.\d+)?(ns|µs|us|ms|s|m|h)(\d+(\.\d+)?(ms|s|m))*\b`), "<dur>"},
	{regexp.MustCompile(`\b\d+(\.\d+)? (ns|µs|ms)\b`), "<dur>"},
	{regexp.MustCompile(`\b[0-9a-f]*[a-f][0-9a-f]*\b`), "<hex?>"},
}

// normalizeOutput blanks what legitimately changes from run to run.
func normalizeOutput(s string) string {
	for _, n := range outputNormalizers[:5] {
		s = n.re.ReplaceAllString(s, n.with)
	}
	// Hex ids (commits, container ids): 7 or more hex digits with a letter.
	s = outputNormalizers[5].re.ReplaceAllStringFunc(s, func(w string) string {
		if len(w) >= 7 && strings.ContainsAny(w, "0123456789") {
			return "<hex>"
		}
		return w
	})
	return strings.TrimRight(s, " \t")
}

var capturedRe = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)

func checkCaptured(attrs map[string]string) string {
	c := attrs["captured"]
	if !capturedRe.MatchString(c) {
		return fmt.Sprintf("output=%s needs captured=YYYY-MM-DD (when it was captured)", attrs["output"])
	}
	if t, err := time.Parse("2006-01-02", c); err != nil || t.After(time.Now().Add(24*time.Hour)) {
		return fmt.Sprintf("captured=%s is not a past date", c)
	}
	return ""
}

var (
	kindPinRe = regexp.MustCompile(`(?m)^readonly KIND_VERSION=(\S+)`)
	nodePinRe = regexp.MustCompile(`(?m)^readonly KIND_NODE_IMAGE="kindest/node:([^@"]+)`)
)

// checkKindMarker checks a kind run's marker against the version's pins.
func checkKindMarker(root, md string, attrs map[string]string) []string {
	var msgs []string
	if m := checkCaptured(attrs); m != "" {
		msgs = append(msgs, m)
	}
	first := strings.SplitN(filepath.ToSlash(md), "/", 2)[0]
	if !versionDirRe.MatchString(first) {
		return append(msgs, "output=kind outside a version folder: no pins to compare with")
	}
	data, err := os.ReadFile(filepath.Join(root, first, "scripts", "deploy.sh"))
	if err != nil {
		return append(msgs, fmt.Sprintf("output=kind: %v", err))
	}
	for _, p := range []struct {
		attr string
		re   *regexp.Regexp
	}{{"kind", kindPinRe}, {"node", nodePinRe}} {
		m := p.re.FindSubmatch(data)
		if m == nil {
			msgs = append(msgs, fmt.Sprintf("output=kind: %s/scripts/deploy.sh has no %s pin", first, p.attr))
			continue
		}
		if got := attrs[p.attr]; got != string(m[1]) {
			msgs = append(msgs, fmt.Sprintf("output=kind %s=%q, but %s pins %s: recapture it", p.attr, got, first, m[1]))
		}
	}
	return msgs
}
