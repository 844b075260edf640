package main

import (
	"bufio"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// repoBase is the module path prefix shared by every module in the repository.
const repoBase = "github.com/cloudnative-go-journey/cloudnative-go-journey"

// Problem is one finding of a check. File is relative to the repository root.
type Problem struct {
	Check string
	File  string
	Line  int
	Msg   string
}

func (p Problem) String() string {
	switch {
	case p.File == "":
		return fmt.Sprintf("%s: %s", p.Check, p.Msg)
	case p.Line > 0:
		return fmt.Sprintf("%s:%d: %s: %s", p.File, p.Line, p.Check, p.Msg)
	default:
		return fmt.Sprintf("%s: %s: %s", p.File, p.Check, p.Msg)
	}
}

// report collects problems for one check run.
type report struct {
	check    string
	problems []Problem
}

func (r *report) add(file string, line int, format string, args ...any) {
	r.problems = append(r.problems, Problem{Check: r.check, File: filepath.ToSlash(file), Line: line, Msg: fmt.Sprintf(format, args...)})
}

// versionDirRe matches a version folder name such as v0.1 or v1.5.
var versionDirRe = regexp.MustCompile(`^v[0-9]+\.[0-9]+$`)

// versionRefRe finds a version name inside text.
var versionRefRe = regexp.MustCompile(`v[0-9]+\.[0-9]+`)

// versions lists the version folders at the repository root, sorted.
func versions(root string) ([]string, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range entries {
		if e.IsDir() && versionDirRe.MatchString(e.Name()) {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out, nil
}

// skipDir reports whether a directory is never looked at: VCS data, vendored
// JavaScript, and testdata (fixtures must not look like real repository content).
func skipDir(name string) bool {
	return name == ".git" || name == "node_modules" || name == "testdata"
}

// walkFiles calls fn for every regular file under dir (absolute path and path
// relative to root), skipping the directories in skipDir. A missing dir is not an error.
func walkFiles(root, dir string, fn func(abs, rel string) error) error {
	if _, err := os.Stat(dir); os.IsNotExist(err) {
		return nil
	}
	return filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != dir && skipDir(d.Name()) {
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		return fn(path, filepath.ToSlash(rel))
	})
}

// hasTestdataElem reports whether a slash path contains a testdata element.
func hasTestdataElem(rel string) bool {
	for _, e := range strings.Split(filepath.ToSlash(rel), "/") {
		if e == "testdata" {
			return true
		}
	}
	return false
}

// readLines reads a file into lines without their newline characters.
func readLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		lines = append(lines, sc.Text())
	}
	return lines, sc.Err()
}

// markdownFiles lists every Markdown file in the repository (relative paths).
func markdownFiles(root string) ([]string, error) {
	var out []string
	err := walkFiles(root, root, func(abs, rel string) error {
		if strings.EqualFold(filepath.Ext(rel), ".md") {
			out = append(out, rel)
		}
		return nil
	})
	sort.Strings(out)
	return out, err
}
