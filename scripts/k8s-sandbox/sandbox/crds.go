package sandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/verify"
)

// CRDSource is a set of CustomResourceDefinitions shipped inside a Go module, pinned by version
// and by the module's go.sum hash, so the sandbox validates custom resources against exactly the
// schema of the release a version of the project targets.
type CRDSource struct {
	Module  string   // Go module path
	Version string   // module version
	Sum     string   // h1: hash of the module zip, as in go.sum
	Paths   []string // files or directories inside the module holding the CRD YAML
}

// PinnedCRDs are the CRD sets later versions of the project use. A version is chosen whose go.mod
// accepts the repository's Go toolchain (go 1.26.8); e.g. argo-cd v3.6 needs go 1.27.
var PinnedCRDs = map[string]CRDSource{
	"argo-rollouts": {
		Module: "github.com/argoproj/argo-rollouts", Version: "v1.10.1",
		Sum:   "h1:6oyVPGiHHxu3ixkT6mngemh88HLPDoTX1IwO6KNR1Y4=",
		Paths: []string{"manifests/crds"},
	},
	"argo-cd": {
		Module: "github.com/argoproj/argo-cd/v3", Version: "v3.5.7",
		Sum:   "h1:Xm1BF+I5OgDKUG3SDK49vn2/Y5AMyaNVko+/JT08gj0=",
		Paths: []string{"manifests/crds"},
	},
	"istio": {
		Module: "istio.io/api", Version: "v1.32.0",
		Sum:   "h1:37mJvg9I0biYZAEQF+MATs4FNeCpXEIVO3LFpVb6iNM=",
		Paths: []string{"kubernetes/customresourcedefinitions.gen.yaml"},
	},
}

var crdResource = schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}

// ModuleDir downloads module@version with the go command (through the module proxy and checksum
// database, like any dependency) and returns its directory in the module cache after checking
// the module's hash against wantSum.
func ModuleDir(ctx context.Context, module, version, wantSum string) (string, error) {
	cmd := exec.CommandContext(ctx, "go", "mod", "download", "-json", module+"@"+version)
	tmp, err := os.MkdirTemp("", "crd-download-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	// Outside any module, so the download cannot touch a go.mod; GOFLAGS cleared because -mod
	// is not allowed outside a module.
	cmd.Dir = tmp
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=", "GOTOOLCHAIN=local")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, runErr := cmd.Output()
	var info struct{ Dir, Sum, Error string }
	if err := json.Unmarshal(out, &info); err != nil {
		return "", fmt.Errorf("go mod download %s@%s: %v: %s", module, version, errors.Join(runErr, err), stderr.String())
	}
	if info.Error != "" || runErr != nil {
		return "", fmt.Errorf("go mod download %s@%s: %s %v", module, version, info.Error, runErr)
	}
	if info.Sum != wantSum {
		return "", fmt.Errorf("module %s@%s has hash %s, pinned %s", module, version, info.Sum, wantSum)
	}
	return info.Dir, nil
}

// LoadCRDs returns the CustomResourceDefinitions in src (kustomization files and other objects
// are ignored). It fails when the module holds none: then the module zip does not ship its CRDs
// and another source is needed.
func LoadCRDs(ctx context.Context, src CRDSource) ([]*unstructured.Unstructured, error) {
	dir, err := ModuleDir(ctx, src.Module, src.Version, src.Sum)
	if err != nil {
		return nil, err
	}
	var files []string
	for _, p := range src.Paths {
		root := filepath.Join(dir, filepath.FromSlash(p))
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			name := d.Name()
			if name == "kustomization.yaml" || name == "kustomization.yml" {
				return nil // build configuration, not an object
			}
			if !d.IsDir() && (strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml")) {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("%s@%s: %w", src.Module, src.Version, err)
		}
	}
	sort.Strings(files)
	var crds []*unstructured.Unstructured
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := verify.DecodeManifests(bytes.NewReader(raw), f)
		if err != nil {
			return nil, err
		}
		for _, u := range objs {
			if u.GetKind() == "CustomResourceDefinition" && u.GetAPIVersion() == "apiextensions.k8s.io/v1" {
				crds = append(crds, u)
			}
		}
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("%s@%s ships no CustomResourceDefinition YAML under %v", src.Module, src.Version, src.Paths)
	}
	return crds, nil
}

// InstallCRDs installs src's CRDs with server-side apply and waits until the API server serves
// them (condition Established). It returns the CRD names.
func (s *Sandbox) InstallCRDs(ctx context.Context, src CRDSource) ([]string, error) {
	crds, err := LoadCRDs(ctx, src)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, crd := range crds {
		body, err := json.Marshal(crd.Object)
		if err != nil {
			return nil, err
		}
		force := true
		if _, err := s.Dynamic.Resource(crdResource).Patch(ctx, crd.GetName(), types.ApplyPatchType, body,
			metav1.PatchOptions{FieldManager: "k8s-sandbox", Force: &force}); err != nil {
			return nil, fmt.Errorf("apply CRD %s from %s@%s: %w", crd.GetName(), src.Module, src.Version, err)
		}
		names = append(names, crd.GetName())
	}
	for _, name := range names {
		err := wait.PollUntilContextTimeout(ctx, 200*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
			u, err := s.Dynamic.Resource(crdResource).Get(ctx, name, metav1.GetOptions{})
			if err != nil {
				return false, nil
			}
			conds, _, _ := unstructured.NestedSlice(u.Object, "status", "conditions")
			for _, c := range conds {
				if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
					return true, nil
				}
			}
			return false, nil
		})
		if err != nil {
			return nil, fmt.Errorf("CRD %s not Established after 30s: %w", name, err)
		}
	}
	s.Mapper.Reset() // new kinds: drop the cached discovery
	return names, nil
}
