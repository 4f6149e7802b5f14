package images

import (
	"fmt"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/util/version"
)

// semver is the release of a "vMAJOR.MINOR.PATCH" version (a pre-release
// or build suffix dropped), as apimachinery's version type parses it.
type semver struct{ major, minor, patch int }

func parseSemver(v string) (semver, error) {
	p, err := version.ParseSemantic(v)
	if err != nil {
		return semver{}, fmt.Errorf("version %q: want vMAJOR.MINOR.PATCH", v)
	}
	return semver{int(p.Major()), int(p.Minor()), int(p.Patch())}, nil
}

func (s semver) String() string { return fmt.Sprintf("v%d.%d.%d", s.major, s.minor, s.patch) }

// VersionLess orders Kubernetes versions ("v1.35.4") as apimachinery's
// version type does, and anything that is not one as text.
func VersionLess(a, b string) bool {
	x, err1 := version.ParseSemantic(a)
	y, err2 := version.ParseSemantic(b)
	if err1 != nil || err2 != nil {
		return a < b
	}
	return x.LessThan(y)
}

// SortVersions sorts Kubernetes versions, oldest first (VersionLess).
func SortVersions(vs []string) {
	sort.SliceStable(vs, func(i, j int) bool { return VersionLess(vs[i], vs[j]) })
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
