package images

import (
	"context"
	"fmt"
	"net"
	"os"
	"strings"
	"time"
)

// Mode says where container images come from. It is advent's one mode
// type: the runner's Info and the results (report.Run.Mode, in JSON
// "online" or "air-gapped") carry it too.
type Mode string

const (
	// AirGapped: no container registry is reachable; every image is built
	// locally by `advent images build` and stand-ins carry upstream names.
	AirGapped Mode = "air-gapped"
	// Online: images are pulled from their registries as usual.
	Online Mode = "online"
)

func (m Mode) String() string { return string(m) }

// ModeEnv is the environment variable that forces a Mode:
// ADVENT_MODE=online or ADVENT_MODE=air-gapped.
const ModeEnv = "ADVENT_MODE"

// RegistryProbeAddr is dialled by DetectMode when ModeEnv is unset.
const RegistryProbeAddr = "registry-1.docker.io:443"

// ParseMode parses "online" or "air-gapped" (also "airgapped", "offline").
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "online":
		return Online, nil
	case "air-gapped", "airgapped", "air_gapped", "offline":
		return AirGapped, nil
	}
	return AirGapped, fmt.Errorf("%s=%q: want online or air-gapped", ModeEnv, s)
}

// DetectMode decides the Mode: an explicit ADVENT_MODE wins; otherwise the
// mode is Online when a TCP connection to registry-1.docker.io:443 opens
// within two seconds, else AirGapped. A bad ADVENT_MODE is an error.
func DetectMode(ctx context.Context) (Mode, error) {
	return detectMode(ctx, os.Getenv(ModeEnv), RegistryProbeAddr, 2*time.Second)
}

func detectMode(ctx context.Context, env, addr string, timeout time.Duration) (Mode, error) {
	if env != "" {
		return ParseMode(env)
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return AirGapped, nil
	}
	conn.Close()
	return Online, nil
}

// NodeImageRepo is the repository of the locally built kind node images.
// They are not upstream kindest/node images: single-node clusters only
// (static bridge CNI instead of kindnetd).
const NodeImageRepo = "advent.local/kind-node"

// NodeImage is the kind node image for a Kubernetes version ("v1.37.2"):
// online, the kindest/node image kind KindVersion publishes for it, pinned
// by digest (KindNodeImages; other versions are an error that lists the
// published ones); air-gapped, the locally built one.
func NodeImage(mode Mode, k8sVersion string) (string, error) {
	v := k8sVersion
	if !strings.HasPrefix(v, "v") {
		v = "v" + v
	}
	if mode == Online {
		n, err := kindNode(v)
		if err != nil {
			return "", err
		}
		return n.Ref(), nil
	}
	return NodeImageRepo + ":" + v, nil
}

// StandIns returns the names of the lab images that `advent images build`
// builds under upstream names (from Debian packages, and InSpec's release
// sources for AuditorImage), so that run reports can say "verified offline
// with stand-in images". The node images' control-plane images
// (registry.k8s.io/...) are stand-ins too but live inside the nodes; see
// Manifest for all of them.
func StandIns() []string {
	var names []string
	for _, si := range debianStandIns {
		names = append(names, si.names...)
	}
	return append(names, AuditorImage)
}

// IsStandIn reports whether ref (e.g. "nginx:alpine",
// "docker.io/library/nginx:alpine") names one of StandIns.
func IsStandIn(ref string) bool {
	r := NormalizeRef(ref)
	for _, s := range StandIns() {
		if r == s {
			return true
		}
	}
	return false
}

// NormalizeRef shortens a Docker Hub reference to its familiar form:
// "docker.io/library/nginx:alpine" -> "nginx:alpine"; a reference without a
// tag gets ":latest".
func NormalizeRef(ref string) string {
	r := strings.TrimPrefix(ref, "docker.io/")
	r = strings.TrimPrefix(r, "index.docker.io/")
	r = strings.TrimPrefix(r, "library/")
	if at := strings.IndexByte(r, '@'); at >= 0 {
		r = r[:at]
	}
	slash := strings.LastIndexByte(r, '/')
	if !strings.Contains(r[slash+1:], ":") {
		r += ":latest"
	}
	return r
}
