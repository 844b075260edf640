package verify

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDecodeManifests(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    []string // kind/name
		wantErr string
	}{
		{"multi-doc-with-empty", "---\napiVersion: v1\nkind: Namespace\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Service\nmetadata: {name: b}\n", []string{"Namespace/a", "Service/b"}, ""},
		{"list-expanded", "apiVersion: v1\nkind: List\nitems:\n- {apiVersion: v1, kind: ConfigMap, metadata: {name: c}}\n", []string{"ConfigMap/c"}, ""},
		{"json", `{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"j"}}`, []string{"Namespace/j"}, ""},
		{"no-kind", "apiVersion: v1\nmetadata: {name: a}\n", nil, "document 1 has no kind or apiVersion"},
		{"no-name", "apiVersion: v1\nkind: Namespace\n", nil, "document 1 (Namespace) has no metadata.name"},
		{"bad-yaml", "apiVersion: v1\nkind: [\n", nil, "test.yaml: document 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			objs, err := DecodeManifests(strings.NewReader(tt.in), "test.yaml")
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("got error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want nil", err)
			}
			var got []string
			for _, o := range objs {
				got = append(got, o.GetKind()+"/"+o.GetName())
			}
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}
}

func TestLoadManifestsSkipsKindConfigAndKustomizeInputs(t *testing.T) {
	dir := t.TempDir()
	write := func(rel, content string) {
		t.Helper()
		p := filepath.Join(dir, rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("kind-config.yaml", "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\n")
	write("namespace.yaml", "apiVersion: v1\nkind: Namespace\nmetadata: {name: journey}\n")
	write("api/service.yml", "apiVersion: v1\nkind: Service\nmetadata: {name: api}\n")
	write("api/README.md", "not a manifest")
	write("components/istio/kustomization.yaml", "resources: [x.yaml]\n")
	write("components/istio/x.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: skipped}\n")
	objs, err := LoadManifests(dir, "kubectl-not-needed")
	if err != nil {
		t.Fatalf("LoadManifests: %v", err)
	}
	var got []string
	for _, o := range objs {
		got = append(got, o.GetKind()+"/"+o.GetName())
	}
	if want := "Service/api,Namespace/journey"; strings.Join(got, ",") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func TestLoadManifestsEmpty(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kind-config.yaml"), []byte("kind: Cluster\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadManifests(dir, "kubectl"); err == nil || !strings.Contains(err.Error(), "no manifests found") {
		t.Errorf("got error %v, want one saying no manifests found", err)
	}
}
