package deploytest

import (
	"context"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/cloudnative-go-journey/cloudnative-go-journey/scripts/k8s-sandbox/sandbox"
)

// TestPinnedCRDsValidate installs Argo Rollouts' CRDs from its pinned Go module and checks that
// the API server now validates Rollouts against their schema: a good one is accepted, a bad one
// is rejected with the offending field named.
func TestPinnedCRDsValidate(t *testing.T) {
	sb := sandbox.Start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	names, err := sb.InstallCRDs(ctx, sandbox.PinnedCRDs["argo-rollouts"])
	if err != nil {
		t.Fatalf("install argo-rollouts CRDs: %v", err)
	}
	t.Logf("installed CRDs: %v", names)
	if !contains(names, "rollouts.argoproj.io") {
		t.Fatalf("got CRDs %v, want rollouts.argoproj.io among them", names)
	}

	ns := "crd-test"
	if _, err := sb.Client.CoreV1().Namespaces().Create(ctx, nsObject(ns), metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatal(err)
	}
	rollouts := sb.Dynamic.Resource(schema.GroupVersionResource{Group: "argoproj.io", Version: "v1alpha1", Resource: "rollouts"}).Namespace(ns)

	tests := []struct {
		name    string
		spec    map[string]any
		wantErr string // "" means accepted
	}{
		{
			name: "create-valid-rollout",
			spec: map[string]any{
				"replicas": int64(2),
				"selector": map[string]any{"matchLabels": map[string]any{"app": "web"}},
				"template": map[string]any{
					"metadata": map[string]any{"labels": map[string]any{"app": "web"}},
					"spec":     map[string]any{"containers": []any{map[string]any{"name": "web", "image": "journey/web:test"}}},
				},
				"strategy": map[string]any{"canary": map[string]any{"steps": []any{map[string]any{"setWeight": int64(20)}}}},
			},
		},
		{
			name:    "create-rejected-replicas-not-integer",
			spec:    map[string]any{"replicas": "three"},
			wantErr: "spec.replicas",
		},
		{
			name:    "create-rejected-setweight-not-integer",
			spec:    map[string]any{"strategy": map[string]any{"canary": map[string]any{"steps": []any{map[string]any{"setWeight": "half"}}}}},
			wantErr: "setWeight",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			obj := &unstructured.Unstructured{Object: map[string]any{
				"apiVersion": "argoproj.io/v1alpha1", "kind": "Rollout",
				"metadata": map[string]any{"name": tt.name},
				"spec":     tt.spec,
			}}
			_, err := rollouts.Create(ctx, obj, metav1.CreateOptions{})
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("create Rollout: got error %v, want it accepted", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("create Rollout: got accepted, want rejection mentioning %q", tt.wantErr)
			case tt.wantErr != "":
				if !apierrors.IsInvalid(err) || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("create Rollout: got error %v, want an Invalid error mentioning %q", err, tt.wantErr)
				}
			}
		})
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
