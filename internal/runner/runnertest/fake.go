// Package runnertest provides a fake runner.Backend for tests of the
// runner and of what is built on it (practice mode, the CLI).
package runnertest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/runner"
)

// Fake is a runner.Backend for tests: it records what the runner asks for.
// Clusters are kubeconfig files, containers and networks exist in name
// only, Exec runs bash on the host, in a directory of its own for each
// container. Like the real backend it keeps no per-lab state: what exists
// is in live, what the runner acts on comes back as handles.
type Fake struct {
	Images     map[string]bool // images steps may need that Prepare finds
	Leak       string          // a resource Remove* "forgets", e.g. container/box
	CreateErr  error           // CreateCluster fails with it
	CreateWait time.Duration   // CreateCluster takes this long
	// StartErr is returned by StartContainer along with the container
	// it started (testcontainers' Run can return both).
	StartErr error
	// Prebooted are the clusters CreateCluster says it started from a
	// pre-booted image (the others kind "created").
	Prebooted map[string]bool

	mu        sync.Mutex
	creating  int // clusters being created now
	maxCreate int // the most at once
	calls     []string
	live      map[string]bool // what Snapshot reports
	specs     map[string]runner.ClusterSpec
	statePath string // where live is saved between processes ("" keeps it in memory)
	dir       string // each container's directory: dir/<container>
}

// NewPersistent returns a Fake whose resources outlive the process: what
// exists is saved in the file path (a JSON list) after every change and
// read back by the next NewPersistent, as Docker keeps containers between
// advent processes. Tests of the real binary use it (kept environments).
// The containers' directories are in path + ".containers".
func NewPersistent(path string) (*Fake, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	f := New(abs + ".containers")
	f.statePath = path
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return f, f.save()
	}
	if err != nil {
		return nil, err
	}
	var names []string
	if err := json.Unmarshal(b, &names); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	f.live = map[string]bool{}
	for _, n := range names {
		f.live[n] = true
	}
	return f, nil
}

// save writes live to statePath; f.mu is not held.
func (f *Fake) save() error {
	if f.statePath == "" {
		return nil
	}
	f.mu.Lock()
	names := slices.Sorted(maps.Keys(f.live))
	f.mu.Unlock()
	b, _ := json.Marshal(names)
	return os.WriteFile(f.statePath, b, 0o644)
}

// Adopt returns handles to what of a kept environment still exists and
// lists the rest.
func (f *Fake) Adopt(ctx context.Context, k *runner.Kept) (*runner.Adopted, error) {
	f.record("adopt %s", k.Lab)
	f.mu.Lock()
	defer f.mu.Unlock()
	a := &runner.Adopted{}
	for _, c := range k.Clusters {
		if !f.live["cluster/"+c] {
			a.Missing = append(a.Missing, "cluster/"+c)
			continue
		}
		a.Clusters = append(a.Clusters, &runner.Cluster{Name: c, Kubeconfig: k.Kubeconfigs[c]})
	}
	for _, c := range k.Containers {
		if !f.live["container/"+c] {
			a.Missing = append(a.Missing, "container/"+c)
			continue
		}
		a.Containers = append(a.Containers, &runner.Container{Name: c, ID: fakeID("container", c)})
	}
	for _, n := range k.Networks {
		if !f.live["network/"+n] {
			a.Missing = append(a.Missing, "network/"+n)
			continue
		}
		a.Networks = append(a.Networks, &runner.Network{Name: n, ID: fakeID("network", n)})
	}
	return a, nil
}

// fakeID is the ID of the fake's resource of kind called name.
func fakeID(kind, name string) string { return "fake-" + kind + "-" + name }

// New returns a Fake whose machine already has one unrelated container.
// Each container's commands run in dir/<container> (HOME and working
// directory) and keep their shell state there: give it the test's
// t.TempDir(), so that no two tests share a container's state.
func New(dir string) *Fake {
	return &Fake{live: map[string]bool{"container/unrelated": true}, Images: map[string]bool{}, dir: dir}
}

