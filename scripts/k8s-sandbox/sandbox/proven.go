package sandbox

import (
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"
)

// LedgerFile, in scripts/k8s-sandbox, records which inputs passed which expensive test. It is
// committed, so a fresh clone (CI on a new machine) skips what a run like it already proved; a
// record whose inputs changed no longer matches and the test runs again.
const LedgerFile = "proven.txt"

// OncePerInput makes an expensive sandbox test run once per distinct input: when test passed for
// the same inputs of the version in dir (the folder without posts and Markdown, plus everything
// in scripts/k8s-sandbox but the ledger), on this machine or as recorded in the ledger, it skips
// t and says so; otherwise it lets t run and records a pass when t ends, in the ledger too (commit
// it). newest versions always run (finished versions only take fixes, and a fix changes the
// inputs); SANDBOX_REPROVE=1 runs every version.
func OncePerInput(t *testing.T, test, dir string, newest bool) {
	t.Helper()
	script, err := findScript()
	if err != nil {
		t.Fatal(err)
	}
	ledger := filepath.Join(filepath.Dir(script), LedgerFile)
	key := fmt.Sprintf("%s %s %s", test, filepath.Base(dir), inputHash(t, dir, filepath.Dir(script)))
	if !newest && os.Getenv("SANDBOX_REPROVE") != "1" {
		if when, ok := ledgerHas(ledger, key); ok {
			t.Skipf("passed on %s with the same inputs (%s: %s); not run again (SANDBOX_REPROVE=1 runs it)", when, LedgerFile, key)
		}
	}
	t.Cleanup(func() {
		if t.Failed() || t.Skipped() {
			return
		}
		if err := ledgerAdd(ledger, key); err != nil {
			t.Logf("record the pass in %s: %v", ledger, err)
		}
	})
}

// ledgerHas reports whether the ledger has key, and when it was recorded.
func ledgerHas(ledger, key string) (string, bool) {
	raw, err := os.ReadFile(ledger)
	if err != nil {
		return "", false
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if rest, ok := strings.CutPrefix(line, key+" "); ok {
			return rest, true
		}
	}
	return "", false
}

// ledgerAdd records key with today's date, replacing the line of the same test and version, so
// the ledger holds one line per test and version: the inputs that passed last.
func ledgerAdd(ledger, key string) error {
	// Test binaries run in parallel; the lock keeps their read-modify-write apart.
	lock, err := os.OpenFile(filepath.Join(os.TempDir(), "cloudnative-go-journey-proven.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return err
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return err
	}
	test, version, _ := strings.Cut(key, " ")
	version, _, _ = strings.Cut(version, " ")
	raw, err := os.ReadFile(ledger)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	var lines []string
	for _, line := range strings.Split(strings.TrimRight(string(raw), "\n"), "\n") {
		if f := strings.Fields(line); line == "" || (len(f) >= 2 && f[0] == test && f[1] == version) {
			continue
		}
		lines = append(lines, line)
	}
	lines = append(lines, key+" "+time.Now().UTC().Format("2006-01-02"))
	sort.Strings(lines)
	header := "# test version inputs-hash date: expensive sandbox tests that passed (sandbox.OncePerInput). Generated; commit it.\n"
	body := strings.Join(lines, "\n") + "\n"
	if strings.HasPrefix(lines[0], "#") {
		header = ""
	}
	return os.WriteFile(ledger, []byte(header+body), 0o644)
}

// inputHash hashes the version folder (without posts, Markdown, tests and test data) and the sandbox
// (without the ledger).
func inputHash(t *testing.T, dir, sandboxDir string) string {
	t.Helper()
	h := sha256.New()
	for i, root := range []string{dir, sandboxDir} {
		// A version's own tests and test data never reach its images,
		// manifests or scripts, so they are not inputs of a deploy; the
		// sandbox's are (they are the tests that prove it).
		version := i == 0
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
			case d.IsDir() && (rel == "blog" || version && d.Name() == "testdata"):
				return fs.SkipDir
			case version && strings.HasSuffix(path, "_test.go"):
				return nil
			case d.IsDir() || strings.HasSuffix(path, ".md") || !d.Type().IsRegular() || rel == LedgerFile:
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
	return fmt.Sprintf("%x", h.Sum(nil)[:8])
}
