package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	kjson "k8s.io/apimachinery/pkg/runtime/serializer/json"
	"k8s.io/client-go/kubernetes/scheme"
	kindv1alpha4 "sigs.k8s.io/kind/pkg/apis/config/v1alpha4"
	"sigs.k8s.io/kustomize/api/krusty"
	ktypes "sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
	"sigs.k8s.io/yaml"
)

// strictCodec decodes YAML into the client-go scheme's types and fails on
// unknown fields, duplicate fields and wrong types.
var strictCodec = kjson.NewSerializerWithOptions(kjson.DefaultMetaFactory, scheme.Scheme, scheme.Scheme,
	kjson.SerializerOptions{Yaml: true, Strict: true})

var kustomizationNames = []string{"kustomization.yaml", "kustomization.yml", "Kustomization"}

// yamlDoc is one document of a multi-document YAML file.
type yamlDoc struct {
	Line int // 1-based line where the document starts
	Data []byte
}

var docSepRe = regexp.MustCompile(`^---(\s.*)?$`)

// splitDocs splits a YAML stream on `---` lines, dropping empty documents.
func splitDocs(data []byte) []yamlDoc {
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	var docs []yamlDoc
	start := 0
	flush := func(end int) {
		chunk := lines[start:end]
		empty := true
		for _, l := range chunk {
			t := strings.TrimSpace(l)
			if t != "" && !strings.HasPrefix(t, "#") && t != "..." {
				empty = false
				break
			}
		}
		if !empty {
			docs = append(docs, yamlDoc{Line: start + 1, Data: []byte(strings.Join(chunk, "\n") + "\n")})
		}
	}
	for i, l := range lines {
		if docSepRe.MatchString(l) {
			flush(i)
			start = i + 1
		}
	}
	flush(len(lines))
	return docs
}

func isYAML(name string) bool {
	return strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")
}

func isKustomization(name string) bool {
	for _, n := range kustomizationNames {
		if name == n {
			return true
		}
	}
	return false
}

func checkManifests(_ context.Context, o Options) ([]Problem, error) {
	r := &report{check: "manifests"}
	vs, err := versions(o.Root)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if err := checkVersionManifests(r, o, v); err != nil {
			return nil, err
		}
	}
	return r.problems, nil
}

func checkVersionManifests(r *report, o Options, v string) error {
	k8sDir := path.Join(v, "k8s")
	var files []string // slash paths relative to root
	kustDirs := map[string]string{}
	err := walkFiles(o.Root, filepath.Join(o.Root, k8sDir), func(abs, rel string) error {
		base := path.Base(rel)
		if isKustomization(base) {
			kustDirs[path.Dir(rel)] = rel
		} else if isYAML(base) {
			files = append(files, rel)
		}
		return nil
	})
	if err != nil {
		return err
	}

	// Schemas for custom resources come from CRDs shipped in the version
	// (under vX/k8s, or vendored upstream CRDs in vX/crds) and from -crds.
	crdDirs := []string{k8sDir, path.Join(v, "crds")}
	crds := newCRDSet()
	for _, d := range crdDirs {
		if err := crds.loadDir(r, o.Root, d); err != nil {
			return err
		}
	}
	for _, d := range o.CRDDirs {
		if err := crds.loadDir(r, o.Root, d); err != nil {
			return err
		}
	}

	// Files a kustomization lists under resources are manifests; other YAML
	// inside a kustomize tree (patches, generator inputs) is only meaningful rendered.
	resourceFiles := map[string]bool{}
	var kdirs []string
	for dir := range kustDirs {
		kdirs = append(kdirs, dir)
	}
	sort.Strings(kdirs)
	kusts := map[string]*ktypes.Kustomization{}
	for _, dir := range kdirs {
		k, err := readKustomization(o.Root, kustDirs[dir])
		if err != nil {
			r.add(kustDirs[dir], 0, "%v", err)
			continue
		}
		kusts[dir] = k
		for _, res := range append(append(append([]string{}, k.Resources...), k.Bases...), k.Crds...) {
			p := path.Clean(path.Join(dir, res))
			if st, err := os.Stat(filepath.Join(o.Root, filepath.FromSlash(p))); err == nil && !st.IsDir() {
				resourceFiles[p] = true
			}
		}
	}
	inKustTree := func(rel string) bool {
		for d := path.Dir(rel); d != "." && d != v; d = path.Dir(d) {
			if _, ok := kustDirs[d]; ok {
				return true
			}
		}
		return false
	}

	for _, f := range files {
		policy := true
		if inKustTree(f) {
			if !resourceFiles[f] {
				continue
			}
			policy = false // checked on the rendered output
		}
		data, err := os.ReadFile(filepath.Join(o.Root, filepath.FromSlash(f)))
		if err != nil {
			return err
		}
		for _, d := range splitDocs(data) {
			checkObject(r, crds, f, d.Line, "", d.Data, policy)
		}
	}

	for _, dir := range kdirs {
		k := kusts[dir]
		if k == nil || k.Kind == ktypes.ComponentKind {
			continue // a Component renders only as part of a Kustomization
		}
		renderKustomization(r, crds, o.Root, dir, k)
	}
	return nil
}

