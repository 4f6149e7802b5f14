package env

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/moby/moby/client"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/log"

	"github.com/sysadvent/advent/internal/runner"
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

// Adopt finds the environment a previous advent process kept: its kind
// clusters, and its containers and networks by their labels and the owner
// that created them. It returns their handles; what no longer exists is
// listed, not an error.
func (b *DockerBackend) Adopt(ctx context.Context, k *runner.Kept) (*runner.Adopted, error) {
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))
	have, err := p.List()
	if err != nil {
		return nil, fmt.Errorf("list kind clusters: %w", err)
	}
	a := &runner.Adopted{}
	for _, name := range k.Clusters {
		if slices.Contains(have, name) {
			// The kind network is removed with the last cluster using it.
			a.Clusters = append(a.Clusters, &runner.Cluster{Name: name, Kubeconfig: k.Kubeconfigs[name], Network: kindNetwork})
		} else {
			a.Missing = append(a.Missing, "cluster/"+name)
		}
	}
	cli, err := engine()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	for _, name := range k.Containers {
		// Running ones only, as `docker ps`: a stopped one cannot run steps.
		found, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: keptFilter(containerLabel, name, k.Owner)})
		if err != nil {
			return nil, fmt.Errorf("find container %s: %w", name, err)
		}
		if len(found.Items) != 1 {
			a.Missing = append(a.Missing, "container/"+name)
			continue
		}
		a.Containers = append(a.Containers, &runner.Container{Name: name, ID: found.Items[0].ID})
	}
	for _, name := range k.Networks {
		found, err := cli.NetworkList(ctx, client.NetworkListOptions{Filters: keptFilter(networkLabel, name, k.Owner)})
		if err != nil {
			return nil, fmt.Errorf("find network %s: %w", name, err)
		}
		if len(found.Items) != 1 {
			a.Missing = append(a.Missing, "network/"+name)
			continue
		}
		a.Networks = append(a.Networks, &runner.Network{Name: name, ID: found.Items[0].ID})
	}
	return a, nil
}

// keptFilter selects what owner created and labelled label=name.
func keptFilter(label, name, owner string) client.Filters {
	return make(client.Filters).Add("label", label+"="+name, OwnerLabel+"="+owner)
}
