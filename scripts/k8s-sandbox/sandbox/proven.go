package sandbox

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// OncePerInput makes an expensive sandbox test run once per distinct input: when test passed
// on this machine for the same inputs of the version in dir (the folder without posts and
// Markdown, plus everything in scripts/k8s-sandbox), it skips t and says so; otherwise it lets t
// run and records a pass when t ends. newest versions always run (finished versions only take
// fixes, and a fix changes the inputs); SANDBOX_REPROVE=1 runs every version.
func OncePerInput(t *testing.T, test, dir string, newest bool) {
	t.Helper()
	stamp := provenStamp(t, test, dir)
	if _, err := os.Stat(stamp); err == nil && !newest && os.Getenv("SANDBOX_REPROVE") != "1" {
		t.Skipf("passed before with the same inputs (%s); not run again (SANDBOX_REPROVE=1 runs it)", stamp)
	}
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		if err := os.MkdirAll(filepath.Dir(stamp), 0o755); err == nil {
			_ = os.WriteFile(stamp, []byte(time.Now().UTC().Format(time.RFC3339)+"\n"), 0o644)
		}
	})
}

func provenStamp(t *testing.T, test, dir string) string {
	t.Helper()
	script, err := findScript()
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.New()
	for _, root := range []string{dir, filepath.Dir(script)} {
		root, err := filepath.Abs(root)
		if err != nil {
			t.Fatal(err)
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(root, path)
			switch {
			case d.IsDir() && rel == "blog":
				return fs.SkipDir
			case d.IsDir() || strings.HasSuffix(path, ".md") || !d.Type().IsRegular():
				return nil
			}
			raw, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			fmt.Fprintf(h, "%s %d\n", rel, len(raw))
			h.Write(raw)
			return nil
		})
		if err != nil {
			t.Fatalf("hash the inputs of %s: %v", dir, err)
		}
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(cache, "cloudnative-go-journey", "k8s-sandbox", "proven", fmt.Sprintf("%s-%s-%x", test, filepath.Base(dir), h.Sum(nil)[:8]))
}
