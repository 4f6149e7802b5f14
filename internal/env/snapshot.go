package env

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"
)

// Snapshot is what exists in Docker at one moment: container names,
// network names, volume names and kind cluster names, each sorted.
type Snapshot struct {
	Containers []string
	Networks   []string
	Volumes    []string
	Clusters   []string
}

// TakeSnapshot lists Docker's containers (running or not), networks,
// volumes and the kind clusters their node containers belong to.
func TakeSnapshot(ctx context.Context) (Snapshot, error) {
	var s Snapshot
	ctrs, err := listContainers(ctx, nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	for _, c := range ctrs {
		s.Containers = append(s.Containers, containerName(c))
		s.Clusters = append(s.Clusters, c.Labels[kindClusterLabel])
	}
	nets, err := listNetworks(ctx, nil)
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	for _, n := range nets {
		s.Networks = append(s.Networks, n.Name)
	}
	if s.Volumes, err = listVolumes(ctx, nil); err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	for _, l := range []*[]string{&s.Containers, &s.Networks, &s.Volumes, &s.Clusters} {
		*l = sortedUnique(*l)
	}
	return s, nil
}

// listContainers lists the containers, running or not, that match f (nil
// for all).
func listContainers(ctx context.Context, f client.Filters) ([]container.Summary, error) {
	c, err := engine()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	res, err := c.ContainerList(ctx, client.ContainerListOptions{All: true, Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	return res.Items, nil
}

// containerName is a container's name as `docker ps` shows it: without
// the leading "/", and not one of the "/other/alias" names of a link.
func containerName(c container.Summary) string {
	for _, n := range c.Names {
		if name := strings.TrimPrefix(n, "/"); !strings.Contains(name, "/") {
			return name
		}
	}
	return c.ID
}

// listNetworks lists the networks that match f (nil for all).
func listNetworks(ctx context.Context, f client.Filters) ([]network.Summary, error) {
	c, err := engine()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	res, err := c.NetworkList(ctx, client.NetworkListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list networks: %w", err)
	}
	return res.Items, nil
}

// listVolumes lists the names of the volumes that match f (nil for all).
func listVolumes(ctx context.Context, f client.Filters) ([]string, error) {
	c, err := engine()
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	res, err := c.VolumeList(ctx, client.VolumeListOptions{Filters: f})
	if err != nil {
		return nil, fmt.Errorf("list volumes: %w", err)
	}
	var names []string
	for _, v := range res.Items {
		names = append(names, v.Name)
	}
	return names, nil
}

// Leaked returns what is in s but not in before.
func (s Snapshot) Leaked(before Snapshot) Snapshot {
	return Snapshot{
		Containers: minus(s.Containers, before.Containers),
		Networks:   minus(s.Networks, before.Networks),
		Volumes:    minus(s.Volumes, before.Volumes),
		Clusters:   minus(s.Clusters, before.Clusters),
	}
}

// List is s as one list of "kind/name": container/x, network/y,
// volume/z, cluster/c (the form of runner.Backend's Snapshot).
func (s Snapshot) List() []string {
	var out []string
	for _, x := range []struct {
		kind  string
		names []string
	}{{"container", s.Containers}, {"network", s.Networks}, {"volume", s.Volumes}, {"cluster", s.Clusters}} {
		for _, n := range x.names {
			out = append(out, x.kind+"/"+n)
		}
	}
	return out
}

// Empty reports whether s lists nothing.
func (s Snapshot) Empty() bool {
	return len(s.Containers)+len(s.Networks)+len(s.Volumes)+len(s.Clusters) == 0
}

// String lists the non-empty parts: "containers: a, b; volumes: c".
func (s Snapshot) String() string {
	var parts []string
	for _, p := range []struct {
		name  string
		items []string
	}{{"containers", s.Containers}, {"networks", s.Networks}, {"volumes", s.Volumes}, {"kind clusters", s.Clusters}} {
		if len(p.items) > 0 {
			parts = append(parts, p.name+": "+strings.Join(p.items, ", "))
		}
	}
	if len(parts) == 0 {
		return "nothing"
	}
	return strings.Join(parts, "; ")
}

func minus(a, b []string) []string {
	drop := make(map[string]bool, len(b))
	for _, x := range b {
		drop[x] = true
	}
	var out []string
	for _, x := range a {
		if !drop[x] {
			out = append(out, x)
		}
	}
	return out
}

// sortedUnique returns names sorted, without repeats and without "".
func sortedUnique(names []string) []string {
	names = slices.Compact(slices.Sorted(slices.Values(names)))
	return slices.DeleteFunc(names, func(n string) bool { return n == "" })
}

// Scope names the resources of one party on a shared Docker engine: what
// the advent process Owner created (containers and networks labelled
// OwnerLabel=Owner; "" for none) and the named kind clusters (their node
// containers). A leak check taken within a scope cannot be fooled by, or
// blame, other work on the same engine (another test package, an image
// build).
type Scope struct {
	Owner    string
	Clusters []string
}

// TakeScopedSnapshot is TakeSnapshot limited to scope: its containers and
// networks, the clusters of scope.Clusters that exist, and volumes that
// either those containers mount or no container mounts (a dangling volume
// is what a container removed without -v leaves, and nobody else's), and
// with clusters in scope the kind network when it exists.
func TakeScopedSnapshot(ctx context.Context, scope Scope) (Snapshot, error) {
	var s Snapshot
	var filters []client.Filters
	if scope.Owner != "" {
		filters = append(filters, make(client.Filters).Add("label", OwnerLabel+"="+scope.Owner))
	}
	for _, c := range scope.Clusters {
		filters = append(filters, make(client.Filters).Add("label", kindClusterLabel+"="+c))
	}
	var volumes []string
	for _, f := range filters {
		ctrs, err := listContainers(ctx, f)
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
		for _, c := range ctrs {
			s.Containers = append(s.Containers, containerName(c))
			for _, m := range c.Mounts {
				volumes = append(volumes, m.Name)
			}
			if slices.Contains(scope.Clusters, c.Labels[kindClusterLabel]) {
				s.Clusters = append(s.Clusters, c.Labels[kindClusterLabel])
			}
		}
	}
	if scope.Owner != "" {
		nets, err := listNetworks(ctx, make(client.Filters).Add("label", OwnerLabel+"="+scope.Owner))
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
		for _, n := range nets {
			s.Networks = append(s.Networks, n.Name)
		}
	}
	if len(scope.Clusters) > 0 {
		// The kind network, shared by every kind cluster, counts by its
		// existence: made for a scope's cluster and left behind, it is new
		// in the second snapshot; others using or leaving it meanwhile do
		// not change that it existed.
		exists, err := networkExists(ctx, kindNetwork)
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
		if exists {
			s.Networks = append(s.Networks, kindNetwork)
		}
	}
	dangling, err := listVolumes(ctx, make(client.Filters).Add("dangling", "true"))
	if err != nil {
		return Snapshot{}, fmt.Errorf("snapshot: %w", err)
	}
	s.Volumes = sortedUnique(append(volumes, dangling...))
	s.Containers = sortedUnique(s.Containers)
	s.Networks = sortedUnique(s.Networks)
	s.Clusters = sortedUnique(s.Clusters)
	return s, nil
}
