package main

import (
	"context"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/mod/modfile"
)

// excludedMarker starts the first line of a go.mod that is deliberately kept
// out of go.work (a build-recipe module with a huge dependency graph).
const excludedMarker = "// go.work: excluded ("

// module is one go.mod found in the repository.
type module struct {
	Dir      string // slash path relative to root, "." for the root
	Path     string
	Excluded bool
	File     *modfile.File
}

// findModules lists every go.mod in the repository (skipping testdata).
func findModules(root string) ([]module, error) {
	var mods []module
	err := walkFiles(root, root, func(abs, rel string) error {
		if path.Base(rel) != "go.mod" {
			return nil
		}
		data, err := os.ReadFile(abs)
		if err != nil {
			return err
		}
		f, err := modfile.Parse(rel, data, nil)
		if err != nil {
			return fmt.Errorf("parse %s: %w", rel, err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		m := module{Dir: path.Dir(rel), File: f, Excluded: strings.HasPrefix(strings.TrimSpace(first), excludedMarker)}
		if f.Module != nil {
			m.Path = f.Module.Mod.Path
		}
		mods = append(mods, m)
		return nil
	})
	sort.Slice(mods, func(i, j int) bool { return mods[i].Dir < mods[j].Dir })
	return mods, err
}

func checkWorkspace(_ context.Context, o Options) ([]Problem, error) {
	r := &report{check: "workspace"}
	data, err := os.ReadFile(filepath.Join(o.Root, "go.work"))
	if err != nil {
		return nil, err
	}
	wf, err := modfile.ParseWork("go.work", data, nil)
	if err != nil {
		r.add("go.work", 0, "cannot parse: %v", err)
		return r.problems, nil
	}
	used := map[string]int{} // dir -> line
	for _, u := range wf.Use {
		dir := path.Clean(filepath.ToSlash(u.Path))
		if filepath.IsAbs(u.Path) {
			r.add("go.work", u.Syntax.Start.Line, "use %s: absolute paths make the workspace machine-specific", u.Path)
			continue
		}
		if _, dup := used[dir]; dup {
			r.add("go.work", u.Syntax.Start.Line, "use %s listed twice", u.Path)
		}
		used[dir] = u.Syntax.Start.Line
	}
	mods, err := findModules(o.Root)
	if err != nil {
		return nil, err
	}
	have := map[string]module{}
	for _, m := range mods {
		have[m.Dir] = m
		_, inWork := used[m.Dir]
		switch {
		case m.Excluded && inWork:
			r.add(path.Join(m.Dir, "go.mod"), 1, "module is marked %q but go.work uses ./%s", strings.TrimSuffix(excludedMarker, " ("), m.Dir)
		case !m.Excluded && !inWork:
			r.add(path.Join(m.Dir, "go.mod"), 0, "module %s is not listed in go.work (add `./%s` to its use block, or start go.mod with `%s<reason>)`)", m.Path, m.Dir, excludedMarker)
		}
	}
	for dir, line := range used {
		if _, ok := have[dir]; !ok {
			r.add("go.work", line, "use ./%s: no go.mod in that directory", dir)
		}
	}
	vs, err := versions(o.Root)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		m, ok := have[v]
		switch {
		case !ok:
			r.add(v, 0, "version folder has no go.mod (every version is a module)")
		case m.Excluded:
			r.add(path.Join(v, "go.mod"), 1, "a version module must be in go.work, not excluded")
		}
	}
	sortProblems(r.problems)
	return r.problems, nil
}

func sortProblems(ps []Problem) {
	sort.SliceStable(ps, func(i, j int) bool {
		if ps[i].File != ps[j].File {
			return ps[i].File < ps[j].File
		}
		return ps[i].Line < ps[j].Line
	})
}

// checkIsolation proves that no version depends on another version or on the
// repository's tooling modules: each version must stand alone.
func checkIsolation(_ context.Context, o Options) ([]Problem, error) {
	r := &report{check: "isolation"}
	mods, err := findModules(o.Root)
	if err != nil {
		return nil, err
	}
	vs, err := versions(o.Root)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		var own *module
		var others []string
		for i := range mods {
			m := &mods[i]
			if m.Dir == v {
				own = m
			} else if m.Path != "" {
				others = append(others, m.Path)
			}
		}
		if own == nil {
			r.add(v, 0, "version folder has no go.mod")
			continue
		}
		foreign := func(p string) bool {
			if p == own.Path || strings.HasPrefix(p, own.Path+"/") {
				return false
			}
			if p == repoBase || strings.HasPrefix(p, repoBase+"/") {
				return true
			}
			for _, o := range others {
				if p == o || strings.HasPrefix(p, o+"/") {
					return true
				}
			}
			return false
		}
		gomod := path.Join(v, "go.mod")
		for _, req := range own.File.Require {
			if foreign(req.Mod.Path) {
				r.add(gomod, req.Syntax.Start.Line, "requires %s: a version must not depend on another version or on scripts/ tooling", req.Mod.Path)
			}
		}
		for _, rep := range own.File.Replace {
			if foreign(rep.Old.Path) {
				r.add(gomod, rep.Syntax.Start.Line, "replaces %s: a version must not depend on another version or on scripts/ tooling", rep.Old.Path)
			}
			if rep.New.Version == "" && (strings.HasPrefix(rep.New.Path, "../") || strings.HasPrefix(rep.New.Path, "./") || filepath.IsAbs(rep.New.Path)) {
				target := path.Clean(path.Join(v, filepath.ToSlash(rep.New.Path)))
				if target != v && !strings.HasPrefix(target, v+"/") {
					r.add(gomod, rep.Syntax.Start.Line, "replace points outside the version folder (%s)", rep.New.Path)
				}
			}
		}
		err := walkFiles(o.Root, filepath.Join(o.Root, v), func(abs, rel string) error {
			if !strings.HasSuffix(rel, ".go") {
				return nil
			}
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, abs, nil, parser.ImportsOnly)
			if err != nil {
				r.add(rel, 0, "cannot parse imports: %v", err)
				return nil
			}
			for _, imp := range f.Imports {
				p, err := strconv.Unquote(imp.Path.Value)
				if err != nil {
					continue
				}
				if foreign(p) {
					r.add(rel, fset.Position(imp.Pos()).Line, "imports %s: a version must not import another version or scripts/ tooling (copy the code instead)", p)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	sortProblems(r.problems)
	return r.problems, nil
}
