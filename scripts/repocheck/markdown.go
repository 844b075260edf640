package main

import (
	"strings"
)

// fence is one fenced code block in a Markdown file. Line numbers are 0-based
// indexes into the file's lines; Open and Close are the fence lines
// (Close == len(lines) when the block runs to the end of the file).
type fence struct {
	Open, Close int
	Indent      int
	Info        string
}

// parseFences finds fenced code blocks (``` or ~~~, CommonMark rules simplified:
// the closing fence uses the same character, is at least as long and has no info string).
func parseFences(lines []string) []fence {
	var out []fence
	for i := 0; i < len(lines); i++ {
		ch, n, indent, info, ok := fenceLine(lines[i])
		if !ok {
			continue
		}
		f := fence{Open: i, Indent: indent, Info: info, Close: len(lines)}
		for j := i + 1; j < len(lines); j++ {
			c2, n2, _, info2, ok2 := fenceLine(lines[j])
			if ok2 && c2 == ch && n2 >= n && info2 == "" {
				f.Close = j
				break
			}
		}
		out = append(out, f)
		i = f.Close
	}
	return out
}

func fenceLine(line string) (ch byte, n, indent int, info string, ok bool) {
	t := strings.TrimLeft(line, " ")
	indent = len(line) - len(t)
	if len(t) < 3 || (t[0] != '`' && t[0] != '~') {
		return 0, 0, 0, "", false
	}
	ch = t[0]
	for n < len(t) && t[n] == ch {
		n++
	}
	if n < 3 {
		return 0, 0, 0, "", false
	}
	info = strings.TrimSpace(t[n:])
	if ch == '`' && strings.Contains(info, "`") {
		return 0, 0, 0, "", false
	}
	return ch, n, indent, info, true
}

// inCode returns a per-line flag: true when the line belongs to a fenced block
// (fence lines included).
func inCode(lines []string) []bool {
	code := make([]bool, len(lines))
	for _, f := range parseFences(lines) {
		for i := f.Open; i <= f.Close && i < len(lines); i++ {
			code[i] = true
		}
	}
	return code
}

// stripInlineCode removes `code spans` from a line of prose.
func stripInlineCode(s string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(s, '`')
		if i < 0 {
			b.WriteString(s)
			return b.String()
		}
		n := 0
		for i+n < len(s) && s[i+n] == '`' {
			n++
		}
		ticks := s[i : i+n]
		end := strings.Index(s[i+n:], ticks)
		if end < 0 {
			b.WriteString(s)
			return b.String()
		}
		b.WriteString(s[:i])
		b.WriteByte(' ')
		s = s[i+n+end+n:]
	}
}
