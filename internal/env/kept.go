package env

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/log"

	"github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/xexec"
)

// A kept environment (`advent lab run -keep`) outlives the advent process
// that created it, on purpose. Its record, StateDir("kept")/<lab>.json
// (runner.Kept), names that process as its owner; while the record exists
// on the same boot, the reaper treats the owner as alive and leaves its
// clusters, containers and networks alone. `advent lab down` removes the
// environment and then the record; after a reboot (another boot id) the
// record no longer protects anything and the reaper removes what is left.

// keptOwners are the owners of kept environments on this boot.
func keptOwners() map[string]bool {
	out := map[string]bool{}
	dir := StateDir("kept")
	ents, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	boot := bootID()
	for _, e := range ents {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		var k struct {
			Owner string `json:"owner"`
		}
		if json.Unmarshal(b, &k) != nil {
			continue
		}
		if o, err := ParseOwner(k.Owner); err == nil && o.Boot == boot {
			out[o.String()] = true
		}
	}
	return out
}

// inUse reports whether what o created is still wanted: o runs, or o kept
// an environment on this boot.
func inUse(o Owner, kept map[string]bool) bool { return o.Alive() || kept[o.String()] }

// Adopt takes over the environment a previous advent process kept: its kind
// clusters (DeleteCluster works on them), its containers (Exec, WriteFile)
// and networks, found by their labels and the owner that created them;
// Teardown removes them. What no longer exists is listed, not an error.
func (b *DockerBackend) Adopt(ctx context.Context, k *runner.Kept) ([]*runner.Cluster, []string, error) {
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))
	have, err := p.List()
	if err != nil {
		return nil, nil, fmt.Errorf("list kind clusters: %w", err)
	}
	var missing []string
	var clusters []*runner.Cluster
	for _, name := range k.Clusters {
		if contains(have, name) {
			// The kind network is removed with the last cluster using it.
			clusters = append(clusters, &runner.Cluster{Name: name, Kubeconfig: k.Kubeconfigs[name], Network: kindNetwork})
		} else {
			missing = append(missing, "cluster/"+name)
		}
	}
	containers := map[string]string{}
	for _, name := range k.Containers {
		id, err := xexec.Command("docker", "ps", "-q", "--filter", "label=io.advent.container="+name,
			"--filter", "label="+OwnerLabel+"="+k.Owner).WithTimeout(dockerTimeout).OutputString(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("find container %s: %w", name, err)
		}
		if id == "" || strings.Contains(id, "\n") {
			missing = append(missing, "container/"+name)
			continue
		}
		containers[name] = id
	}
	var networks []string
	for _, name := range k.Networks {
		id, err := xexec.Command("docker", "network", "ls", "-q", "--filter", "label=io.advent.network="+name,
			"--filter", "label="+OwnerLabel+"="+k.Owner).WithTimeout(dockerTimeout).OutputString(ctx)
		if err != nil {
			return nil, nil, fmt.Errorf("find network %s: %w", name, err)
		}
		if id != "" {
			networks = append(networks, id)
		}
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.adopted == nil {
		b.adopted = map[string]string{}
	}
	for name, id := range containers {
		b.adopted[name] = id
	}
	b.adoptedNets = append(b.adoptedNets, networks...)
	return clusters, missing, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// adoptedContainer is the ID of an adopted container called name, or "".
func (b *DockerBackend) adoptedContainer(name string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.adopted[name]
}

// execAdopted runs bash -c script in an adopted container with docker exec.
func execAdopted(ctx context.Context, id, script string, out io.Writer) (int, error) {
	err := xexec.Command("docker", "exec", id, "bash", "-c", script).WithTimeout(-1).WithLog(out).Run(ctx)
	var xe *xexec.Error
	if errors.As(err, &xe) && xe.ExitCode >= 0 && ctx.Err() == nil {
		return xe.ExitCode, nil
	}
	if err != nil {
		return -1, fmt.Errorf("container exec: %w", err)
	}
	return 0, nil
}

// writeAdopted writes a file into an adopted container.
func writeAdopted(ctx context.Context, id, p string, data []byte) error {
	if !path.IsAbs(p) {
		p = path.Join("/root", p)
	}
	script := `mkdir -p "$(dirname "$1")" && cat > "$1"`
	if err := xexec.Command("docker", "exec", "-i", id, "sh", "-c", script, "sh", p).
		WithStdin(bytes.NewReader(data)).WithTimeout(time.Minute).Run(ctx); err != nil {
		return fmt.Errorf("write %s: %w", p, err)
	}
	return nil
}

// teardownAdopted removes the adopted containers and networks.
func (b *DockerBackend) teardownAdopted(ctx context.Context) error {
	b.mu.Lock()
	adopted, nets := b.adopted, b.adoptedNets
	b.adopted, b.adoptedNets = nil, nil
	b.mu.Unlock()
	var errs []error
	for name, id := range adopted {
		if err := xexec.Command("docker", "rm", "-f", "-v", id).WithTimeout(time.Minute).Run(ctx); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", name, err))
		}
	}
	for _, id := range nets {
		if err := xexec.Command("docker", "network", "rm", id).WithTimeout(time.Minute).Run(ctx); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", id, err))
		}
	}
	return errors.Join(errs...)
}
