package env

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/log"
)

// OwnerLabel is the Docker label on the containers and networks advent
// creates for a lab. Its value is the Owner that created them.
const OwnerLabel = "io.advent.owner"

// Owner identifies one advent process across reboots and pid reuse: the
// kernel's boot id, the pid, and the process start time in clock ticks
// since boot (field 22 of /proc/PID/stat).
type Owner struct {
	Boot  string
	PID   int
	Start string
}

// Self is the Owner of this process.
func Self() Owner { return OwnerOf(os.Getpid()) }

// OwnerOf is the Owner of the running process pid (a child advent, say).
func OwnerOf(pid int) Owner {
	return Owner{Boot: bootID(), PID: pid, Start: startTime(pid)}
}

// String is the label form "BOOT/PID/START".
func (o Owner) String() string { return fmt.Sprintf("%s/%d/%s", o.Boot, o.PID, o.Start) }

// ParseOwner reads the label form written by Owner.String.
func ParseOwner(s string) (Owner, error) {
	f := strings.Split(s, "/")
	if len(f) != 3 {
		return Owner{}, fmt.Errorf("bad owner %q (want BOOT/PID/START)", s)
	}
	pid, err := strconv.Atoi(f[1])
	if err != nil || pid <= 0 {
		return Owner{}, fmt.Errorf("bad owner %q: pid %q", s, f[1])
	}
	return Owner{Boot: f[0], PID: pid, Start: f[2]}, nil
}

// Alive reports whether the process o still runs: same boot, and the pid
// exists with the same start time (so a reused pid does not count).
func (o Owner) Alive() bool {
	if o.Boot != bootID() {
		return false
	}
	st := startTime(o.PID)
	return st != "" && st == o.Start
}

func bootID() string {
	b, err := os.ReadFile("/proc/sys/kernel/random/boot_id")
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

// startTime is field 22 of /proc/PID/stat, or "" when there is no such
// process or it is a zombie (killed, not yet waited for). The command name
// (field 2) may hold spaces and parentheses, so fields are counted after
// its last ')'.
func startTime(pid int) string {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ""
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return ""
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state); field 22 is f[19].
	if len(f) < 20 || f[0] == "Z" || f[0] == "X" {
		return ""
	}
	return f[19]
}

// StateDir is advent's directory for state that outlives a process:
// $XDG_STATE_HOME/advent/SUB, or ~/.local/state/advent/SUB.
func StateDir(sub string) string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "advent", sub)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "advent-state", sub)
	}
	return filepath.Join(home, ".local", "state", "advent", sub)
}

// clusterRecord is written when CreateCluster starts and removed when the
// cluster is deleted. kind cannot label its node containers, so this file
// is how a later run knows that a cluster of that name was left behind by
// an advent process that no longer exists (killed, or a reboot).
type clusterRecord struct {
	Owner      string `json:"owner"`
	Kubeconfig string `json:"kubeconfig"`
	Created    string `json:"created"`
}

func clusterRecordPath(name string) string {
	return filepath.Join(StateDir("kind"), name+".json")
}

// writeClusterRecord records that o is creating (and then owns) cluster
// name, whose kubeconfig is the file named.
func writeClusterRecord(name, kubeconfig string, o Owner) error {
	p := clusterRecordPath(name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	b, _ := json.Marshal(clusterRecord{Owner: o.String(), Kubeconfig: kubeconfig,
		Created: time.Now().UTC().Format(time.RFC3339)})
	return os.WriteFile(p, append(b, '\n'), 0o644)
}

func readClusterRecord(name string) (*clusterRecord, error) {
	b, err := os.ReadFile(clusterRecordPath(name))
	if err != nil {
		return nil, err
	}
	var r clusterRecord
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: %w", clusterRecordPath(name), err)
	}
	return &r, nil
}

func removeClusterRecord(name string) { os.Remove(clusterRecordPath(name)) }

// claimExisting decides about a kind cluster called name that exists
// before CreateCluster makes one: when an advent process that is gone
// left it behind, it is deleted (and said so on w); otherwise the error
// says whose it is.
func claimExisting(ctx context.Context, p *cluster.Provider, name string, w io.Writer) error {
	rec, err := readClusterRecord(name)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("a kind cluster named %s exists already and advent did not create it: delete it with `kind delete cluster --name %s`", name, name)
	}
	if err != nil {
		return err
	}
	o, err := ParseOwner(rec.Owner)
	if err != nil {
		return fmt.Errorf("%s: %w", clusterRecordPath(name), err)
	}
	if o.Alive() {
		return fmt.Errorf("a kind cluster named %s exists already: advent process %d is using it", name, o.PID)
	}
	if keptOwners()[o.String()] {
		return fmt.Errorf("a kind cluster named %s exists already: a kept environment holds it (`advent lab down LAB` removes it)", name)
	}
	if err := removeStaleCluster(ctx, p, name, rec); err != nil {
		return fmt.Errorf("remove the cluster left behind by advent process %d: %w", o.PID, err)
	}
	if w != nil {
		fmt.Fprintf(w, "Removed kind cluster %s, left behind by advent process %d, which no longer runs.\n", name, o.PID)
	}
	return nil
}

// removeStaleCluster deletes a cluster whose owner is gone, and its record.
func removeStaleCluster(ctx context.Context, p *cluster.Provider, name string, rec *clusterRecord) error {
	if err := deleteCluster(ctx, p, name, rec.Kubeconfig); err != nil {
		return err
	}
	removeClusterRecord(name)
	return nil
}

