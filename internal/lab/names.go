package lab

import (
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/distribution/reference"
)

// This file is the one place that turns names from the input (articles,
// lab.yaml manifests, results files) into file and directory names. Every
// value that becomes a path passes through ValidName or WorkPath; every
// writer opens its output root with os.OpenRoot, which refuses a path that
// leaves it, so a name that slipped past these checks still cannot write
// outside the root.

// What a name names, for messages.
const (
	NameLab       = "lab"
	NameStep      = "step"
	NameCluster   = "cluster"
	NameContainer = "container"
	NameNetwork   = "network"
)

// nameRE is the shape of every name: lower-case letters, digits and
// dashes, starting with a letter or digit. It holds no '/', '.', '\\' nor
// NUL, so a name is always one path element that stays in its directory.
var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)

// maxName bounds a name (a path element is at most 255 bytes; kind cluster
// and Docker names are shorter still).
const maxName = 63

// ValidName checks a lab, step, cluster, container or network name (what
// is one of the Name* constants).
func ValidName(what, v string) error {
	if !nameRE.MatchString(v) || len(v) > maxName {
		return fmt.Errorf("%s name %q: use lower-case letters, digits and dashes (at most %d)", what, v, maxName)
	}
	return nil
}

// WorkPath checks the path of a file or contains block: where the runner
// writes (or reads) the block in the lab's work directory. It must be a
// clean relative path that stays in the current directory, or ~/path (in
// HOME, which is inside the work directory). An absolute path is allowed
// only inside a container (the container's own file system); on the host
// it would write outside the lab's work directory.
func WorkPath(p string, inContainer bool) error {
	rel := p
	switch {
	case strings.HasPrefix(p, "~/"):
		rel = strings.TrimPrefix(p, "~/")
	case strings.HasPrefix(p, "/"):
		if !inContainer {
			return fmt.Errorf("path %q is absolute: on the host a block may only write inside the lab's work directory; use a relative path or ~/path", p)
		}
		rel = strings.TrimPrefix(p, "/")
	}
	if rel == "" || path.Clean(rel) != rel || rel == ".." || strings.HasPrefix(rel, "../") ||
		strings.ContainsAny(rel, "\\\x00") || strings.HasPrefix(rel, "/") {
		return fmt.Errorf("path %q: want a clean relative path such as templates/service.yaml", p)
	}
	if len(p) > maxPath {
		return fmt.Errorf("path %.40q...: %d bytes, over the limit of %d", p, len(p), maxPath)
	}
	for _, el := range strings.Split(rel, "/") {
		if len(el) > maxPathElement {
			return fmt.Errorf("path %.40q...: the name %.20q... is %d bytes, over the %d a file system allows", p, el, len(el), maxPathElement)
		}
	}
	return nil
}

// ValidImage checks an image reference from a lab (env images, a
// container's image): it becomes an argument of docker and kind, so it
// must be a reference as Docker parses it (nginx:alpine,
// registry.example.org/team/app@sha256:...), never something a command
// would read as a flag (--privileged).
func ValidImage(ref string) error {
	if _, err := reference.ParseNormalizedNamed(ref); err != nil {
		return fmt.Errorf("image %q is not an image reference (%v): want e.g. nginx:1.27-alpine", ref, err)
	}
	return nil
}

// toolRE is a program name: what a lab's env block lists under tools is
// looked up on PATH and in the tools directory.
var toolRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)

// ValidTool checks a tool name from a lab's env block: one program name,
// no path and no flag.
func ValidTool(name string) error {
	if !toolRE.MatchString(name) || len(name) > maxName {
		return fmt.Errorf("tool %q: name one program on PATH (letters, digits, '.', '_', '+', '-'; at most %d)", name, maxName)
	}
	return nil
}

// Limits of a path written in the work directory: of one name in it (what
// file systems allow) and of the whole path (well under PATH_MAX, which
// the work directory's own path counts against too).
const (
	maxPathElement = 255
	maxPath        = 1024
)
