package main

import "testing"

func TestWorkspace(t *testing.T) {
	runCases(t, checkWorkspace, []checkCase{
		{name: "pass", want: nil},
		{name: "fail-module-missing-from-go.work",
			mutate: set("scripts/other/go.mod", "module "+repoBase+"/scripts/other\n\ngo 1.26.0\n"),
			want:   []string{"scripts/other/go.mod: workspace: module " + repoBase + "/scripts/other is not listed in go.work"}},
		{name: "fail-go.work-uses-missing-dir",
			mutate: replace("go.work", "./v0.1\n", "./v0.1\n\t./v0.2\n"),
			want:   []string{"go.work:6: workspace: use ./v0.2: no go.mod in that directory"}},
		{name: "fail-version-folder-without-module",
			mutate: set("v0.3/README.md", "# v0.3\n"),
			want:   []string{"v0.3: workspace: version folder has no go.mod"}},
		{name: "fail-version-not-in-go.work",
			mutate: replace("go.work", "\t./v0.1\n", ""),
			want:   []string{"v0.1/go.mod: workspace: module " + repoBase + "/v0.1/journey is not listed in go.work"}},
		{name: "pass-excluded-recipe-module",
			mutate: set("scripts/recipe/go.mod", "// go.work: excluded (huge kube-apiserver graph)\nmodule "+repoBase+"/scripts/recipe\n\ngo 1.26.0\n")},
		{name: "fail-excluded-module-in-go.work",
			mutate: all(
				set("scripts/recipe/go.mod", "// go.work: excluded (huge graph)\nmodule "+repoBase+"/scripts/recipe\n\ngo 1.26.0\n"),
				replace("go.work", "./v0.1\n", "./v0.1\n\t./scripts/recipe\n")),
			want: []string{"scripts/recipe/go.mod:1: workspace: module is marked"}},
		{name: "pass-testdata-modules-ignored",
			mutate: set("scripts/tool/testdata/fake/go.mod", "module fake\n\ngo 1.26.0\n")},
	})
}

func TestIsolation(t *testing.T) {
	v02 := func(f map[string]string) {
		f["v0.2/go.mod"] = "module " + repoBase + "/v0.2/journey\n\ngo 1.26.0\n"
		f["v0.2/internal/x/x.go"] = "package x\n"
	}
	runCases(t, checkIsolation, []checkCase{
		{name: "pass"},
		{name: "fail-imports-other-version",
			mutate: all(v02, set("v0.1/internal/a/a.go", "package a\n\nimport (\n\t\"fmt\"\n\t_ \""+repoBase+"/v0.2/journey/internal/x\"\n)\n\nvar _ = fmt.Sprint\n")),
			want:   []string{"v0.1/internal/a/a.go:5: isolation: imports " + repoBase + "/v0.2/journey/internal/x"}},
		{name: "fail-imports-scripts-tooling",
			mutate: set("v0.1/internal/a/a.go", "package a\n\nimport _ \""+repoBase+"/scripts/tool\"\n"),
			want:   []string{"v0.1/internal/a/a.go:3: isolation: imports " + repoBase + "/scripts/tool"}},
		{name: "fail-go.mod-requires-other-version",
			mutate: all(v02, set("v0.2/go.mod", "module "+repoBase+"/v0.2/journey\n\ngo 1.26.0\n\nrequire "+repoBase+"/v0.1/journey v0.0.0\n\nreplace "+repoBase+"/v0.1/journey => ../v0.1\n")),
			want: []string{
				"v0.2/go.mod:5: isolation: requires " + repoBase + "/v0.1/journey",
				"v0.2/go.mod:7: isolation: replaces " + repoBase + "/v0.1/journey",
				"v0.2/go.mod:7: isolation: replace points outside the version folder (../v0.1)",
			}},
		{name: "pass-own-module-imports",
			mutate: set("v0.1/internal/a/a.go", "package a\n\nimport _ \""+repoBase+"/v0.1/journey/internal/b\"\n")},
		{name: "pass-testdata-ignored",
			mutate: set("v0.1/internal/a/testdata/bad.go", "package bad\n\nimport _ \""+repoBase+"/v0.2/journey\"\n")},
	})
}
