package env

import (
	"context"
	"fmt"
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