// MaxCreate is the most clusters that were being created at once.
func (f *Fake) MaxCreate() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.maxCreate
}

func (f *Fake) record(format string, args ...any) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

// Calls lists the backend calls in order.
func (f *Fake) Calls() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

func (f *Fake) Prepare(ctx context.Context, l *lab.Lab, k string) (*runner.Info, error) {
	if k == "" {
		k = "v1.33.13"
	}
	info := &runner.Info{Mode: images.AirGapped, Kubernetes: k, NodeImage: "fake/node:" + k, LoadImages: l.Resources.Images,
		Versions: report.Versions{Kind: "v0.33.0"}, StandIns: []string{"nginx:alpine"},
		Images: []report.Image{{Name: "nginx:alpine", ID: "sha256:1", StandIn: true}}}
	for _, s := range l.Steps {
		if s.Needs != "" && !f.Images[s.Needs] && !slices.Contains(info.Unavailable, s.Needs) {
			info.Unavailable = append(info.Unavailable, s.Needs)
		}
	}
	return info, nil
}

// Specs are the specs CreateCluster was given, by cluster name.
func (f *Fake) Specs() map[string]runner.ClusterSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.specs)
}

func (f *Fake) CreateCluster(ctx context.Context, spec runner.ClusterSpec, log io.Writer) (*runner.Cluster, error) {
	name, kubeconfig := spec.Name, spec.Kubeconfig
	f.record("create-cluster %s", name)
	f.mu.Lock()
	if f.specs == nil {
		f.specs = map[string]runner.ClusterSpec{}
	}
	f.specs[name] = spec
	f.mu.Unlock()
	fmt.Fprintf(log, "Creating cluster %q ...\n ✓ Preparing nodes\n", name)
	f.mu.Lock()
	f.creating++
	f.maxCreate = max(f.maxCreate, f.creating)
	f.mu.Unlock()
	defer func() { f.mu.Lock(); f.creating--; f.mu.Unlock() }()
	if f.CreateWait > 0 {
		select {
		case <-time.After(f.CreateWait):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	if f.CreateErr != nil {
		return nil, f.CreateErr
	}
	f.mu.Lock()
	f.live["cluster/"+name] = true
	start := report.ClusterStart{Cluster: name, By: report.ByKind, Fallback: "no pre-booted image"}
	if f.Prebooted[name] {
		start = report.ClusterStart{Cluster: name, By: report.FromPreboot, Image: "advent-preboot:" + name,
			Booted: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	}
	f.mu.Unlock()
	if err := f.save(); err != nil {
		return nil, err
	}
	if err := os.WriteFile(kubeconfig, []byte("current-context: kind-"+name+"\n"), 0o600); err != nil {
		return nil, err
	}
	return &runner.Cluster{Name: name, Kubeconfig: kubeconfig, Start: start}, nil
}

// CollectLogs writes one file in dir.
func (f *Fake) CollectLogs(ctx context.Context, c *runner.Cluster, dir string) error {
	f.record("collect-logs %s", c.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(dir+"/kind-version.txt", []byte("fake\n"), 0o644)
}

func (f *Fake) DeleteCluster(ctx context.Context, c *runner.Cluster, log io.Writer) error {
	name := c.Name
	f.record("delete-cluster %s", name)
	fmt.Fprintf(log, "Deleting cluster %q ...\n", name)
	f.mu.Lock()
	delete(f.live, "cluster/"+name)
	f.mu.Unlock()
	return f.save()
}

func (f *Fake) CreateNetwork(ctx context.Context, n lab.Network) (*runner.Network, error) {
	f.record("create-network %s", n.Name)
	f.mu.Lock()
	f.live["network/"+n.Name] = true
	f.mu.Unlock()
	return &runner.Network{Name: n.Name, ID: fakeID("network", n.Name)}, f.save()
}

// StartContainer checks that it is given the networks c names, in order.
func (f *Fake) StartContainer(ctx context.Context, c lab.Container, networks []*runner.Network) (*runner.Container, error) {
	f.record("start-container %s", c.Name)
	var names []string
	for _, n := range networks {
		names = append(names, n.Name)
	}
	if !slices.Equal(names, c.Networks) {
		return nil, fmt.Errorf("fake backend: container %s is given networks %v, want %v", c.Name, names, c.Networks)
	}
	f.mu.Lock()
	f.live["container/"+c.Name] = true
	f.mu.Unlock()
	if err := f.save(); err != nil {
		return nil, err
	}
	return &runner.Container{Name: c.Name, ID: fakeID("container", c.Name)}, f.StartErr
}

// handle checks that c is a handle this fake returned for a container that
// exists.
func (f *Fake) handle(c *runner.Container) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c == nil || c.ID != fakeID("container", c.Name) || !f.live["container/"+c.Name] {
		return fmt.Errorf("fake backend: %+v is not a running container", c)
	}
	return nil
}

// Exec runs script with bash on the host, in the container's directory,
// with the container's shell state kept there instead of at
// runner.ContainerStateDir (a path on the host shared by every test).
func (f *Fake) Exec(ctx context.Context, c *runner.Container, script string, out io.Writer) (int, error) {
	f.record("exec %s", c.Name)
	if err := f.handle(c); err != nil {
		return -1, err
	}
	home, err := f.containerDir(c.Name)
	if err != nil {
		return -1, err
	}
	first, rest, _ := strings.Cut(script, "\n")
	if want := firstLine(runner.Script(runner.ContainerStateDir, "", false)); first != want {
		return -1, fmt.Errorf("fake backend: the script starts with %q, want %q", first, want)
	}
	script = firstLine(runner.Script(filepath.Join(home, ".advent-state"), "", false)) + "\n" + rest
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Dir = home
	cmd.Env = append(os.Environ(), "HOME="+home, "TMPDIR="+home)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	if ctx.Err() != nil {
		return -1, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
}

// containerDir makes and returns the container's directory.
func (f *Fake) containerDir(container string) (string, error) {
	if f.dir == "" || !filepath.IsAbs(f.dir) {
		return "", fmt.Errorf("fake backend: containers need an absolute directory (runnertest.New(t.TempDir())), have %q", f.dir)
	}
	if err := lab.ValidName(lab.NameContainer, container); err != nil {
		return "", fmt.Errorf("fake backend: %w", err)
	}
	home := filepath.Join(f.dir, container)
	if err := os.MkdirAll(home, 0o755); err != nil {
		return "", fmt.Errorf("fake backend: %w", err)
	}
	return home, nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}

func (f *Fake) WriteFile(ctx context.Context, c *runner.Container, path string, data []byte) error {
	f.record("write %s:%s", c.Name, path)
	return f.handle(c)
}

// RemoveContainer removes a container, unless it is the one Leak names.
func (f *Fake) RemoveContainer(ctx context.Context, c *runner.Container) error {
	f.record("remove-container %s", c.Name)
	return f.remove("container/"+c.Name, c.ID == fakeID("container", c.Name))
}

// RemoveNetwork removes a network, unless it is the one Leak names.
func (f *Fake) RemoveNetwork(ctx context.Context, n *runner.Network) error {
	f.record("remove-network %s", n.Name)
	return f.remove("network/"+n.Name, n.ID == fakeID("network", n.Name))
}

func (f *Fake) remove(key string, ours bool) error {
	if !ours {
		return fmt.Errorf("fake backend: %s is not a handle it returned", key)
	}
	f.mu.Lock()
	if key != f.Leak {
		delete(f.live, key)
	}
	f.mu.Unlock()
	return f.save()
}

func (f *Fake) Snapshot(ctx context.Context) ([]string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []string
	for k := range f.live {
		out = append(out, k)
	}
	return out, nil
}

var _ runner.Backend = (*Fake)(nil)
