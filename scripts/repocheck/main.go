// Command repocheck runs the repository checks that prove a version of
// cloudnative-go-journey is consistent: workspace, isolation, manifests,
// dockerfiles, lint, posts and links. See docs/checks.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure a run; tests set them directly.
type Options struct {
	Root       string
	Shellcheck string   // shellcheck executable (name or path)
	CRDDirs    []string // extra directories with CustomResourceDefinition YAML
}

type checkFunc func(ctx context.Context, o Options) ([]Problem, error)

var checkOrder = []string{"workspace", "isolation", "manifests", "dockerfiles", "lint", "posts", "links"}

var checks = map[string]checkFunc{
	"workspace":   checkWorkspace,
	"isolation":   checkIsolation,
	"manifests":   checkManifests,
	"dockerfiles": checkDockerfiles,
	"lint":        checkLint,
	"posts":       checkPosts,
	"links":       checkLinks,
}

func main() {
	offline()
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// offline makes every in-process network attempt fail at once: the checks must
// never hang on a registry or a remote kustomize base.
func offline() {
	deny := func(ctx context.Context, network, addr string) (net.Conn, error) {
		return nil, fmt.Errorf("repocheck runs offline: refusing to dial %s", addr)
	}
	http.DefaultTransport = &http.Transport{DialContext: deny, Proxy: nil}
	http.DefaultClient = &http.Client{Transport: http.DefaultTransport, Timeout: time.Second}
	// kustomize clones remote bases with git; forbid every transport.
	os.Setenv("GIT_ALLOW_PROTOCOL", "none")
	os.Setenv("GIT_TERMINAL_PROMPT", "0")
}

func usage(w io.Writer) {
	fmt.Fprintf(w, `usage: repocheck [-root DIR] [-shellcheck PATH] [-crds DIR[,DIR]] <check>...
       repocheck [-root DIR] includes [--fix]
       repocheck [-root DIR] outputs [--fix]

checks: %s, all
includes        check include-marked code blocks in every Markdown file
includes --fix  rewrite include-marked code blocks from their source files
outputs         check output= blocks: rerun output=run scripts, check kind/sandbox markers
outputs --fix   rewrite output=run blocks from their scripts (make outputs)
`, strings.Join(checkOrder, ", "))
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("repocheck", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { usage(stderr) }
	root := fs.String("root", ".", "repository root")
	sc := fs.String("shellcheck", "shellcheck", "shellcheck executable")
	crds := fs.String("crds", "", "comma-separated extra directories holding CRD YAML")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	o := Options{Root: *root, Shellcheck: *sc}
	if *crds != "" {
		o.CRDDirs = strings.Split(*crds, ",")
	}
	abs, err := filepath.Abs(o.Root)
	if err != nil {
		fmt.Fprintf(stderr, "repocheck: %v\n", err)
		return 2
	}
	o.Root = abs
	if st, err := os.Stat(filepath.Join(abs, "go.work")); err != nil || st.IsDir() {
		fmt.Fprintf(stderr, "repocheck: %s does not look like the repository root (no go.work); use -root\n", abs)
		return 2
	}
	rest := fs.Args()
	if len(rest) == 0 {
		usage(stderr)
		return 2
	}
	if rest[0] == "includes" {
		return runIncludes(o, rest[1:], stdout, stderr)
	}
	if rest[0] == "outputs" {
		return runOutputs(ctx, o, rest[1:], stdout, stderr)
	}
	var names []string
	for _, a := range rest {
		if a == "all" {
			names = append(names, checkOrder...)
			continue
		}
		if _, ok := checks[a]; !ok {
			fmt.Fprintf(stderr, "repocheck: unknown check %q\n", a)
			usage(stderr)
			return 2
		}
		names = append(names, a)
	}
	names = dedupe(names)
	total := 0
	for _, n := range names {
		ps, err := checks[n](ctx, o)
		if err != nil {
			ps = append(ps, Problem{Check: n, Msg: err.Error()})
		}
		for _, p := range ps {
			fmt.Fprintln(stdout, p.String())
		}
		total += len(ps)
	}
	fmt.Fprintf(stdout, "repocheck: %d checks, %d problems\n", len(names), total)
	if total > 0 {
		return 1
	}
	return 0
}

func runIncludes(o Options, args []string, stdout, stderr io.Writer) int {
	fix, ok := fixFlag("includes", args, stderr)
	if !ok {
		return 2
	}
	var ps []Problem
	var err error
	if fix {
		var changed []string
		changed, ps, err = fixIncludes(o.Root)
		for _, c := range changed {
			fmt.Fprintf(stdout, "updated %s\n", c)
		}
	} else {
		ps, err = checkIncludes(o.Root)
	}
	if err != nil {
		ps = append(ps, Problem{Check: "includes", Msg: err.Error()})
	}
	return printProblems(stdout, "1 checks", ps)
}

// printProblems prints each problem and the summary line; exit 1 when any.
func printProblems(stdout io.Writer, what string, ps []Problem) int {
	for _, p := range ps {
		fmt.Fprintln(stdout, p.String())
	}
	fmt.Fprintf(stdout, "repocheck: %s, %d problems\n", what, len(ps))
	if len(ps) > 0 {
		return 1
	}
	return 0
}

func dedupe(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range in {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func runOutputs(ctx context.Context, o Options, args []string, stdout, stderr io.Writer) int {
	fix, ok := fixFlag("outputs", args, stderr)
	if !ok {
		return 2
	}
	changed, ps, err := checkOutputs(ctx, o.Root, fix)
	if err != nil {
		ps = append(ps, Problem{Check: "outputs", Msg: err.Error()})
	}
	for _, c := range changed {
		fmt.Fprintf(stdout, "updated %s\n", c)
	}
	return printProblems(stdout, "outputs", ps)
}

// fixFlag parses the only argument includes and outputs take, --fix.
func fixFlag(cmd string, args []string, stderr io.Writer) (fix, ok bool) {
	for _, a := range args {
		switch a {
		case "--fix", "-fix":
			fix = true
		default:
			fmt.Fprintf(stderr, "repocheck: %s: unknown argument %q\n", cmd, a)
			return false, false
		}
	}
	return fix, true
}
