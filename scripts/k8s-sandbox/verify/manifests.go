package verify

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// kindConfigFile is the one non-Kubernetes-API file allowed under a version's k8s/ (team contract).
const kindConfigFile = "kind-config.yaml"

// LoadManifests returns the objects a version's deploy script applies from k8sDir: the output of
// `kubectl kustomize k8sDir` when k8sDir has a kustomization.yaml, otherwise every *.yaml/*.yml
// file below it except kind-config.yaml and directories that hold a kustomization (those are
// kustomize inputs, not manifests to apply as they are).
func LoadManifests(k8sDir, kubectl string) ([]*unstructured.Unstructured, error) {
	if _, err := os.Stat(filepath.Join(k8sDir, "kustomization.yaml")); err == nil {
		var stderr bytes.Buffer
		cmd := exec.Command(kubectl, "kustomize", k8sDir)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("kubectl kustomize %s: %w: %s", k8sDir, err, stderr.String())
		}
		return DecodeManifests(bytes.NewReader(out), k8sDir)
	}
	var files []string
	err := filepath.WalkDir(k8sDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if _, err := os.Stat(filepath.Join(path, "kustomization.yaml")); err == nil {
				return fs.SkipDir
			}
			return nil
		}
		ext := filepath.Ext(path)
		if (ext == ".yaml" || ext == ".yml") && !(filepath.Dir(path) == filepath.Clean(k8sDir) && d.Name() == kindConfigFile) {
			files = append(files, path)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("walk %s: %w", k8sDir, err)
	}
	sort.Strings(files)
	var objs []*unstructured.Unstructured
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		o, err := DecodeManifests(bytes.NewReader(raw), f)
		if err != nil {
			return nil, err
		}
		objs = append(objs, o...)
	}
	if len(objs) == 0 {
		return nil, fmt.Errorf("no manifests found under %s (the verifier knows raw YAML files and a top-level kustomization.yaml)", k8sDir)
	}
	return objs, nil
}

// DecodeManifests decodes a multi-document YAML (or JSON) stream, expanding `kind: List`.
// source names the stream in errors.
func DecodeManifests(r io.Reader, source string) ([]*unstructured.Unstructured, error) {
	dec := utilyaml.NewYAMLOrJSONDecoder(r, 4096)
	var objs []*unstructured.Unstructured
	for i := 0; ; i++ {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return objs, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: document %d: %w", source, i+1, err)
		}
		if len(m) == 0 {
			continue // empty document between separators
		}
		u := &unstructured.Unstructured{Object: m}
		if u.GetKind() == "" || u.GetAPIVersion() == "" {
			return nil, fmt.Errorf("%s: document %d has no kind or apiVersion", source, i+1)
		}
		if u.IsList() {
			list, err := u.ToList()
			if err != nil {
				return nil, fmt.Errorf("%s: document %d: %w", source, i+1, err)
			}
			for j := range list.Items {
				objs = append(objs, &list.Items[j])
			}
			continue
		}
		if u.GetName() == "" { // kubectl apply needs a name; generateName is for create only
			return nil, fmt.Errorf("%s: document %d (%s) has no metadata.name", source, i+1, u.GetKind())
		}
		objs = append(objs, u)
	}
}

// describe names an object in messages: "Deployment journey/api", "Namespace journey".
func describe(kind, namespace, name string) string {
	if namespace == "" {
		return kind + " " + name
	}
	return kind + " " + namespace + "/" + name
}

func joinSorted(s []string) string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return strings.Join(s, ", ")
}
