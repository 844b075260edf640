package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/rhysd/actionlint"
)

var shebangRe = regexp.MustCompile(`^#!\s*(?:/usr)?/bin/(?:env\s+(?:-\S+\s+)*)?(?:ba)?sh(?:\s|$)`)

// shellScripts lists *.sh files and files with a sh/bash shebang.
func shellScripts(root string) ([]string, error) {
	var out []string
	err := walkFiles(root, root, func(abs, rel string) error {
		if strings.HasSuffix(rel, ".sh") {
			out = append(out, rel)
			return nil
		}
		f, err := os.Open(abs)
		if err != nil {
			return err
		}
		defer f.Close()
		line, err := bufio.NewReader(io.LimitReader(f, 256)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		if shebangRe.MatchString(line) {
			out = append(out, rel)
		}
		return nil
	})
	return out, err
}

// gccLineRe parses shellcheck -f gcc output: file:line:col: level: message [SCxxxx]
var gccLineRe = regexp.MustCompile(`^(.+?):(\d+):(\d+): (\w+): (.*)$`)

func checkLint(ctx context.Context, o Options) ([]Problem, error) {
	r := &report{check: "lint"}
	scripts, err := shellScripts(o.Root)
	if err != nil {
		return nil, err
	}
	scPath, scErr := exec.LookPath(o.Shellcheck)
	if len(scripts) > 0 {
		if scErr != nil {
			r.add("", 0, "shellcheck not found (%s); install it: apt-get install -y shellcheck", o.Shellcheck)
		} else {
			runShellcheck(ctx, r, o.Root, scPath, scripts)
		}
	}
	if err := runActionlint(r, o.Root, scPath); err != nil {
		return nil, err
	}
	return r.problems, nil
}

func runShellcheck(ctx context.Context, r *report, root, sc string, scripts []string) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	args := append([]string{"-f", "gcc", "-x", "-P", "SCRIPTDIR", "--"}, scripts...)
	cmd := exec.CommandContext(ctx, sc, args...)
	cmd.Dir = root
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 1) {
		r.add("", 0, "shellcheck failed: %v: %s", err, strings.TrimSpace(stderr.String()))
		return
	}
	for _, l := range strings.Split(out.String(), "\n") {
		m := gccLineRe.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		r.add(m[1], n, "shellcheck %s: %s", m[4], m[5])
	}
}

// runActionlint lints .github/workflows with actionlint as a library (offline).
// It uses shellcheck for run: scripts when shellcheck is available.
func runActionlint(r *report, root, shellcheck string) error {
	dir := filepath.Join(root, ".github", "workflows")
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var files []string
	for _, e := range entries {
		if !e.IsDir() && (strings.HasSuffix(e.Name(), ".yml") || strings.HasSuffix(e.Name(), ".yaml")) {
			files = append(files, filepath.Join(dir, e.Name()))
		}
	}
	if len(files) == 0 {
		return nil
	}
	l, err := actionlint.NewLinter(io.Discard, &actionlint.LinterOptions{
		Shellcheck: shellcheck,
		WorkingDir: root,
		LogWriter:  io.Discard,
	})
	if err != nil {
		return fmt.Errorf("actionlint: %w", err)
	}
	errs, err := l.LintFiles(files, nil)
	if err != nil {
		return fmt.Errorf("actionlint: %w", err)
	}
	for _, e := range errs {
		rel, err := filepath.Rel(root, e.Filepath)
		if err != nil || filepath.IsAbs(e.Filepath) == false {
			rel = e.Filepath
		}
		r.add(rel, e.Line, "actionlint [%s]: %s", e.Kind, e.Message)
	}
	return nil
}