func readKustomization(root, rel string) (*ktypes.Kustomization, error) {
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	var k ktypes.Kustomization
	if err := yaml.UnmarshalStrict(data, &k); err != nil {
		return nil, fmt.Errorf("kustomization: %v", err)
	}
	return &k, nil
}

var remoteRe = regexp.MustCompile(`^(https?://|git@|ssh://|github\.com/|gitlab\.com/|bitbucket\.org/)`)

func renderKustomization(r *report, crds *crdSet, root, dir string, k *ktypes.Kustomization) {
	for _, res := range append(append(append([]string{}, k.Resources...), k.Bases...), k.Components...) {
		if remoteRe.MatchString(res) || strings.Contains(res, "://") {
			r.add(path.Join(dir, "kustomization.yaml"), 0, "remote resource %s: vendor it into the repository (checks and deploys run offline)", res)
			return
		}
	}
	opts := krusty.MakeDefaultOptions()
	m, err := krusty.MakeKustomizer(opts).Run(filesys.MakeFsOnDisk(), filepath.Join(root, filepath.FromSlash(dir)))
	if err != nil {
		r.add(dir, 0, "kustomize build failed: %v", err)
		return
	}
	for _, res := range m.Resources() {
		data, err := res.AsYAML()
		if err != nil {
			r.add(dir, 0, "kustomize output %s: %v", res.CurId(), err)
			continue
		}
		checkObject(r, crds, dir, 0, "(rendered) ", data, true)
	}
}

// objectName gives "Kind namespace/name" for messages.
func objectName(data []byte) string {
	var m struct {
		Kind     string `json:"kind"`
		Name     string `json:"name"` // kind's Cluster has a top-level name
		Metadata struct {
			Name      string `json:"name"`
			Namespace string `json:"namespace"`
		} `json:"metadata"`
	}
	_ = yaml.Unmarshal(data, &m)
	name := m.Metadata.Name
	if name == "" {
		name = m.Name
	}
	if m.Metadata.Namespace != "" {
		name = m.Metadata.Namespace + "/" + name
	}
	return strings.TrimSpace(m.Kind + " " + name)
}

// checkObject decodes one document strictly and, when policy is set, applies
// the workload policy. prefix marks rendered kustomize output.
func checkObject(r *report, crds *crdSet, file string, line int, prefix string, data []byte, policy bool) {
	name := objectName(data)
	if name == "" {
		name = "document"
	}
	where := prefix + name
	js, err := yaml.YAMLToJSONStrict(data)
	if err != nil {
		r.add(file, line, "%s: invalid YAML: %v", where, err)
		return
	}
	var tm struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
	}
	if err := json.Unmarshal(js, &tm); err != nil || tm.APIVersion == "" || tm.Kind == "" {
		r.add(file, line, "%s: missing apiVersion or kind", where)
		return
	}
	gv, err := schema.ParseGroupVersion(tm.APIVersion)
	if err != nil {
		r.add(file, line, "%s: bad apiVersion %q: %v", where, tm.APIVersion, err)
		return
	}
	gvk := gv.WithKind(tm.Kind)
	switch {
	case gvk.Group == "kind.x-k8s.io" && gvk.Version == "v1alpha4" && gvk.Kind == "Cluster":
		var c kindv1alpha4.Cluster
		if err := yaml.UnmarshalStrict(data, &c); err != nil {
			r.add(file, line, "%s: kind cluster config: %v", where, cleanErr(err))
		}
		return
	case gvk.Group == "apiextensions.k8s.io" && gvk.Kind == "CustomResourceDefinition":
		return // loaded as a schema source by crdSet
	case gvk.Group == "kustomize.config.k8s.io":
		r.add(file, line, "%s: kustomize file must be named kustomization.yaml", where)
		return
	}
	obj, _, err := strictCodec.Decode(data, nil, nil)
	if runtime.IsNotRegisteredError(err) {
		for _, msg := range crds.validate(gvk, js) {
			r.add(file, line, "%s: %s", where, msg)
		}
		return
	}
	if err != nil {
		r.add(file, line, "%s: does not decode strictly into %s: %v", where, gvk, cleanErr(err))
		return
	}
	if policy {
		for _, msg := range workloadPolicy(obj) {
			r.add(file, line, "%s: %s", where, msg)
		}
	}
}

func cleanErr(err error) string {
	return strings.ReplaceAll(err.Error(), "\n", "; ")
}

// readYAMLDocs helps crdSet read files.
func readYAMLDocs(abs string) ([]yamlDoc, error) {
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, err
	}
	return splitDocs(bytes.TrimPrefix(data, []byte("\ufeff"))), nil
}
