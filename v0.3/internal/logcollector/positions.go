package logcollector

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
)

// Position is the saved read state of one file.
//
// Offset is where reading resumes: the end of the last complete record, or
// the start of the oldest record still being assembled from partial (P)
// chunks, so a restart never begins in the middle of a record. Records
// completed by lines ending at or before EmittedUntil were already written;
// the lines between Offset and EmittedUntil are read again after a restart
// only to rebuild the partial records, and nothing in them is written twice.
type Position struct {
	Dev          uint64 `json:"dev"`
	Ino          uint64 `json:"ino"`
	Path         string `json:"path"` // files are matched by (dev, ino); the path leads to a file rotated while stopped
	Offset       int64  `json:"offset"`
	EmittedUntil int64  `json:"emitted_until"`
}

type positionsFile struct {
	Version int        `json:"version"`
	Files   []Position `json:"files"`
}

const positionsVersion = 1

// loadPositions reads the positions file; a missing file means a first start.
func loadPositions(path string) (map[fileID]Position, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[fileID]Position{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read positions: %w", err)
	}
	var pf positionsFile
	if err := json.Unmarshal(data, &pf); err != nil {
		// Saves are atomic, so only a hand edit gets here. Starting over
		// would emit every log on the node again: refuse and say how to.
		return nil, fmt.Errorf("positions file %s is not valid JSON (%v); delete it to read all logs from the start", path, err)
	}
	if pf.Version != positionsVersion {
		return nil, fmt.Errorf("positions file %s has version %d, want %d", path, pf.Version, positionsVersion)
	}
	m := make(map[fileID]Position, len(pf.Files))
	for _, p := range pf.Files {
		m[fileID{Dev: p.Dev, Ino: p.Ino}] = p
	}
	return m, nil
}

// sortPositions orders by path (a rotated file and its successor share a
// path: then by inode) so the file is stable and easy to read.
func sortPositions(ps []Position) {
	sort.Slice(ps, func(i, j int) bool {
		if ps[i].Path != ps[j].Path {
			return ps[i].Path < ps[j].Path
		}
		return ps[i].Ino < ps[j].Ino
	})
}

// savePositions replaces the positions file atomically: write a temporary
// file in the same directory, fsync it, rename it over the old one, fsync
// the directory. A crash at any point leaves either the old or the new file,
// never a torn one.
func savePositions(path string, ps []Position) error {
	data, err := json.MarshalIndent(positionsFile{Version: positionsVersion, Files: ps}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save positions: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	if _, err := tmp.Write(append(data, '\n')); err != nil {
		tmp.Close()
		return fmt.Errorf("save positions: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("save positions: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("save positions: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("save positions: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("save positions: %w", err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("save positions: sync %s: %w", dir, err)
	}
	return nil
}
