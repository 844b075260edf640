package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/distribution/reference"
	"github.com/moby/buildkit/client/llb"
	"github.com/moby/buildkit/client/llb/sourceresolver"
	"github.com/moby/buildkit/frontend/dockerfile/dockerfile2llb"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"github.com/moby/buildkit/frontend/dockerfile/linter"
	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"github.com/moby/buildkit/frontend/dockerfile/shell"
	digest "github.com/opencontainers/go-digest"
	ocispecs "github.com/opencontainers/image-spec/specs-go/v1"
)

// isDockerfile matches Dockerfile and *.Dockerfile.
func isDockerfile(name string) bool {
	return name == "Dockerfile" || strings.HasSuffix(name, ".Dockerfile")
}

func checkDockerfiles(ctx context.Context, o Options) ([]Problem, error) {
	r := &report{check: "dockerfiles"}
	vs, err := versions(o.Root)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		err := walkFiles(o.Root, filepath.Join(o.Root, v), func(abs, rel string) error {
			if !isDockerfile(path.Base(rel)) {
				return nil
			}
			data, err := os.ReadFile(abs)
			if err != nil {
				return err
			}
			checkDockerfile(ctx, r, o.Root, v, rel, data)
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return r.problems, nil
}

// envMap is a shell.EnvGetter over ARG defaults.
type envMap map[string]string

func (e envMap) Get(k string) (string, bool) { v, ok := e[k]; return v, ok }
func (e envMap) Keys() []string {
	keys := make([]string, 0, len(e))
	for k := range e {
		keys = append(keys, k)
	}
	return keys
}

// finalBases are the run-time bases allowed for the last stage (no shell, no package manager).
var finalBaseRe = regexp.MustCompile(`(^|/)distroless/static(-debian[0-9]+)?$|^cgr\.dev/chainguard/static$`)

func checkDockerfile(ctx context.Context, r *report, root, version, rel string, data []byte) {
	res, err := parser.Parse(bytes.NewReader(data))
	if err != nil {
		r.add(rel, lineOf(err), "parse: %v", err)
		return
	}
	lint := linter.New(&linter.Config{Warn: func(string, string, string, string, []parser.Range) {}})
	stages, metaArgs, err := instructions.Parse(res.AST, lint)
	if err != nil {
		r.add(rel, lineOf(err), "parse: %v", err)
		return
	}
	if len(stages) == 0 {
		r.add(rel, 0, "no FROM instruction")
		return
	}
	if len(stages) < 2 {
		r.add(rel, stages[0].Location[0].Start.Line, "not multi-stage: build in one stage, copy the binary into a scratch or distroless final stage")
	}
	args := envMap{}
	noDefault := map[string]bool{}
	for _, a := range metaArgs {
		for _, kv := range a.Args {
			if kv.Value != nil {
				args[kv.Key] = *kv.Value
			} else {
				noDefault[kv.Key] = true
			}
		}
	}
	lex := shell.NewLex(res.EscapeToken)
	stageIdx := map[string]int{}
	bases := make([]string, len(stages)) // resolved base name per stage
	for i, st := range stages {
		line := st.Location[0].Start.Line
		m, err := lex.ProcessWordWithMatches(st.BaseName, args)
		if err != nil {
			r.add(rel, line, "FROM %s: %v", st.BaseName, err)
			continue
		}
		for k := range m.Unmatched {
			if noDefault[k] {
				r.add(rel, line, "FROM %s: ARG %s has no default, so the base image is not pinned", st.BaseName, k)
			} else {
				r.add(rel, line, "FROM %s: %s is not a global ARG (declare it before the first FROM with a pinned default)", st.BaseName, k)
			}
		}
		base := m.Result
		bases[i] = base
		if _, ok := stageIdx[strings.ToLower(base)]; !ok && len(m.Unmatched) == 0 {
			if msg := unpinnedImage(base); msg != "" {
				r.add(rel, line, "FROM %s: %s", displayBase(st.BaseName, base), msg)
			}
		}
		if st.Name != "" {
			stageIdx[strings.ToLower(st.Name)] = i
		}
	}

	// The final stage (and the stages it is built FROM) decides the run-time image and user.
	last := len(stages) - 1
	chain := []int{last}
	for seen := map[int]bool{last: true}; ; {
		j, ok := stageIdx[strings.ToLower(bases[chain[len(chain)-1]])]
		if !ok || seen[j] {
			break
		}
		seen[j] = true
		chain = append(chain, j)
	}
	root0 := bases[chain[len(chain)-1]]
	lastLine := stages[last].Location[0].Start.Line
	if !isFinalBase(root0) {
		r.add(rel, lastLine, "final stage is based on %s, want scratch or a distroless/static image", root0)
	}
	user, userLine := "", 0
	for k := len(chain) - 1; k >= 0; k-- {
		for _, c := range stages[chain[k]].Commands {
			if u, ok := c.(*instructions.UserCommand); ok {
				user, userLine = u.User, u.Location()[0].Start.Line
			}
		}
	}
	switch {
	case user == "":
		r.add(rel, lastLine, "final stage has no USER: run as a non-root user (e.g. USER 65532:65532)")
	case isRootUser(user):
		r.add(rel, userLine, "USER %s runs as root, want a non-root user (e.g. 65532:65532)", user)
	}

	// Every package that a RUN go build compiles must exist in the version module.
	for _, st := range stages {
		stageArgs := envMap{}
		for k, v := range args {
			stageArgs[k] = v
		}
		for _, c := range st.Commands {
			switch c := c.(type) {
			case *instructions.ArgCommand:
				for _, kv := range c.Args {
					if kv.Value != nil {
						stageArgs[kv.Key] = *kv.Value
					}
				}
			case *instructions.RunCommand:
				script := strings.Join(c.CmdLine, " ")
				for _, f := range c.Files {
					script += "\n" + f.Data
				}
				for _, pkg := range goBuildPackages(script) {
					if strings.Contains(pkg, "$") {
						if v, _, err := lex.ProcessWord(pkg, stageArgs); err == nil && !strings.Contains(v, "$") {
							pkg = v
						} else {
							continue
						}
					}
					if msg := missingPackage(root, version, pkg); msg != "" {
						r.add(rel, c.Location()[0].Start.Line, "go build %s: %s", pkg, msg)
					}
				}
			}
		}
	}

	lintDockerfile(ctx, r, rel, data)
}

func displayBase(orig, resolved string) string {
	if orig == resolved {
		return orig
	}
	return fmt.Sprintf("%s (= %s)", orig, resolved)
}

// unpinnedImage returns why an image reference is not pinned, or "".
func unpinnedImage(img string) string {
	if strings.EqualFold(img, "scratch") {
		return ""
	}
	ref, err := reference.ParseNormalizedNamed(img)
	if err != nil {
		return fmt.Sprintf("invalid image reference: %v", err)
	}
	if _, ok := ref.(reference.Digested); ok {
		return ""
	}
	t, ok := ref.(reference.Tagged)
	if !ok {
		return "base image is not pinned (no tag or digest)"
	}
	if t.Tag() == "latest" {
		return "base image uses :latest, pin a version (and a digest where you can)"
	}
	return ""
}

func isFinalBase(img string) bool {
	if strings.EqualFold(img, "scratch") {
		return true
	}
	ref, err := reference.ParseNormalizedNamed(img)
	if err != nil {
		return false
	}
	return finalBaseRe.MatchString(reference.Path(ref)) || finalBaseRe.MatchString(ref.Name())
}

func isRootUser(user string) bool {
	u, _, _ := strings.Cut(user, ":")
	if n, err := strconv.Atoi(u); err == nil {
		return n == 0
	}
	return u == "root" || u == ""
}

var cmdSepRe = regexp.MustCompile(`&&|\|\||[;|\n]`)

// goBuildPackages extracts the package arguments of `go build` commands in a shell script.
func goBuildPackages(script string) []string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var pkgs []string
	for _, part := range cmdSepRe.Split(script, -1) {
		words := shellWords(part)
		for i := 0; i+1 < len(words); i++ {
			if path.Base(words[i]) != "go" || words[i+1] != "build" {
				continue
			}
			found := false
			for j := i + 2; j < len(words); j++ {
				w := words[j]
				if strings.HasPrefix(w, "-") {
					name := strings.TrimLeft(w, "-")
					if !strings.Contains(name, "=") && goBuildValueFlags[name] {
						j++
					}
					continue
				}
				pkgs = append(pkgs, w)
				found = true
			}
			if !found {
				pkgs = append(pkgs, ".")
			}
			break
		}
	}
	return pkgs
}

var goBuildValueFlags = map[string]bool{
	"o": true, "ldflags": true, "gcflags": true, "asmflags": true, "tags": true, "mod": true,
	"modfile": true, "p": true, "pkgdir": true, "buildmode": true, "installsuffix": true,
	"overlay": true, "pgo": true, "C": true, "toolexec": true, "compiler": true, "gccgoflags": true,
	"coverpkg": true, "covermode": true, "buildvcs": false,
}

// shellWords splits a command into words honouring simple quotes.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	inWord := false
	var quote rune
	for _, c := range s {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				cur.WriteRune(c)
			}
		case c == '"' || c == '\'':
			quote = c
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteRune(c)
			inWord = true
		}
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out
}

