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
// bash on the host.
type Fake struct {
	Images     map[string]bool // images ImageAvailable reports
	Leak       string          // a resource Teardown "forgets", e.g. container/box
	CreateErr  error           // CreateCluster fails with it
	CreateWait time.Duration   // CreateCluster takes this long

	mu        sync.Mutex
	creating  int // clusters being created now
	maxCreate int // the most at once
	calls     []string
	live      map[string]bool // what Snapshot reports
	specs     map[string]runner.ClusterSpec
	statePath string // where live is saved between processes ("" keeps it in memory)
}

// NewPersistent returns a Fake whose resources outlive the process: what
// exists is saved in the file path (a JSON list) after every change and
// read back by the next NewPersistent, as Docker keeps containers between
// advent processes. Tests of the real binary use it (kept environments).
func NewPersistent(path string) (*Fake, error) {
	f := New()
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
func (f *Fake) Adopt(ctx context.Context, k *runner.Kept) ([]string, error) {
	f.record("adopt %s", k.Lab)
	f.mu.Lock()
	defer f.mu.Unlock()
	var missing []string
	for _, c := range k.Clusters {
		if !f.live["cluster/"+c] {
			missing = append(missing, "cluster/"+c)
		}
	}
	for _, c := range k.Containers {
		if !f.live["container/"+c] {
			missing = append(missing, "container/"+c)
		}
	}
	return missing, nil
}

// New returns a Fake whose machine already has one unrelated container.
func New() *Fake {
	return &Fake{live: map[string]bool{"container/unrelated": true}, Images: map[string]bool{}}
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
	return &runner.Info{Mode: images.AirGapped, Kubernetes: k, NodeImage: "fake/node:" + k, LoadImages: l.Env.Images,
		Versions: report.Versions{Kind: "v0.33.0"}, StandIns: []string{"nginx:alpine"},
		Images: []report.Image{{Name: "nginx:alpine", ID: "sha256:1", StandIn: true}}}, nil
}

// Specs are the specs CreateCluster was given, by cluster name.
func (f *Fake) Specs() map[string]runner.ClusterSpec {
	f.mu.Lock()
	defer f.mu.Unlock()
	return maps.Clone(f.specs)
}

func (f *Fake) CreateCluster(ctx context.Context, spec runner.ClusterSpec, log io.Writer) error {
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
			return ctx.Err()
		}
	}
	if f.CreateErr != nil {
		return f.CreateErr
	}
	f.mu.Lock()
	f.live["cluster/"+name] = true
	f.mu.Unlock()
	if err := f.save(); err != nil {
		return err
	}
	return os.WriteFile(kubeconfig, []byte("current-context: kind-"+name+"\n"), 0o600)
}

func (f *Fake) DeleteCluster(ctx context.Context, name string, log io.Writer) error {
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

func (f *Fake) Exec(ctx context.Context, container, script string, out io.Writer) (int, error) {
	f.record("exec %s", container)
	cmd := exec.CommandContext(ctx, "bash", "-c", script)
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	if ctx.Err() != nil {
		return -1, ctx.Err()
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	return 0, err
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

var (
	_ runner.Backend = (*Fake)(nil)
	_ runner.Adopter = (*Fake)(nil)
)
