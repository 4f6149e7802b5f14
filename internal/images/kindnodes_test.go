package images

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/mod/modfile"
	modsemver "golang.org/x/mod/semver"
	"sigs.k8s.io/kind/pkg/apis/config/defaults"
)

// kindInGoMod reads the version of sigs.k8s.io/kind that go.mod requires.
func kindInGoMod(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	f, err := modfile.Parse("go.mod", b, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range f.Require {
		if r.Mod.Path == "sigs.k8s.io/kind" {
			return r.Mod.Version
		}
	}
	t.Fatal("go.mod does not require sigs.k8s.io/kind")
	return ""
}

// Bumping kind in go.mod without rewriting kindNodeImages from the new
// release's notes fails here.
func TestKindNodeImagesMatchGoMod(t *testing.T) {
	if got := kindInGoMod(t); got != KindVersion {
		t.Fatalf("go.mod requires sigs.k8s.io/kind %s but kindNodeImages lists the node images of kind %s: "+
			"copy the images and digests of https://github.com/kubernetes-sigs/kind/releases/tag/%s into internal/images/kindnodes.go",
			got, KindVersion, got)
	}
	// kind's own default node image (compiled from the go.mod version) is
	// one of the list, with the same digest.
	name, digest, ok := strings.Cut(defaults.Image, "@")
	if !ok {
		t.Fatalf("kind's default image %q has no digest", defaults.Image)
	}
	want := KindNode{Kubernetes: strings.TrimPrefix(name, "kindest/node:"), Digest: digest}
	if !slices.Contains(kindNodeImages, want) {
		t.Errorf("kind %s defaults to %s, which kindNodeImages does not list", KindVersion, defaults.Image)
	}
	if kindNodeImages[0] != want {
		t.Errorf("kindNodeImages[0] = %s; kind's default (its newest image) is %s", kindNodeImages[0].Ref(), defaults.Image)
	}
}

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

func TestKindNodeImagesWellFormed(t *testing.T) {
	minors := map[string]bool{}
	for i, n := range kindNodeImages {
		if v, err := ParseKubernetesVersion(n.Kubernetes); err != nil || v != n.Kubernetes {
			t.Errorf("%s: %v", n.Kubernetes, err)
		}
		if !digestRE.MatchString(n.Digest) {
			t.Errorf("%s: digest %q", n.Kubernetes, n.Digest)
		}
		if i > 0 && modsemver.Compare(kindNodeImages[i-1].Kubernetes, n.Kubernetes) <= 0 {
			t.Errorf("not newest first: %s before %s", kindNodeImages[i-1].Kubernetes, n.Kubernetes)
		}
		m := modsemver.MajorMinor(n.Kubernetes)
		if minors[m] {
			t.Errorf("two images for %s", m)
		}
		minors[m] = true
	}
	// The air-gapped set shares at least one minor with the online set, so
	// results of both modes can be compared.
	shared := false
	for _, v := range DefaultK8sVersions {
		shared = shared || minors[modsemver.MajorMinor(v)]
	}
	if !shared {
		t.Errorf("air-gapped %v and online %v share no minor version", DefaultK8sVersions, OnlineK8sVersions())
	}
	if got := OnlineK8sVersions(); !slices.IsSortedFunc(got, modsemver.Compare) || len(got) != len(kindNodeImages) {
		t.Errorf("OnlineK8sVersions() = %v", got)
	}
	if got := K8sVersions(AirGapped); !slices.Equal(got, DefaultK8sVersions) {
		t.Errorf("K8sVersions(AirGapped) = %v", got)
	}
}

// docs/images.md's table of online node images is this list.
func TestDocsListKindNodeImages(t *testing.T) {
	b, err := os.ReadFile("../../docs/images.md")
	if err != nil {
		t.Fatal(err)
	}
	readme := string(b)
	for _, n := range kindNodeImages {
		if !strings.Contains(readme, "`"+n.Ref()+"`") {
			t.Errorf("docs/images.md does not list %s", n.Ref())
		}
	}
	if n := strings.Count(readme, "`kindest/node:"); n != len(kindNodeImages) {
		t.Errorf("docs/images.md names %d kindest/node images, kindNodeImages %d", n, len(kindNodeImages))
	}
}