// missingPackage checks that pkg (relative to the version folder, the build
// context, or a full import path in the version module) has Go files.
func missingPackage(root, version, pkg string) string {
	dir := ""
	switch {
	case pkg == "." || strings.HasPrefix(pkg, "./"):
		dir = path.Clean(path.Join(version, pkg))
	default:
		data, err := os.ReadFile(filepath.Join(root, version, "go.mod"))
		if err != nil {
			return ""
		}
		mod := modulePathOf(data)
		if mod == "" || (pkg != mod && !strings.HasPrefix(pkg, mod+"/")) {
			return "" // not a package of this module (e.g. a tool), nothing to check
		}
		dir = path.Join(version, strings.TrimPrefix(strings.TrimPrefix(pkg, mod), "/"))
	}
	recursive := strings.HasSuffix(dir, "/...") || dir == "..."
	dir = strings.TrimSuffix(strings.TrimSuffix(dir, "..."), "/")
	if dir != version && !strings.HasPrefix(dir, version+"/") {
		return fmt.Sprintf("%s is outside the version module %s", dir, version)
	}
	abs := filepath.Join(root, filepath.FromSlash(dir))
	if recursive {
		if st, err := os.Stat(abs); err != nil || !st.IsDir() {
			return fmt.Sprintf("directory %s does not exist", dir)
		}
		return ""
	}
	entries, err := os.ReadDir(abs)
	if err != nil {
		return fmt.Sprintf("package directory %s does not exist", dir)
	}
	for _, e := range entries {
		if !e.IsDir() && strings.HasSuffix(e.Name(), ".go") && !strings.HasSuffix(e.Name(), "_test.go") {
			return ""
		}
	}
	return fmt.Sprintf("%s has no Go files", dir)
}

