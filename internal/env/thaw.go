package env

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/moby/moby/client"
	"sigs.k8s.io/kind/pkg/cluster"
)

// freezerRoot is where a cgroup v1 host mounts the freezer hierarchy; Docker
// puts each container's cgroups under docker/<id> there.
var freezerRoot = "/sys/fs/cgroup/freezer"

// thawNodes thaws the frozen cgroups inside the named cluster's node
// containers. On a cgroup v1 host, a kind node deleted while its containerd
// starts a pod can leave that pod's cgroup FROZEN with `runc init` in it,
// uninterruptible: Docker then cannot kill the node ("did not receive an
// exit event") and the cluster stays behind. Thawing lets the kill finish.
// It returns how many cgroups it thawed; a cgroup v2 host (no freezer
// hierarchy) or a cluster with no nodes has none.
func thawNodes(ctx context.Context, p *cluster.Provider, name string) int {
	if _, err := os.Stat(freezerRoot); err != nil {
		return 0
	}
	nodes, err := p.ListNodes(name)
	if err != nil {
		return 0
	}
	c, err := engine()
	if err != nil {
		return 0
	}
	thawed := 0
	for _, n := range nodes {
		ictx, cancel := context.WithTimeout(ctx, apiTimeout)
		res, err := c.ContainerInspect(ictx, n.String(), client.ContainerInspectOptions{})
		cancel()
		if err != nil || !containerID.MatchString(res.Container.ID) {
			continue
		}
		thawed += thawTree(filepath.Join(freezerRoot, "docker", res.Container.ID))
	}
	return thawed
}

// containerID is a full Docker container id: never thaw the whole
// docker/ hierarchy (a paused container of someone else's) for an empty one.
var containerID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// thawTree writes THAWED into every freezer.state under dir that is not
// THAWED already, and returns how many it wrote.
func thawTree(dir string) int {
	thawed := 0
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || d.Name() != "freezer.state" {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil || strings.TrimSpace(string(b)) == "THAWED" {
			return nil
		}
		if os.WriteFile(p, []byte("THAWED"), 0) == nil {
			thawed++
		}
		return nil
	})
	return thawed
}
