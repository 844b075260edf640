package logcollector

import (
	"regexp"
)

// FileMeta is what the kubelet encodes in a /var/log/containers file name.
type FileMeta struct {
	Namespace   string
	Pod         string
	Container   string
	ContainerID string
}

// The kubelet names the symlink <pod>_<namespace>_<container>-<container id>.log.
// Pod, namespace and container names are DNS names and never contain "_",
// so the underscores split the name unambiguously; the container name may
// contain "-", hence the id is matched from the end.
var fileNameRe = regexp.MustCompile(`^([^_]+)_([^_]+)_([^_]+)-([0-9a-f]{64})\.log$`)

// ParseFileName extracts the metadata from a file name (no directory).
func ParseFileName(name string) (FileMeta, bool) {
	m := fileNameRe.FindStringSubmatch(name)
	if m == nil {
		return FileMeta{}, false
	}
	return FileMeta{Pod: m[1], Namespace: m[2], Container: m[3], ContainerID: m[4]}, true
}