// deleteCluster runs kind's Delete bounded by ctx. A kubeconfig file that
// is gone is not passed on: kind would fall back to ~/.kube/config.
func deleteCluster(ctx context.Context, p *cluster.Provider, name, kubeconfig string) error {
	if kubeconfig != "" {
		if _, err := os.Stat(kubeconfig); err != nil {
			f, err := os.CreateTemp("", "advent-stale-*.kubeconfig")
			if err != nil {
				return err
			}
			f.Close()
			defer os.Remove(f.Name())
			kubeconfig = f.Name()
		}
	}
	var err error
	for try := 0; try < len(deleteRetries)+1; try++ {
		if try > 0 {
			thawNodes(ctx, p, name)
			select {
			case <-time.After(deleteRetries[try-1]):
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			}
		}
		done := make(chan error, 1)
		go func() { done <- p.Delete(name, kubeconfig) }()
		select {
		case err = <-done:
		case <-ctx.Done():
			return ctx.Err()
		}
		if err == nil {
			return nil
		}
	}
	return err
}

// deleteRetries are the waits before kind's Delete is tried again. Docker
// sometimes gives up removing a kind node ("Could not kill running
// container ... did not receive an exit event"): on a cgroup v1 host a pod
// cgroup inside the node can be left frozen with a process in it that no
// signal reaches (see thawNodes). Before each retry the node's frozen
// cgroups are thawed; giving up would leave the cluster behind.
var deleteRetries = []time.Duration{3 * time.Second, 10 * time.Second}

// Reaped is what ReapStale removed.
type Reaped struct {
	Clusters   []string
	Containers []string
	Networks   []string
}

// Empty reports whether nothing was removed.
func (r Reaped) Empty() bool { return len(r.Clusters)+len(r.Containers)+len(r.Networks) == 0 }

// String lists what was removed: "kind clusters: a; containers: b".
func (r Reaped) String() string {
	var parts []string
	for _, p := range []struct {
		what  string
		names []string
	}{{"kind clusters", r.Clusters}, {"containers", r.Containers}, {"networks", r.Networks}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+": "+strings.Join(p.names, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// ReapStale removes what advent processes that no longer run left behind
// when they were killed before their clean-up: kind clusters with a record
// in StateDir("kind") whose owner is gone, and containers and networks
// whose OwnerLabel names a gone owner. What a running advent owns, what a
// kept environment of this boot holds (see keptOwners), and anything
// advent did not create, is left alone.
func ReapStale(ctx context.Context) (Reaped, error) {
	var r Reaped
	kept := keptOwners()
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))
	clusters, err := p.List()
	if err != nil {
		return r, fmt.Errorf("reap: list kind clusters: %w", err)
	}
	for _, name := range clusters {
		rec, err := readClusterRecord(name)
		if err != nil {
			continue // not advent's, or no record to judge by
		}
		if o, err := ParseOwner(rec.Owner); err != nil || inUse(o, kept) {
			continue
		}
		if err := removeStaleCluster(ctx, p, name, rec); err != nil {
			return r, fmt.Errorf("reap: delete kind cluster %s: %w", name, err)
		}
		r.Clusters = append(r.Clusters, name)
	}
	if len(r.Clusters) > 0 {
		removeKindNetworkIfUnused(ctx)
	}
	// Records of clusters that no longer exist are dropped.
	if ents, err := os.ReadDir(StateDir("kind")); err == nil {
		for _, e := range ents {
			name := strings.TrimSuffix(e.Name(), ".json")
			if rec, err := readClusterRecord(name); err == nil && !slices.Contains(clusters, name) {
				if o, err := ParseOwner(rec.Owner); err != nil || !o.Alive() {
					removeClusterRecord(name)
				}
			}
		}
	}
	if err := reapLabelled(ctx, kept, &r); err != nil {
		return r, fmt.Errorf("reap: %w", err)
	}
	return r, nil
}

// reapLabelled removes the containers (with their volumes) and networks
// whose OwnerLabel names an owner that is gone and holds no kept
// environment, adding them to r. What someone else removed meanwhile is
// not an error.
func reapLabelled(ctx context.Context, kept map[string]bool, r *Reaped) error {
	stale := func(owner string) bool {
		o, err := ParseOwner(owner)
		return err == nil && !inUse(o, kept)
	}
	labelled := make(client.Filters).Add("label", OwnerLabel)
	c, err := engine()
	if err != nil {
		return err
	}
	ctrs, err := listContainers(ctx, labelled)
	if err != nil {
		return err
	}
	for _, ctr := range ctrs {
		if !stale(ctr.Labels[OwnerLabel]) {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		_, err := c.ContainerRemove(rctx, ctr.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		cancel()
		if errdefs.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("remove container %s: %w", containerName(ctr), err)
		}
		r.Containers = append(r.Containers, containerName(ctr))
	}
	nets, err := listNetworks(ctx, labelled)
	if err != nil {
		return err
	}
	for _, n := range nets {
		if !stale(n.Labels[OwnerLabel]) {
			continue
		}
		rctx, cancel := context.WithTimeout(ctx, apiTimeout)
		_, err := c.NetworkRemove(rctx, n.ID, client.NetworkRemoveOptions{})
		cancel()
		if errdefs.IsNotFound(err) {
			continue
		}
		if err != nil {
			return fmt.Errorf("remove network %s: %w", n.Name, err)
		}
		r.Networks = append(r.Networks, n.Name)
	}
	return nil
}
