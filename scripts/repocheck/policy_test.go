package main

import (
	"strings"
	"testing"
)

// rootDaemonSet is a DaemonSet that runs as uid 0 but follows every other
// rule, like v0.2/k8s/log-collector/daemonset.yaml. ANNOTATIONS is replaced
// per case.
const rootDaemonSet = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: log-collector
  namespace: journey-logs
  labels:
    app.kubernetes.io/name: log-collector
    app.kubernetes.io/part-of: cloudnative-go-journey
spec:
  selector:
    matchLabels:
      app.kubernetes.io/name: log-collector
  template:
    metadata:
      labels:
        app.kubernetes.io/name: log-collector
ANNOTATIONS
    spec:
      securityContext:
        runAsUser: 0
        runAsNonRoot: false
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: log-collector
          image: journey/log-collector:v0.2
          resources:
            requests: {cpu: 10m, memory: 32Mi}
            limits: {cpu: 100m, memory: 64Mi}
          livenessProbe:
            httpGet: {path: /health, port: 2020}
          readinessProbe:
            httpGet: {path: /ready, port: 2020}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
`

func TestWorkloadPolicyRunsAsRootException(t *testing.T) {
	const (
		reason     = "      annotations:\n        cloudnative-go-journey/runs-as-root: \"reads root-owned 0640 container logs on a hostPath\"\n"
		nonRootMsg = "runAsNonRoot must be true"
	)
	tests := []struct {
		name        string
		annotations string
		mutate      func(string) string
		want        []string // substrings some problem must contain
		wantAbsent  []string // substrings no problem may contain
	}{
		{
			name:        "pass-annotation-with-reason-lifts-runAsNonRoot",
			annotations: reason,
			wantAbsent:  []string{nonRootMsg},
		},
		{
			name:        "fail-no-annotation-enforces-runAsNonRoot",
			annotations: "",
			want:        []string{"container log-collector: securityContext." + nonRootMsg},
		},
		{
			name:        "fail-empty-reason-is-a-problem-and-not-honoured",
			annotations: "      annotations:\n        cloudnative-go-journey/runs-as-root: \"\"\n",
			want: []string{
				`annotation cloudnative-go-journey/runs-as-root needs a reason of at least 3 words, got ""`,
				"container log-collector: securityContext." + nonRootMsg,
			},
		},
		{
			name:        "fail-one-word-reason",
			annotations: "      annotations:\n        cloudnative-go-journey/runs-as-root: \"needed\"\n",
			want:        []string{`needs a reason of at least 3 words, got "needed"`, nonRootMsg},
		},
		{
			name:        "fail-other-rules-still-enforced-with-annotation",
			annotations: reason,
			mutate: func(s string) string {
				s = strings.Replace(s, "readOnlyRootFilesystem: true", "readOnlyRootFilesystem: false", 1)
				s = strings.Replace(s, "allowPrivilegeEscalation: false", "allowPrivilegeEscalation: true", 1)
				s = strings.Replace(s, "drop: [ALL]", "drop: [NET_RAW]", 1)
				s = strings.Replace(s, "          type: RuntimeDefault\n", "          type: Unconfined\n", 1)
				s = strings.Replace(s, "            limits: {cpu: 100m, memory: 64Mi}\n", "", 1)
				return strings.Replace(s, "          livenessProbe:\n            httpGet: {path: /health, port: 2020}\n", "", 1)
			},
			want: []string{
				"container log-collector: securityContext.readOnlyRootFilesystem must be true",
				"container log-collector: securityContext.allowPrivilegeEscalation must be false",
				"container log-collector: securityContext.capabilities.drop must contain ALL",
				"container log-collector: seccompProfile.type must be RuntimeDefault",
				"container log-collector: missing resources.limits cpu and memory",
				"container log-collector: missing livenessProbe",
			},
			wantAbsent: []string{nonRootMsg},
		},
		{
			name:        "fail-annotation-on-workload-metadata-does-not-count",
			annotations: "",
			mutate: func(s string) string {
				return strings.Replace(s, "  namespace: journey-logs\n",
					"  namespace: journey-logs\n  annotations:\n    cloudnative-go-journey/runs-as-root: \"reads root-owned 0640 container logs\"\n", 1)
			},
			want: []string{nonRootMsg},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := strings.Replace(rootDaemonSet, "ANNOTATIONS\n", tt.annotations, 1)
			if tt.mutate != nil {
				doc = tt.mutate(doc)
			}
			obj, _, err := strictCodec.Decode([]byte(doc), nil, nil)
			if err != nil {
				t.Fatalf("fixture does not decode: %v\n%s", err, doc)
			}
			got := workloadPolicy(obj)
			joined := strings.Join(got, "\n")
			if len(tt.want) == 0 && len(got) > 0 {
				t.Fatalf("got problems:\n%s\nwant none", joined)
			}
			for _, w := range tt.want {
				if !strings.Contains(joined, w) {
					t.Errorf("got problems:\n%s\nwant one containing %q", joined, w)
				}
			}
			for _, a := range tt.wantAbsent {
				if strings.Contains(joined, a) {
					t.Errorf("got problems:\n%s\nwant none containing %q", joined, a)
				}
			}
		})
	}
}

func TestGoMemLimitPolicy(t *testing.T) {
	env := func(lines string) string {
		return strings.Replace(strings.Replace(rootDaemonSet, "ANNOTATIONS\n", `      annotations:
        cloudnative-go-journey/runs-as-root: "reads root-owned 0640 log files on the node"
`, 1), "          resources:", "          env:\n"+lines+"          resources:", 1)
	}
	tests := []struct {
		name, env, want string
	}{
		{"headroom-ok", "            - {name: GOMEMLIMIT, value: 57MiB}\n", ""},
		{"no-headroom", "            - {name: GOMEMLIMIT, value: 64MiB}\n", "GOMEMLIMIT 64MiB is above 95% of limits.memory 64Mi"},
		{"from-field-ref", "            - name: GOMEMLIMIT\n              valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: \"1\"}}\n", "GOMEMLIMIT comes from valueFrom"},
		{"bad-syntax", "            - {name: GOMEMLIMIT, value: 57Mi}\n", `GOMEMLIMIT "57Mi": want a positive integer`},
		{"bytes-ok", "            - {name: GOMEMLIMIT, value: \"50000000\"}\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs := policyMessages(t, env(tt.env))
			if tt.want == "" {
				if len(msgs) > 0 {
					t.Errorf("got %q, want no problems", msgs)
				}
				return
			}
			if !strings.Contains(strings.Join(msgs, "\n"), tt.want) {
				t.Errorf("got %q, want a message containing %q", msgs, tt.want)
			}
		})
	}
}

// policyMessages decodes doc strictly and returns its workload policy problems.
func policyMessages(t *testing.T, doc string) []string {
	t.Helper()
	obj, _, err := strictCodec.Decode([]byte(doc), nil, nil)
	if err != nil {
		t.Fatalf("fixture does not decode: %v\n%s", err, doc)
	}
	return workloadPolicy(obj)
}
