package images

import (
	"fmt"
	"strings"
)

// KindVersion is the kind release the online node images below were
// published for. It must equal the version of sigs.k8s.io/kind in go.mod:
// TestKindNodeImagesMatchGoMod fails when kind is bumped without updating
// this list.
const KindVersion = "v0.33.0"

// KindReleaseNotes is the source of kindNodeImages.
const KindReleaseNotes = "https://github.com/kubernetes-sigs/kind/releases/tag/" + KindVersion

// KindNode is a kindest/node image published with a kind release.
type KindNode struct {
	Kubernetes string // "v1.37.0"
	Digest     string // "sha256:..."
}

// Ref is the image reference pinned by digest:
// kindest/node:v1.37.0@sha256:... Kind's release notes ask for the digest:
// a tag alone may name an image built for another kind release.
func (n KindNode) Ref() string { return "kindest/node:" + n.Kubernetes + "@" + n.Digest }

// kindNodeImages are the node images listed in the release notes of kind
// v0.33.0 (KindReleaseNotes, "Images pre-built for this release") for the
// Kubernetes minors still supported upstream, newest first. The v1.37.0
// digest is also kind's own default image
// (sigs.k8s.io/kind/pkg/apis/config/defaults.Image), which the test checks.
//
// Online mode runs these. The air-gapped set (DefaultK8sVersions) is built
// from source, for the newest patches the Go module proxy serves of the
// same minors.
var kindNodeImages = []KindNode{
	{"v1.37.0", "sha256:a1ed56cfb0e7b93589bdf97c8cd566405a265939e3620fc4f5de89adff580ae5"},
	{"v1.36.4", "sha256:099e049362a1526b2db71494e1947aae99bd16290d7c895f2b7ea312e3cbfaed"},
	{"v1.35.8", "sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0"},
}

// KindNodeImages returns the node images of KindVersion, newest first.
func KindNodeImages() []KindNode { return append([]KindNode(nil), kindNodeImages...) }

// OnlineK8sVersions are the Kubernetes versions online runs use (those of
// KindNodeImages), oldest first: the labs workflow's matrix.
func OnlineK8sVersions() []string {
	vs := make([]string, 0, len(kindNodeImages))
	for _, n := range kindNodeImages {
		vs = append(vs, n.Kubernetes)
	}
	SortVersions(vs)
	return vs
}

// K8sVersions are the Kubernetes versions a mode can run, oldest first.
func K8sVersions(mode Mode) []string {
	if mode == Online {
		return OnlineK8sVersions()
	}
	return append([]string(nil), DefaultK8sVersions...)
}

// kindNode returns the published node image of a Kubernetes version.
func kindNode(k8sVersion string) (KindNode, error) {
	for _, n := range kindNodeImages {
		if n.Kubernetes == k8sVersion {
			return n, nil
		}
	}
	return KindNode{}, fmt.Errorf("kind %s publishes no node image for Kubernetes %s: online runs use %s (%s); "+
		"or run air-gapped (ADVENT_MODE=air-gapped) on the locally built %s",
		KindVersion, k8sVersion, strings.Join(OnlineK8sVersions(), ", "), KindReleaseNotes, strings.Join(DefaultK8sVersions, ", "))
}
