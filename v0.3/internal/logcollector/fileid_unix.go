//go:build unix

package logcollector

import (
	"fmt"
	"io/fs"
	"syscall"
)

// fileID identifies a file independently of its name: the kubelet renames
// a log on rotation and creates a new one under the old name.
type fileID struct {
	Dev uint64
	Ino uint64
}

func idOf(fi fs.FileInfo) (fileID, error) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileID{}, fmt.Errorf("%s: no device and inode numbers", fi.Name())
	}
	return fileID{Dev: uint64(st.Dev), Ino: uint64(st.Ino)}, nil //nolint:unconvert // Dev is int32 on darwin
}
