//go:build !unix

package logcollector

import (
	"errors"
	"io/fs"
)

type fileID struct {
	Dev uint64
	Ino uint64
}

// The collector runs on Linux nodes; this keeps the module compiling elsewhere.
func idOf(fs.FileInfo) (fileID, error) {
	return fileID{}, errors.New("file identity (device, inode) is only supported on unix")
}
