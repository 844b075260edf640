package main

import (
	"strings"
	"testing"
)

const dep = "v0.1/k8s/api/deployment.yaml"

const widgetCRD = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  names: {kind: Widget, plural: widgets, singular: widget, listKind: WidgetList}
  scope: Namespaced
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            spec:
              type: object
              properties:
                size: {type: integer}
              required: [size]
`

const widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: journey\nspec:\n  size: 3\n"

const goodJob = `apiVersion: batch/v1
kind: CronJob
metadata:
  name: cleanup
  namespace: journey
  labels:
    app.kubernetes.io/name: cleanup
    app.kubernetes.io/part-of: cloudnative-go-journey
spec:
  schedule: "0 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          securityContext:
            runAsNonRoot: true
            seccompProfile: {type: RuntimeDefault}
          containers:
            - name: cleanup
              image: journey/cleanup:v0.2@sha256:0000000000000000000000000000000000000000000000000000000000000000
              resources:
                requests: {cpu: 10m, memory: 16Mi}
                limits: {cpu: 100m, memory: 32Mi}
              securityContext:
                allowPrivilegeEscalation: false
                readOnlyRootFilesystem: true
                capabilities: {drop: [ALL]}
`

// kustomized moves the Deployment into base/ and adds a prod overlay.
func kustomized(overlayPatch string) func(map[string]string) {
	return func(f map[string]string) {
		delete(f, dep)
		f["v0.1/k8s/base/deployment.yaml"] = goodDeployment
		f["v0.1/k8s/base/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - deployment.yaml\n"
		f["v0.1/k8s/overlays/prod/kustomization.yaml"] = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\npatches:\n  - path: patch.yaml\n"
		f["v0.1/k8s/overlays/prod/patch.yaml"] = overlayPatch
	}
}

const replicasPatch = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\n  namespace: journey\nspec:\n  replicas: 3\n"

func TestManifests(t *testing.T) {
	runCases(t, checkManifests, []checkCase{
		{name: "pass"},
		{name: "fail-unknown-field",
			mutate: replace(dep, "  replicas: 2\n", "  replicas: 2\n  replica: 2\n"),
			want:   []string{dep + ":1: manifests: Deployment journey/api: does not decode strictly into apps/v1, Kind=Deployment", `unknown field "spec.replica"`}},
		{name: "fail-duplicate-field",
			mutate: replace(dep, "  replicas: 2\n", "  replicas: 2\n  replicas: 3\n"),
			want:   []string{dep + ":1: manifests: Deployment journey/api: invalid YAML", `key "replicas" already set`}},
		{name: "fail-wrong-type",
			mutate: replace(dep, "  replicas: 2\n", "  replicas: two\n"),
			want:   []string{dep + ":1: manifests: Deployment journey/api: does not decode strictly", "replicas"}},
		{name: "fail-second-document-line-number",
			mutate: set("v0.1/k8s/api/service.yaml", "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n---\napiVersion: v1\nkind: Service\nmetadata:\n  name: api\nspec:\n  portz: []\n"),
			want:   []string{"v0.1/k8s/api/service.yaml:6: manifests: Service api: does not decode strictly", `unknown field "spec.portz"`}},
		{name: "fail-missing-resources-and-probes",
			mutate: all(
				replace(dep, "            limits: {cpu: 200m, memory: 64Mi}\n", ""),
				replace(dep, "          livenessProbe:\n            httpGet: {path: /healthz, port: 8080}\n", "")),
			want: []string{"container api: missing resources.limits cpu and memory", "container api: missing livenessProbe"}},
		{name: "fail-security-context",
			mutate: all(
				replace(dep, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true"),
				replace(dep, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false"),
				replace(dep, "drop: [ALL]", "drop: [NET_RAW]"),
				replace(dep, "        runAsNonRoot: true\n        seccompProfile:\n          type: RuntimeDefault\n", "        runAsUser: 1000\n")),
			want: []string{
				"container api: securityContext.runAsNonRoot must be true",
				"container api: securityContext.allowPrivilegeEscalation must be false",
				"container api: securityContext.readOnlyRootFilesystem must be true",
				"container api: securityContext.capabilities.drop must contain ALL",
				"container api: seccompProfile.type must be RuntimeDefault",
			}},
		{name: "fail-latest-and-untagged-images",
			mutate: replace(dep, "          image: journey/api:v0.1\n", "          image: journey/api:latest\n"),
			want:   []string{"container api: image journey/api:latest uses :latest"}},
		{name: "fail-untagged-init-container-image",
			mutate: replace(dep, "      containers:\n", "      initContainers:\n        - name: init\n          image: busybox\n      containers:\n"),
			want:   []string{"init container init: image busybox has no tag", "init container init: missing resources.requests cpu and memory"}},
		{name: "fail-recommended-labels",
			mutate: replace(dep, "    app.kubernetes.io/part-of: cloudnative-go-journey\n", "    app.kubernetes.io/part-of: other\n"),
			want:   []string{`label app.kubernetes.io/part-of is "other", want "cloudnative-go-journey"`}},
		{name: "pass-cronjob-without-probes", mutate: set("v0.1/k8s/cleanup/cronjob.yaml", goodJob)},
		{name: "fail-kind-config-unknown-field",
			mutate: replace("v0.1/k8s/kind-config.yaml", "  - role: worker\n", "  - role: worker\n    extraPortMapping: []\n"),
			want:   []string{"v0.1/k8s/kind-config.yaml:1: manifests: Cluster journey-v0-1: kind cluster config", "extraPortMapping"}},
		{name: "fail-custom-resource-without-crd",
			mutate: set("v0.1/k8s/widget.yaml", widget),
			want:   []string{"v0.1/k8s/widget.yaml:1: manifests: Widget journey/w: no schema for example.com/v1, Kind=Widget"}},
		{name: "pass-custom-resource-with-crd",
			mutate: all(set("v0.1/k8s/widget.yaml", widget), set("v0.1/crds/widgets.yaml", widgetCRD))},
		{name: "fail-custom-resource-against-crd",
			mutate: all(set("v0.1/k8s/widget.yaml", strings.Replace(widget, "size: 3", "size: big\n  colour: red", 1)), set("v0.1/k8s/crds/widgets.yaml", widgetCRD)),
			want:   []string{"Widget journey/w: does not match the Widget schema: spec.size in body must be of type integer", "Widget journey/w: does not match the Widget schema: spec.colour in body is a forbidden property"}},
		{name: "pass-kustomize-overlay", mutate: kustomized(replicasPatch)},
		{name: "fail-kustomize-overlay-rendered-policy",
			mutate: kustomized(replicasPatch + "  template:\n    spec:\n      containers:\n        - name: api\n          image: journey/api:latest\n"),
			want:   []string{"v0.1/k8s/overlays/prod: manifests: (rendered) Deployment journey/api: container api: image journey/api:latest uses :latest"}},
		{name: "fail-kustomize-build-error",
			mutate: all(kustomized(replicasPatch), replace("v0.1/k8s/overlays/prod/kustomization.yaml", "../../base", "../../missing")),
			want:   []string{"v0.1/k8s/overlays/prod: manifests: kustomize build failed"}},
		{name: "fail-kustomize-remote-base",
			mutate: all(kustomized(replicasPatch), replace("v0.1/k8s/overlays/prod/kustomization.yaml", "../../base", "https://github.com/example/repo//base?ref=v1")),
			want:   []string{"remote resource https://github.com/example/repo//base?ref=v1"}},
	})
}
