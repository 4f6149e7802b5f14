package env

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
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
	for _, q := range []struct {
		dst  *[]string
		args []string
	}{
		{&s.Containers, []string{"ps", "-a", "--format", "{{.Names}}"}},
		{&s.Networks, []string{"network", "ls", "--format", "{{.Name}}"}},
		{&s.Volumes, []string{"volume", "ls", "--format", "{{.Name}}"}},
		{&s.Clusters, []string{"ps", "-a", "--filter", "label=" + kindClusterLabel, "--format", `{{.Label "` + kindClusterLabel + `"}}`}},
	} {
		out, err := xexec.Command("docker", q.args...).WithTimeout(time.Minute).Output(ctx)
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
		*q.dst = sortedUnique(strings.Split(string(out), "\n"))
	}
	return s, nil
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

func sortedUnique(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range in {
		x = strings.TrimSpace(x)
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
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
	var filters [][]string
	if scope.Owner != "" {
		filters = append(filters, []string{"--filter", "label=" + OwnerLabel + "=" + scope.Owner})
	}
	for _, c := range scope.Clusters {
		filters = append(filters, []string{"--filter", "label=" + kindClusterLabel + "=" + c})
	}
	docker := func(args ...string) ([]string, error) {
		out, err := xexec.Command("docker", args...).WithTimeout(time.Minute).Output(ctx)
		if err != nil {
			return nil, fmt.Errorf("snapshot: %w", err)
		}
		return strings.Fields(string(out)), nil
	}
	var volumes []string
	for _, f := range filters {
		names, err := docker(append(append([]string{"ps", "-a"}, f...), "--format", "{{.Names}}")...)
		if err != nil {
			return Snapshot{}, err
		}
		s.Containers = append(s.Containers, names...)
		if len(names) > 0 {
			mounts, err := docker(append([]string{"inspect", "--format", "{{range .Mounts}}{{if .Name}}{{.Name}} {{end}}{{end}}"}, names...)...)
			if err != nil {
				return Snapshot{}, err
			}
			volumes = append(volumes, mounts...)
		}
	}
	if scope.Owner != "" {
		nets, err := docker("network", "ls", "--filter", "label="+OwnerLabel+"="+scope.Owner, "--format", "{{.Name}}")
		if err != nil {
			return Snapshot{}, err
		}
		s.Networks = nets
	}
	if len(scope.Clusters) > 0 {
		// The kind network, shared by every kind cluster, counts by its
		// existence: made for a scope's cluster and left behind, it is new
		// in the second snapshot; others using or leaving it meanwhile do
		// not change that it existed.
		out, err := xexec.Command("docker", "network", "ls", "--filter", "name=^"+kindNetwork+"$", "--format", "{{.Name}}").
			WithTimeout(time.Minute).OutputString(ctx)
		if err != nil {
			return Snapshot{}, fmt.Errorf("snapshot: %w", err)
		}
		if out == kindNetwork {
			s.Networks = append(s.Networks, kindNetwork)
		}
	}
	dangling, err := docker("volume", "ls", "--filter", "dangling=true", "--format", "{{.Name}}")
	if err != nil {
		return Snapshot{}, err
	}
	s.Volumes = sortedUnique(append(volumes, dangling...))
	clusters, err := docker("ps", "-a", "--filter", "label="+kindClusterLabel, "--format", `{{.Label "`+kindClusterLabel+`"}}`)
	if err != nil {
		return Snapshot{}, err
	}
	for _, c := range sortedUnique(clusters) {
		if slices.Contains(scope.Clusters, c) {
			s.Clusters = append(s.Clusters, c)
		}
	}
	s.Containers = sortedUnique(s.Containers)
	s.Networks = sortedUnique(s.Networks)
	return s, nil
}
