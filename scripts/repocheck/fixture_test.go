package main

import (
	"context"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain makes any network attempt fail at once, as the CLI does.
func TestMain(m *testing.M) {
	offline()
	os.Exit(m.Run())
}

// Fixtures are generated in t.TempDir(): a tiny fake repository per case, so
// nothing under testdata/ can be mistaken for a real version folder.

const goodDeployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: journey
  labels:
    app.kubernetes.io/name: api
    app.kubernetes.io/part-of: cloudnative-go-journey
spec:
  replicas: 2
  selector:
    matchLabels:
      app.kubernetes.io/name: api
  template:
    metadata:
      labels:
        app.kubernetes.io/name: api
    spec:
      securityContext:
        runAsNonRoot: true
        seccompProfile:
          type: RuntimeDefault
      containers:
        - name: api
          image: journey/api:v0.1
          resources:
            requests: {cpu: 50m, memory: 32Mi}
            limits: {cpu: 200m, memory: 64Mi}
          livenessProbe:
            httpGet: {path: /healthz, port: 8080}
          readinessProbe:
            httpGet: {path: /readyz, port: 8080}
          securityContext:
            allowPrivilegeEscalation: false
            readOnlyRootFilesystem: true
            capabilities:
              drop: [ALL]
`

const goodDockerfile = `ARG GO_IMAGE=golang:1.26-alpine

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o /out/api ./cmd/api

FROM scratch
COPY --from=build /out/api /api
USER 65532:65532
ENTRYPOINT ["/api"]
`

const goodPost = "# 从零开始：容器化\n\n" +
	"本文是 v0.1 的第一篇，我们把一个 Go 服务打包成镜像，并解释每一步为什么这样做。\n\n" +
	"```go include=../cmd/api/main.go#main\n" +
	"func main() {}\n" +
	"```\n\n" +
	"更多内容见[路线图](../../ROADMAP.md#路线图--roadmap)。\n"

// goodRepo returns the files of a minimal repository that passes every check.
func goodRepo() map[string]string {
	return map[string]string{
		"go.work":                      "go 1.26.0\n\nuse (\n\t./scripts/tool\n\t./v0.1\n)\n",
		"scripts/tool/go.mod":          "module " + repoBase + "/scripts/tool\n\ngo 1.26.0\n",
		"scripts/tool/main.go":         "package main\n\nfunc main() {}\n",
		"v0.1/go.mod":                  "module " + repoBase + "/v0.1/journey\n\ngo 1.26.0\n",
		"v0.1/cmd/api/main.go":         "package main\n\nimport \"fmt\"\n\n// ANCHOR: main\nfunc main() {}\n// ANCHOR_END: main\n\nvar _ = fmt.Sprint\n",
		"v0.1/cmd/api/Dockerfile":      goodDockerfile,
		"v0.1/k8s/namespace.yaml":      "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: journey\n",
		"v0.1/k8s/api/deployment.yaml": goodDeployment,
		"v0.1/k8s/api/service.yaml":    "apiVersion: v1\nkind: Service\nmetadata:\n  name: api\n  namespace: journey\nspec:\n  type: NodePort\n  selector:\n    app.kubernetes.io/name: api\n  ports:\n    - port: 80\n      targetPort: 8080\n      nodePort: 30080\n",
		"v0.1/k8s/kind-config.yaml":    "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nname: journey-v0-1\nnodes:\n  - role: control-plane\n    extraPortMappings:\n      - containerPort: 30080\n        hostPort: 30080\n        listenAddress: 127.0.0.1\n  - role: worker\n",
		"v0.1/scripts/deploy.sh":       "#!/usr/bin/env bash\nset -euo pipefail\necho \"deploying ${1:-all}\"\n",
		"v0.1/blog/01-hello.md":        goodPost,
		"ROADMAP.md": "# 路线图 · Roadmap\n\n| 版本 | 周 | 主题 | 博客 | 状态 |\n|---|---|---|---|---|\n" +
			"| v0.1 基础版 | Week 2-3 | Gin | 01《从零开始：容器化》 | 🚧 进行中 |\n" +
			"| v0.2 编排升级版 | Week 4-6 | StatefulSet | 04《工作负载》<br>07b《定时任务》 | 📅 计划中 |\n",
		"README.md":                "# Journey\n\nSee [the roadmap](ROADMAP.md), [v0.1](v0.1/) and ![logo](docs/logo.png).\n\n## Set up\n\n[jump](#set-up) [web](https://example.com/x)\n\n```sh\n[not a link](nowhere.md)\n```\n",
		"docs/logo.png":            "png",
		".github/workflows/ci.yml": "name: ci\non: [push]\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ok\n",
	}
}

// writeRepo materialises files under a fresh temp dir and returns its path.
func writeRepo(t *testing.T, files map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(p, []byte(content), mode); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// checkCase is one table row: mutate the good repo, then expect problems
// containing each of want (nil: expect no problems).
type checkCase struct {
	name   string
	mutate func(f map[string]string)
	want   []string
}

func runCases(t *testing.T, check checkFunc, cases []checkCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			files := maps.Clone(goodRepo())
			if tc.mutate != nil {
				tc.mutate(files)
			}
			root := writeRepo(t, files)
			ps, err := check(context.Background(), Options{Root: root, Shellcheck: "shellcheck"})
			if err != nil {
				t.Fatalf("check returned error: %v", err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.String())
			}
			if len(tc.want) == 0 && len(got) > 0 {
				t.Fatalf("got problems:\n%s\nwant none", strings.Join(got, "\n"))
			}
			for _, w := range tc.want {
				found := false
				for _, g := range got {
					if strings.Contains(g, w) {
						found = true
						break
					}
				}
				if !found {
					t.Errorf("got problems:\n%s\nwant one containing %q", strings.Join(got, "\n"), w)
				}
			}
		})
	}
}

func set(path, content string) func(map[string]string) {
	return func(f map[string]string) { f[path] = content }
}

func del(path string) func(map[string]string) {
	return func(f map[string]string) { delete(f, path) }
}

func replace(path, old, new string) func(map[string]string) {
	return func(f map[string]string) {
		if !strings.Contains(f[path], old) {
			panic("fixture " + path + " does not contain " + old)
		}
		f[path] = strings.Replace(f[path], old, new, 1)
	}
}

func all(fs ...func(map[string]string)) func(map[string]string) {
	return func(f map[string]string) {
		for _, fn := range fs {
			fn(f)
		}
	}
}
