package main

import (
	"reflect"
	"testing"
)

const df = "v0.1/cmd/api/Dockerfile"

func TestDockerfiles(t *testing.T) {
	runCases(t, checkDockerfiles, []checkCase{
		{name: "pass"},
		{name: "pass-distroless-final-stage-pinned-by-digest",
			mutate: replace(df, "FROM scratch\n", "FROM gcr.io/distroless/static-debian12:nonroot@sha256:0000000000000000000000000000000000000000000000000000000000000000\n")},
		{name: "fail-single-stage",
			mutate: set(df, "FROM golang:1.26-alpine\nWORKDIR /src\nCOPY . .\nRUN go build -o /api ./cmd/api\nUSER 65532\nENTRYPOINT [\"/api\"]\n"),
			want:   []string{df + ":1: dockerfiles: not multi-stage", df + ":1: dockerfiles: final stage is based on golang:1.26-alpine, want scratch or a distroless/static image"}},
		{name: "fail-unpinned-base",
			mutate: replace(df, "ARG GO_IMAGE=golang:1.26-alpine", "ARG GO_IMAGE=golang"),
			want:   []string{df + ":3: dockerfiles: FROM ${GO_IMAGE} (= golang): base image is not pinned (no tag or digest)"}},
		{name: "fail-latest-base",
			mutate: replace(df, "ARG GO_IMAGE=golang:1.26-alpine", "ARG GO_IMAGE=golang:latest"),
			want:   []string{df + ":3: dockerfiles: FROM ${GO_IMAGE} (= golang:latest): base image uses :latest"}},
		{name: "fail-arg-without-default",
			mutate: replace(df, "ARG GO_IMAGE=golang:1.26-alpine", "ARG GO_IMAGE"),
			want:   []string{df + ":3: dockerfiles: FROM ${GO_IMAGE}: ARG GO_IMAGE has no default"}},
		{name: "fail-root-user",
			mutate: replace(df, "USER 65532:65532", "USER 0:0"),
			want:   []string{df + ":12: dockerfiles: USER 0:0 runs as root"}},
		{name: "fail-no-user",
			mutate: replace(df, "USER 65532:65532\n", ""),
			want:   []string{df + ":10: dockerfiles: final stage has no USER"}},
		{name: "fail-non-distroless-final-stage",
			mutate: replace(df, "FROM scratch\n", "FROM alpine:3.20\n"),
			want:   []string{df + ":10: dockerfiles: final stage is based on alpine:3.20"}},
		{name: "fail-built-package-missing",
			mutate: replace(df, "./cmd/api", "./cmd/worker"),
			want:   []string{df + ":8: dockerfiles: go build ./cmd/worker: package directory v0.1/cmd/worker does not exist"}},
		{name: "fail-buildkit-lint-warnings",
			mutate: all(
				replace(df, "FROM scratch\n", "FROM scratch as final\n"),
				replace(df, "ENTRYPOINT [\"/api\"]", "ENTRYPOINT /api")),
			want: []string{"dockerfiles: buildkit lint FromAsCasing", "dockerfiles: buildkit lint JSONArgsRecommended"}},
		{name: "fail-parse-error",
			mutate: replace(df, "WORKDIR /src\n", "WORKDIR\n"),
			want:   []string{df + ":4: dockerfiles: parse: "}},
	})
}

func TestGoBuildPackages(t *testing.T) {
	tests := []struct {
		name, script string
		want         []string
	}{
		{"flags-with-values", `CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=v0.1" -o /out/api ./cmd/api`, []string{"./cmd/api"}},
		{"chained-commands", `go mod download && go build -o=/bin/x ./cmd/x ./cmd/y; echo done`, []string{"./cmd/x", "./cmd/y"}},
		{"no-package-means-dot", `go build -o /api`, []string{"."}},
		{"not-go-build", `go test ./...`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := goBuildPackages(tc.script); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("goBuildPackages(%q) = %q, want %q", tc.script, got, tc.want)
			}
		})
	}
}
