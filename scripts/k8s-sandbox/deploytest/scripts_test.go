package deploytest

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestDeployScripts runs each version's deploy.sh where no cluster is needed: --help prints the
// whole header comment, bad arguments fail with a message, and scripts/lib/deploy.sh (the
// steps every version shares) is the same file in every version, so `make diff` never shows it.
func TestDeployScripts(t *testing.T) {
	dirs := versionDirs(t)
	if len(dirs) == 0 {
		t.Fatal("found no version folder with scripts/deploy.sh")
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "KUBECONFIG=") && !strings.HasPrefix(kv, "DEBUG=") {
			env = append(env, kv)
		}
	}

	for _, dir := range dirs {
		version := filepath.Base(dir)
		t.Run(version, func(t *testing.T) {
			script := filepath.Join(dir, "scripts", "deploy.sh")
			raw, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			tests := []struct {
				name     string
				args     []string
				wantCode int
				want     string // whole output for --help, else a substring of it
			}{
				{"help-0-whole-header", []string{"--help"}, 0, headerComment(string(raw), version)},
				{"unknown-step-1", []string{"bogus"}, 1, "error: unknown step 'bogus' (steps: up build load apply wait smoke "},
				{"no-kind-up-1", []string{"--no-kind", "up"}, 1, "error: step 'up' needs kind and Docker; it cannot run with --no-kind"},
				{"no-kind-without-kubeconfig-1", []string{"--no-kind"}, 1, "error: --no-kind needs KUBECONFIG pointing at the target cluster"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					cmd := exec.Command(script, tt.args...)
					cmd.Dir = dir
					cmd.Env = env
					out, err := cmd.CombinedOutput()
					code := 0
					var exit *exec.ExitError
					if errors.As(err, &exit) {
						code = exit.ExitCode()
					} else if err != nil {
						t.Fatal(err)
					}
					if code != tt.wantCode {
						t.Errorf("deploy.sh %s: got exit code %d, want %d; output:\n%s", strings.Join(tt.args, " "), code, tt.wantCode, out)
					}
					if tt.name == "help-0-whole-header" {
						if string(out) != tt.want {
							t.Errorf("deploy.sh --help: got\n%s\nwant every line of the header comment:\n%s", out, tt.want)
						}
					} else if !strings.Contains(string(out), tt.want) {
						t.Errorf("deploy.sh %s: got output\n%s\nwant it to contain %q", strings.Join(tt.args, " "), out, tt.want)
					}
				})
			}
		})
	}

	t.Run("lib-identical", func(t *testing.T) {
		var first []byte
		for i, dir := range dirs {
			lib := filepath.Join(dir, "scripts", "lib", "deploy.sh")
			raw, err := os.ReadFile(lib)
			if err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Stat(lib); err == nil && fi.Mode().Perm()&0o111 != 0 {
				t.Errorf("%s: got mode %v, want it not executable (it is sourced)", lib, fi.Mode())
			}
			if i == 0 {
				first = raw
				continue
			}
			if !bytes.Equal(raw, first) {
				t.Errorf("%s differs from %s/scripts/lib/deploy.sh; want the same bytes in every version (apply a fix to each, see CONTRIBUTING.md)", lib, filepath.Base(dirs[0]))
			}
		}
	})
}

// headerComment is what --help must print: the comment block after the shebang, without the
// leading "# ", with "this version" replaced by the version.
func headerComment(script, version string) string {
	var b strings.Builder
	for i, line := range strings.Split(script, "\n") {
		if i == 0 {
			continue
		}
		if !strings.HasPrefix(line, "#") {
			break
		}
		line = strings.TrimPrefix(strings.TrimPrefix(line, "#"), " ")
		b.WriteString(strings.Replace(line, "this version", version, 1) + "\n")
	}
	return b.String()
}
