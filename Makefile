# cloudnative-go-journey — `make help` lists the targets.
#
# Tool versions are pinned where they are used, so an upgrade shows up in a
# diff: Go tools (actionlint, kustomize, buildkit) in scripts/repocheck/go.mod,
# the Kubernetes sandbox at the top of scripts/k8s-sandbox/sandbox.sh, kind and
# kubectl at the top of each version's scripts/deploy.sh.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

# Every module in go.work: the versions and the tooling under scripts/.
MODULES  := $(shell sed -n 's|^[[:space:]]*\./\([^[:space:]]*\).*|\1|p' go.work)
VERSIONS := $(shell ls -d v[0-9]*.[0-9]* 2>/dev/null | sort -V)
# `make run` runs the newest version marked done in ROADMAP.md, else the newest folder.
RUN_VERSION ?= $(or $(shell sed -n 's/^| \(v[0-9.]*\) .*✅.*/\1/p' ROADMAP.md | sort -V | tail -n1),$(lastword $(VERSIONS)))
RUN_PORT ?= 8080

.PHONY: help
help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  \033[36m%-16s\033[0m %s\n", $$1, $$2}'

.PHONY: run
run: ## run the newest finished version locally on embedded defaults (no Docker, no Redis)
	@echo "==> building $(RUN_VERSION)/cmd/api"
	@mkdir -p .bin && cd $(RUN_VERSION) && BI="$$(GOWORK=off go list -m)/internal/buildinfo" && go build -o ../.bin/api-$(RUN_VERSION) \
	  -ldflags "-X $$BI.version=$(RUN_VERSION) -X $$BI.commit=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) -X $$BI.buildTime=$$(date -u +%Y-%m-%dT%H:%M:%SZ)" \
	  ./cmd/api
	@echo "==> $(RUN_VERSION) api on http://127.0.0.1:$(RUN_PORT)   (Ctrl-C stops it)"
	@echo "    http://127.0.0.1:$(RUN_PORT)/api/v1/hello?name=Gopher"
	@echo "    http://127.0.0.1:$(RUN_PORT)/api/v1/info    /health    /ready    /metrics"
	@echo "    every endpoint of $(RUN_VERSION): $(RUN_VERSION)/README.md (接口一览)"
	@echo "    try: curl -s 'http://127.0.0.1:$(RUN_PORT)/api/v1/hello?name=Gopher'"
	@# Locally nothing routes traffic by readiness, so skip the Kubernetes drain.
	@JOURNEY_ENV=development JOURNEY_PORT=$(RUN_PORT) JOURNEY_SHUTDOWN_DRAIN=0s exec .bin/api-$(RUN_VERSION)

.PHONY: test
# sandbox-build first: the go tests of scripts/k8s-sandbox deploy every version
# against the control plane it builds (SANDBOX=1 makes them required).
test: export SANDBOX := 1
test: ## everything CI runs: vet, race tests incl. deploys on real sandbox nodes, repository checks
	@mkdir -p .bin && : >.bin/test-times
	@for stage in tools vet sandbox-build go-test check diff-test; do \
	  began=$$(date +%s); $(MAKE) --no-print-directory $$stage; \
	  echo "stage $$stage $$(($$(date +%s) - began))" >>.bin/test-times; \
	done
	@echo "==> time per stage, and go-test per module"
	@awk '$$1 == "stage" { printf "  %-22s %5d s\n", $$2, $$3; total += $$3 } $$1 == "module" { printf "    %-20s %5d s\n", $$2, $$3 } END { printf "  %-22s %5d s\n", "total", total }' .bin/test-times
	@echo "==> make test: all passed"

.PHONY: tools
tools: ## install the system packages the tests need (apt, as root), or say which are missing
	@scripts/install-deps.sh

.PHONY: vet
# -o /dev/null: a module with a single main package would otherwise leave its binary behind.
vet: ## go build and vet every module, in the workspace and with GOWORK=off
	@for m in $(MODULES); do \
	  echo "==> go build + vet $$m"; (cd $$m && go build -o /dev/null ./... && go vet ./... && GOWORK=off go vet ./...); \
	done

.PHONY: go-test
# Once per module, with GOWORK=off as the Dockerfiles build it: the workspace pass in vet proves the
# modules also build together, and the sandbox tests (real nodes) are too costly to run twice.
go-test: ## go test -race every module (GOWORK=off)
	@mkdir -p .bin
	@for m in $(MODULES); do \
	  echo "==> go test -race $$m"; began=$$(date +%s); \
	  (cd $$m && GOWORK=off go test -race -count=1 -timeout 60m ./...); \
	  echo "module $$m $$(($$(date +%s) - began))" >>.bin/test-times; \
	done

.PHONY: check
check: ## repository checks: workspace, isolation, manifests, Dockerfiles, shellcheck/actionlint, posts, links, output blocks
	go run ./scripts/repocheck all
	go run ./scripts/repocheck outputs

.PHONY: diff-test
diff-test: ## test scripts/diff-versions.sh on sample versions
	bash scripts/diff-versions_test.sh

.PHONY: sandbox-build
sandbox-build: ## build the pinned Kubernetes (control plane, kubelet, kube-proxy), node runtime, kwok and metrics-server (cached under ~/.cache)
	scripts/k8s-sandbox/sandbox.sh build

.PHONY: sandbox-test
sandbox-test: sandbox-build ## only the sandbox tests: every version deployed on real nodes, checks on kwok nodes
	cd scripts/k8s-sandbox && SANDBOX=1 go test -count=1 -timeout 60m ./...

.PHONY: sandbox-up
sandbox-up: sandbox-build ## a cluster with real nodes for a version, its images loaded, no Docker (V=v0.3; root)
	@v=$(or $(V),$(RUN_VERSION)); \
	imgs=$$(scripts/k8s-sandbox/sandbox.sh images $$v | awk '$$1 == "image" { print $$3 } $$1 == "missing" { print "no image for " $$2 > "/dev/stderr" }'); \
	SANDBOX_IMAGES="$$imgs" scripts/k8s-sandbox/sandbox.sh up --real --kind-config $$v/k8s/kind-config.yaml; \
	echo "then: cd $$v && KUBECONFIG=<the file above> ./scripts/deploy.sh --no-kind   # apply, wait, smoke"

.PHONY: sandbox-down
sandbox-down: ## stop the sandbox and remove its state
	scripts/k8s-sandbox/sandbox.sh down

.PHONY: images
images: ## build every version's images from their Dockerfiles and print their sizes
	scripts/images.sh $(V)

.PHONY: diff
diff: ## what changed between two versions: make diff A=v0.1 B=v0.2
	@scripts/diff-versions.sh $(or $(A),$(error set A, e.g. make diff A=v0.1 B=v0.2)) $(or $(B),$(error set B))

.PHONY: bench
bench: ## load-test benchmarks on 127.0.0.1 (v0.1 hello, v0.2 cache); results go to docs/benchmarks.md
	scripts/bench/hello.sh
	scripts/bench/cache.sh

.PHONY: fuzz
fuzz: ## fuzz the request parsers of a version for a while (V=v0.1, FUZZTIME=30s)
	@# -fuzzminimizetime bounds input minimisation, which otherwise can stall progress for long stretches.
	cd $(or $(V),$(RUN_VERSION)) && go test -run '^$$' -fuzz FuzzHelloName -fuzztime $(or $(FUZZTIME),30s) -fuzzminimizetime 100x ./internal/server/

.PHONY: includes
includes: ## refresh code blocks in posts that include repository files
	go run ./scripts/repocheck includes --fix

.PHONY: outputs
outputs: ## rerun the scripts behind output=run blocks in posts and READMEs and rewrite the blocks
	go run ./scripts/repocheck outputs --fix

.PHONY: clean
clean: ## remove build outputs
	rm -rf .bin
