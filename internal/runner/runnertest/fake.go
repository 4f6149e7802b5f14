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
// Clusters are kubeconfig files, containers exist in name only, Exec runs
// bash on the host, in a directory of its own for each container.
type Fake struct {
	Images     map[string]bool // images ImageAvailable reports
	Leak       string          // a resource Teardown "forgets", e.g. container/box
	CreateErr  error           // CreateCluster fails with it
	CreateWait time.Duration   // CreateCluster takes this long
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

// Adopt takes over a kept environment and lists what no longer exists.
func (f *Fake) Adopt(ctx context.Context, k *runner.Kept) ([]*runner.Cluster, []string, error) {
	f.record("adopt %s", k.Lab)
	f.mu.Lock()
	defer f.mu.Unlock()
	var missing []string
	var clusters []*runner.Cluster
	for _, c := range k.Clusters {
		if !f.live["cluster/"+c] {
			missing = append(missing, "cluster/"+c)
			continue
		}
		clusters = append(clusters, &runner.Cluster{Name: c, Kubeconfig: k.Kubeconfigs[c]})
	}
	for _, c := range k.Containers {
		if !f.live["container/"+c] {
			missing = append(missing, "container/"+c)
		}
	}
	return clusters, missing, nil
}

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
	return &runner.Info{Mode: images.AirGapped, Kubernetes: k, NodeImage: "fake/node:" + k, LoadImages: l.Resources.Images,
		Versions: report.Versions{Kind: "v0.33.0"}, StandIns: []string{"nginx:alpine"},
		Images: []report.Image{{Name: "nginx:alpine", ID: "sha256:1", StandIn: true}}}, nil
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

func (f *Fake) CreateNetwork(ctx context.Context, n lab.Network) error {
	f.record("create-network %s", n.Name)
	f.mu.Lock()
	f.live["network/"+n.Name] = true
	f.mu.Unlock()
	return f.save()
}

func (f *Fake) StartContainer(ctx context.Context, c lab.Container) error {
	f.record("start-container %s", c.Name)
	f.mu.Lock()
	f.live["container/"+c.Name] = true
	f.mu.Unlock()
	return f.save()
}

// Exec runs script with bash on the host, in the container's directory,
// with the container's shell state kept there instead of at
// runner.ContainerStateDir (a path on the host shared by every test).
func (f *Fake) Exec(ctx context.Context, container, script string, out io.Writer) (int, error) {
	f.record("exec %s", container)
	home, err := f.containerDir(container)
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

func (f *Fake) WriteFile(ctx context.Context, container, path string, data []byte) error {
	f.record("write %s:%s", container, path)
	return nil
}

func (f *Fake) ImageAvailable(ctx context.Context, image string) bool { return f.Images[image] }

func (f *Fake) Teardown(ctx context.Context) error {
	f.record("teardown")
	defer f.save()
	f.mu.Lock()
	defer f.mu.Unlock()
	for k := range f.live {
		if k != "container/unrelated" && strings.HasPrefix(k, "container/") || strings.HasPrefix(k, "network/") {
			if k != f.Leak {
				delete(f.live, k)
			}
		}
	}
	return nil
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
