package images

import (
	"fmt"
	"strconv"
	"strings"
)

// semver is a parsed "vMAJOR.MINOR.PATCH".
type semver struct{ major, minor, patch int }

func parseSemver(v string) (semver, error) {
	s := strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(s, "-+"); i >= 0 {
		s = s[:i]
	}
	f := strings.Split(s, ".")
	if len(f) != 3 {
		return semver{}, fmt.Errorf("version %q: want vMAJOR.MINOR.PATCH", v)
	}
	var n [3]int
	for i, p := range f {
		x, err := strconv.Atoi(p)
		if err != nil || x < 0 {
			return semver{}, fmt.Errorf("version %q: want vMAJOR.MINOR.PATCH", v)
		}
		n[i] = x
	}
	return semver{n[0], n[1], n[2]}, nil
}

func (s semver) String() string { return fmt.Sprintf("v%d.%d.%d", s.major, s.minor, s.patch) }

func (s semver) less(o semver) bool {
	if s.major != o.major {
		return s.major < o.major
	}
	if s.minor != o.minor {
		return s.minor < o.minor
	}
	return s.patch < o.patch
}

func versionLess(a, b string) bool {
	x, err1 := parseSemver(a)
	y, err2 := parseSemver(b)
	if err1 != nil || err2 != nil {
		return a < b
	}
	return x.less(y)
}

// ParseKubernetesVersion checks a Kubernetes version such as "v1.37.2"
// (a missing "v" is added) and returns it normalized.
func ParseKubernetesVersion(v string) (string, error) {
	v = strings.TrimSpace(v)
	if v != "" && !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	s, err := parseSemver(v)
	if err != nil || s.String() != v {
		return "", fmt.Errorf("Kubernetes version %q: want vMAJOR.MINOR.PATCH such as v1.37.2", v)
	}
	if s.major != 1 || s.minor < 31 {
		return "", fmt.Errorf("Kubernetes version %s: only v1.31 and newer are supported", v)
	}
	return v, nil
}

// stagingVersion maps k8s.io/kubernetes v1.X.Y to its staging modules' v0.X.Y.
func stagingVersion(k8s string) string {
	s, _ := parseSemver(k8s)
	return fmt.Sprintf("v0.%d.%d", s.minor, s.patch)
}