func modulePathOf(gomod []byte) string {
	for _, l := range strings.Split(string(gomod), "\n") {
		f := strings.Fields(l)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

func lineOf(err error) int {
	var le *parser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		return le.Locations[0][0].Start.Line
	}
	return 0
}

// offlineResolver answers image config lookups without a registry: an
// amd64/linux image with one layer and no config. Nothing leaves the process.
type offlineResolver struct{}

func (offlineResolver) ResolveImageConfig(_ context.Context, ref string, opt sourceresolver.Opt) (string, digest.Digest, []byte, error) {
	p := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	if opt.ImageOpt != nil && opt.ImageOpt.Platform != nil {
		p = *opt.ImageOpt.Platform
	}
	img := map[string]any{
		"architecture": p.Architecture,
		"os":           p.OS,
		"variant":      p.Variant,
		"rootfs":       map[string]any{"type": "layers", "diff_ids": []string{"sha256:" + strings.Repeat("0", 64)}},
		"config":       map[string]any{},
	}
	dt, err := json.Marshal(img)
	return ref, "", dt, err
}

// lintDockerfile runs buildkit's Dockerfile linter (the checks of `docker build --check`).
func lintDockerfile(ctx context.Context, r *report, rel string, data []byte) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	platform := ocispecs.Platform{OS: "linux", Architecture: "amd64"}
	smap := llb.NewSourceMap(nil, rel, "Dockerfile", data)
	smap.Definition = &llb.Definition{} // lint results only need the file name and data
	opt := dockerfile2llb.ConvertOpt{
		SourceMap:      smap,
		MetaResolver:   offlineResolver{},
		TargetPlatform: &platform,
	}
	opt.Config.BuildPlatforms = []ocispecs.Platform{platform}
	res, err := dockerfile2llb.DockerfileLint(ctx, data, opt)
	if err != nil {
		r.add(rel, 0, "buildkit lint: %v", err)
		return
	}
	for _, w := range res.Warnings {
		line := 0
		if w.Location != nil && len(w.Location.Ranges) > 0 && w.Location.Ranges[0].Start != nil {
			line = int(w.Location.Ranges[0].Start.Line)
		}
		r.add(rel, line, "buildkit lint %s: %s", w.RuleName, w.Detail)
	}
	if res.Error != nil {
		line := 0
		if len(res.Error.Location.Ranges) > 0 && res.Error.Location.Ranges[0].Start != nil {
			line = int(res.Error.Location.Ranges[0].Start.Line)
		}
		r.add(rel, line, "buildkit: %s", res.Error.Message)
	}
}
