package env

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/image"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/report"
)

// fakePrebootEngine is the engine as a pre-booted start sees it, in memory.
type fakePrebootEngine struct {
	prebootDocker // what a start does not use: calling it panics

	mu         sync.Mutex
	images     map[string]string // name -> ID
	preboots   []image.Summary
	network    *network.Inspect // nil: no kind network
	containers map[string]*container.InspectResponse
	// onRun, when set, is what docker run does after creating the
	// container (running, on its address); its error is docker run's.
	onRun func(c *container.InspectResponse) error
	// kubeletRestarts is what systemd in the node says of its kubelet.
	kubeletRestarts int
	calls           []string
}

func (f *fakePrebootEngine) called(format string, args ...any) {
	f.calls = append(f.calls, fmt.Sprintf(format, args...))
}

func (f *fakePrebootEngine) ImageInspect(_ context.Context, name string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.images[name]
	if !ok {
		return client.ImageInspectResult{}, fmt.Errorf("no such image: %s: %w", name, cerrdefs.ErrNotFound)
	}
	return client.ImageInspectResult{InspectResponse: image.InspectResponse{ID: id}}, nil
}

func (f *fakePrebootEngine) ImageList(_ context.Context, o client.ImageListOptions) (client.ImageListResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []image.Summary
	for _, im := range f.preboots {
		match := true
		for want := range o.Filters["label"] {
			k, v, hasValue := strings.Cut(want, "=")
			got, ok := im.Labels[k]
			match = match && ok && (!hasValue || got == v)
		}
		if match {
			out = append(out, im)
		}
	}
	return client.ImageListResult{Items: out}, nil
}

func (f *fakePrebootEngine) NetworkInspect(_ context.Context, name string, _ client.NetworkInspectOptions) (client.NetworkInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.network == nil || name != kindNetwork {
		return client.NetworkInspectResult{}, fmt.Errorf("network %s not found: %w", name, cerrdefs.ErrNotFound)
	}
	n := *f.network
	return client.NetworkInspectResult{Network: n}, nil
}

func (f *fakePrebootEngine) NetworkCreate(_ context.Context, name string, o client.NetworkCreateOptions) (client.NetworkCreateResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("network create %s %v", name, o.IPAM.Config)
	if f.network != nil {
		return client.NetworkCreateResult{}, fmt.Errorf("network %s exists: %w", name, cerrdefs.ErrConflict)
	}
	f.network = &network.Inspect{Network: network.Network{Name: name, Labels: o.Labels, IPAM: *o.IPAM}, Containers: map[string]network.EndpointResource{}}
	return client.NetworkCreateResult{ID: name}, nil
}

func (f *fakePrebootEngine) NetworkRemove(_ context.Context, name string, _ client.NetworkRemoveOptions) (client.NetworkRemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("network rm %s", name)
	if f.network == nil {
		return client.NetworkRemoveResult{}, cerrdefs.ErrNotFound
	}
	f.network = nil
	return client.NetworkRemoveResult{}, nil
}

func (f *fakePrebootEngine) runNode(_ context.Context, args []string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	flag := func(name string) string {
		for i, a := range args[:len(args)-1] {
			if a == name {
				return args[i+1]
			}
		}
		return ""
	}
	name, ip := flag("--name"), netip.MustParseAddr(flag("--ip"))
	f.called("run %s %s %s", name, ip, args[len(args)-1])
	if f.network == nil {
		return errors.New("network kind not found")
	}
	for _, e := range f.network.Containers {
		if e.IPv4Address.Addr() == ip {
			return fmt.Errorf("Address already in use: %s", ip)
		}
	}
	c := &container.InspectResponse{Name: "/" + name, State: &container.State{Status: container.StateRunning, Running: true}}
	f.containers[name] = c
	f.network.Containers[name] = network.EndpointResource{Name: name, IPv4Address: netip.PrefixFrom(ip, 16)}
	if f.onRun != nil {
		return f.onRun(c)
	}
	return nil
}

func (f *fakePrebootEngine) ContainerInspect(_ context.Context, name string, _ client.ContainerInspectOptions) (client.ContainerInspectResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c, ok := f.containers[name]
	if !ok {
		return client.ContainerInspectResult{}, fmt.Errorf("no such container: %s: %w", name, cerrdefs.ErrNotFound)
	}
	return client.ContainerInspectResult{Container: *c}, nil
}

func (f *fakePrebootEngine) exec(_ context.Context, name string, _ time.Duration, cmd ...string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if c, ok := f.containers[name]; !ok || !c.State.Running {
		return "", fmt.Errorf("container %s is not running: %w", name, cerrdefs.ErrConflict)
	}
	if strings.Join(cmd, " ") == "systemctl show kubelet --property=NRestarts --value" {
		return fmt.Sprintln(f.kubeletRestarts), nil
	}
	return "", fmt.Errorf("exec %q: exit status 127", cmd)
}

func (f *fakePrebootEngine) ContainerRemove(_ context.Context, name string, o client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.called("rm force=%v volumes=%v %s", o.Force, o.RemoveVolumes, name)
	if _, ok := f.containers[name]; !ok {
		return client.ContainerRemoveResult{}, cerrdefs.ErrNotFound
	}
	delete(f.containers, name)
	if f.network != nil {
		delete(f.network.Containers, name)
	}
	return client.ContainerRemoveResult{}, nil
}

// fakeKube is the cluster's side: kind's kubeconfig and delete, and the
// API server's answers, as the test sets them.
type fakeKube struct {
	mu                  sync.Mutex
	exported, discarded int
	waitedReady         bool
	// onAnswers and onReady stand for the waits; nil means at once.
	onAnswers, onReady func(ctx context.Context) error
}

func (k *fakeKube) exportKubeconfig(*Cluster) error {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.exported++
	return nil
}

func (k *fakeKube) discard(context.Context, *Cluster) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.discarded++
}

func (k *fakeKube) answers(ctx context.Context, _, _ string) error {
	k.mu.Lock()
	f := k.onAnswers
	k.mu.Unlock()
	if f != nil {
		return f(ctx)
	}
	return nil
}

func (k *fakeKube) schedulable(ctx context.Context, _, _ string, _ time.Time) error {
	k.mu.Lock()
	k.waitedReady = true
	f := k.onReady
	k.mu.Unlock()
	if f != nil {
		return f(ctx)
	}
	return nil
}

// waitFor blocks until ctx ends, like a poll that never succeeds.
func waitFor(ctx context.Context) error {
	<-ctx.Done()
	return fmt.Errorf("still waiting: %w", ctx.Err())
}

const (
	fakeNodeImage = "advent.local/kind-node:v1.37.2"
	fakeLab       = "lab"
	fakeLabNode   = fakeLab + "-control-plane"
)

var (
	fakeSubnet = netip.MustParsePrefix("172.18.0.0/16")
	fakeIP     = netip.MustParseAddr("172.18.0.2")
)

// prebootFixture is a host with a node image, a loaded image and a
// pre-booted image that matches them, and no kind network.
func prebootFixture(t *testing.T) (*prebooter, *fakePrebootEngine, *fakeKube, ClusterOptions) {
	t.Helper()
	t.Setenv("XDG_STATE_HOME", t.TempDir()) // the cluster's record
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"} {
		t.Setenv(v, "")
		unsetForTest(t, v)
	}
	d := &fakePrebootEngine{images: map[string]string{fakeNodeImage: "sha256:node", "nginx:alpine": "sha256:nginx"},
		containers: map[string]*container.InspectResponse{}}
	k := &fakeKube{}
	p := &prebooter{docker: d, kube: k, firstAnswer: time.Hour, watchEvery: time.Millisecond}
	o := ClusterOptions{Name: fakeLab, Image: fakeNodeImage, LoadImages: []string{"nginx:alpine"}, Preboot: true}
	key, err := p.key(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	d.preboots = []image.Summary{prebootSummary(t, key, time.Now().Add(-time.Hour))}
	return p, d, k, o
}

// prebootSummary is a pre-booted image of fakeLab with key, booted then.
func prebootSummary(t *testing.T, key string, booted time.Time) image.Summary {
	t.Helper()
	rec, err := json.Marshal(prebootNode{Cluster: fakeLab, Node: fakeLabNode, IP: fakeIP, Subnet: fakeSubnet, Booted: booted, NodeImage: fakeNodeImage})
	if err != nil {
		t.Fatal(err)
	}
	return image.Summary{RepoTags: []string{prebootTag(fakeLab, key)},
		Labels: map[string]string{prebootKeyLabel: key, prebootNodeLabel: string(rec)}}
}

func newFakeCluster(t *testing.T) *Cluster {
	return &Cluster{Name: fakeLab, Kubeconfig: filepath.Join(t.TempDir(), "kubeconfig"),
		Start: report.ClusterStart{Cluster: fakeLab, By: report.ByKind}}
}

// kindNetworkOn is a kind network on subnet, with containers at addrs.
func kindNetworkOn(labels map[string]string, subnet netip.Prefix, addrs ...netip.Addr) *network.Inspect {
	n := &network.Inspect{Network: network.Network{Name: kindNetwork, Labels: labels,
		IPAM: network.IPAM{Config: []network.IPAMConfig{{Subnet: kindIPv6Subnet}, {Subnet: subnet}}}},
		Containers: map[string]network.EndpointResource{}}
	for i, a := range addrs {
		n.Containers[fmt.Sprint("other", i)] = network.EndpointResource{IPv4Address: netip.PrefixFrom(a, subnet.Bits())}
	}
	return n
}

var adventLabel = map[string]string{kindNetworkLabel: "1"}

// Each reason kind creates the cluster instead is said in Cluster.Start,
// and what the start made is removed; only the end of ctx is an error
// that stops creation.
func TestPrebootFallsBack(t *testing.T) {
	for _, tc := range []struct {
		name string
		set  func(t *testing.T, p *prebooter, d *fakePrebootEngine, k *fakeKube, o *ClusterOptions)
		want error
		// ran: docker run was tried (the node must be gone); discarded:
		// the cluster was handed to kind's cleanup.
		ran, discarded bool
	}{{
		name: "custom kind config",
		set: func(_ *testing.T, _ *prebooter, _ *fakePrebootEngine, _ *fakeKube, o *ClusterOptions) {
			o.Config = []byte("kind: Cluster")
		},
		want: errNoPreboot,
	}, {
		name: "no image",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, _ *fakeKube, _ *ClusterOptions) {
			d.preboots = nil
		},
		want: errNoImage,
	}, {
		name: "key mismatch",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, _ *fakeKube, _ *ClusterOptions) {
			d.images["nginx:alpine"] = "sha256:nginx-rebuilt"
		},
		want: errNoImage,
	}, {
		name: "too old",
		set: func(t *testing.T, p *prebooter, d *fakePrebootEngine, _ *fakeKube, o *ClusterOptions) {
			key, _ := p.key(context.Background(), *o)
			d.preboots = []image.Summary{prebootSummary(t, key, time.Now().Add(-prebootMaxAge-time.Hour))}
		},
		want: errTooOld,
	}, {
		name: "address taken",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, _ *fakeKube, _ *ClusterOptions) {
			d.network = kindNetworkOn(adventLabel, fakeSubnet, fakeIP)
		},
		want: errAddressTaken, discarded: true,
	}, {
		name: "kind network in use on another subnet",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, _ *fakeKube, _ *ClusterOptions) {
			d.network = kindNetworkOn(nil, netip.MustParsePrefix("172.19.0.0/16"), netip.MustParseAddr("172.19.0.2"))
		},
		want: errKindNetwork, discarded: true,
	}, {
		name: "node start fails",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, _ *fakeKube, _ *ClusterOptions) {
			d.onRun = func(c *container.InspectResponse) error {
				c.State = &container.State{Status: container.StateCreated}
				return errors.New("docker: Error response from daemon: failed to set up container networking")
			}
		},
		want: errNodeStart, ran: true, discarded: true,
	}, {
		name: "node exits",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, k *fakeKube, _ *ClusterOptions) {
			d.onRun = func(c *container.InspectResponse) error {
				c.State = &container.State{Status: container.StateExited, ExitCode: 255}
				return nil
			}
			k.onAnswers = waitFor // only the watch can end the wait
		},
		want: errNodeDown, ran: true, discarded: true,
	}, {
		name: "kubelet keeps failing",
		set: func(_ *testing.T, _ *prebooter, d *fakePrebootEngine, k *fakeKube, _ *ClusterOptions) {
			d.kubeletRestarts = kubeletRestartsMax
			k.onAnswers = waitFor // only the watch can end the wait
		},
		want: errNotUp, ran: true, discarded: true,
	}, {
		name: "API server never answers",
		set: func(_ *testing.T, p *prebooter, _ *fakePrebootEngine, k *fakeKube, _ *ClusterOptions) {
			p.firstAnswer = 10 * time.Millisecond
			k.onAnswers = waitFor
		},
		want: errNotUp, ran: true, discarded: true,
	}, {
		name: "node never Ready",
		set: func(_ *testing.T, _ *prebooter, _ *fakePrebootEngine, k *fakeKube, o *ClusterOptions) {
			o.Wait = 10 * time.Millisecond
			k.onReady = waitFor
		},
		want: errNotUp, ran: true, discarded: true,
	}} {
		t.Run(tc.name, func(t *testing.T) {
			p, d, k, o := prebootFixture(t)
			tc.set(t, p, d, k, &o)
			c := newFakeCluster(t)
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			err := p.start(ctx, c, o)
			if !errors.Is(err, tc.want) {
				t.Fatalf("start = %v, want %v", err, tc.want)
			}
			if c.Start.By != report.ByKind || c.Start.Fallback != err.Error() {
				t.Errorf("Start = %+v, want by kind, fallback %q", c.Start, err)
			}
			checkCleanup(t, d, k, tc.ran, tc.discarded)
		})
	}
}

// checkCleanup checks that a failed start removed its node (when it ran
// one) and handed the cluster to kind's cleanup when it got that far.
func checkCleanup(t *testing.T, d *fakePrebootEngine, k *fakeKube, ran, discarded bool) {
	t.Helper()
	d.mu.Lock()
	defer d.mu.Unlock()
	calls := strings.Join(d.calls, "\n")
	if got := strings.Contains(calls, "run "+fakeLabNode); got != ran {
		t.Errorf("docker run tried: %v, want %v; calls:\n%s", got, ran, calls)
	}
	if _, ok := d.containers[fakeLabNode]; ok {
		t.Errorf("node %s left behind; calls:\n%s", fakeLabNode, calls)
	}
	if ran && !strings.Contains(calls, "rm force=true volumes=true "+fakeLabNode) {
		t.Errorf("node not removed with its volumes; calls:\n%s", calls)
	}
	if want := map[bool]int{true: 1, false: 0}[discarded]; k.discarded != want {
		t.Errorf("kind's cleanup ran %d times, want %d", k.discarded, want)
	}
}

// A cancelled run stops: an error, not a fallback, and the node is
// removed all the same.
func TestPrebootCancelled(t *testing.T) {
	p, d, k, o := prebootFixture(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	k.onAnswers = func(wctx context.Context) error {
		cancel()
		return waitFor(wctx)
	}
	c := newFakeCluster(t)
	err := p.start(ctx, c, o)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("start = %v, want context.Canceled", err)
	}
	for _, reason := range []error{errNoPreboot, errNoImage, errTooOld, errKindNetwork, errAddressTaken, errNodeStart, errNodeDown, errNotUp} {
		if errors.Is(err, reason) {
			t.Errorf("start = %v: a fallback (%v), want only the cancellation", err, reason)
		}
	}
	if c.Start.Fallback != "" {
		t.Errorf("Start.Fallback = %q, want none", c.Start.Fallback)
	}
	checkCleanup(t, d, k, true, true)
}

// A start from a matching image: the kind network is made on the node's
// subnet (an unused one kind made is made again), the node runs on its
// address, and Start says which image it came from. With a negative Wait
// the node's Ready is not waited for, as kind does not wait for it.
func TestPrebootStarts(t *testing.T) {
	for _, tc := range []struct {
		name      string
		network   *network.Inspect
		wait      time.Duration
		waitReady bool
	}{
		{name: "no kind network", waitReady: true},
		{name: "unused kind network of kind's", network: kindNetworkOn(nil, netip.MustParsePrefix("172.19.0.0/16")), waitReady: true},
		{name: "advent's network, no wait", network: kindNetworkOn(adventLabel, fakeSubnet), wait: -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p, d, k, o := prebootFixture(t)
			d.network, o.Wait = tc.network, tc.wait
			c := newFakeCluster(t)
			if err := p.start(context.Background(), c, o); err != nil {
				t.Fatalf("start: %v", err)
			}
			want := report.ClusterStart{Cluster: fakeLab, By: report.FromPreboot, Image: d.preboots[0].RepoTags[0]}
			if got := c.Start; got.Cluster != want.Cluster || got.By != want.By || got.Image != want.Image || got.Fallback != "" || got.Booted.IsZero() {
				t.Errorf("Start = %+v, want %+v", got, want)
			}
			st, _ := inspectKindNetwork(context.Background(), d)
			if sub, ok := st.subnetOf(fakeIP); !ok || sub != fakeSubnet || !st.advent || !slices.Contains(st.addrs, fakeIP) {
				t.Errorf("kind network %+v: want advent's, on %s, with the node at %s", st, fakeSubnet, fakeIP)
			}
			if c.createdNetwork != (tc.network == nil || tc.network.Labels[kindNetworkLabel] == "") {
				t.Errorf("createdNetwork = %v", c.createdNetwork)
			}
			if k.exported != 1 || k.discarded != 0 || k.waitedReady != tc.waitReady {
				t.Errorf("kubeconfig exported %d, discarded %d, waited for Ready %v; want 1, 0, %v", k.exported, k.discarded, k.waitedReady, tc.waitReady)
			}
		})
	}
}

// Only layer blobs (a containerd.io/uncompressed label and no gc.ref) are
// dropped from a pre-booted node; manifests, configs and unlabelled blobs
// stay.
func TestUnpackedLayers(t *testing.T) {
	ls := `DIGEST									SIZE	AGE		LABELS
sha256:aaa	42.86MB	2 minutes	containerd.io/uncompressed=sha256:080d
sha256:bbb	582B	2 minutes	containerd.io/gc.ref.content.config=sha256:f556,containerd.io/gc.ref.content.l.1=sha256:edf7
sha256:ccc	4.187kB	2 minutes	containerd.io/gc.ref.snapshot.overlayfs=sha256:e53f
sha256:ddd	235.5kB	2 minutes	containerd.io/uncompressed=sha256:c728
sha256:eee	4.218kB	2 minutes	-
`
	got, size := unpackedLayers(ls)
	if strings.Join(got, " ") != "sha256:aaa sha256:ddd" || size != 42860000+235500 {
		t.Errorf("unpackedLayers = %v, %d", got, size)
	}
}

// A pre-booted image takes from the node's changes the topmost added paths, the
// changed files (not the directories above them) and the topmost deleted
// paths, never the volume, tmpfs or Docker-managed files.
func TestRootChanges(t *testing.T) {
	diff := []container.FilesystemChange{
		{Kind: container.ChangeModify, Path: "/etc"},
		{Kind: container.ChangeAdd, Path: "/etc/kubernetes"},
		{Kind: container.ChangeAdd, Path: "/etc/kubernetes/admin.conf"},
		{Kind: container.ChangeAdd, Path: "/etc/kubernetes/pki"},
		{Kind: container.ChangeAdd, Path: "/etc/kubernetes/pki/ca.crt"},
		{Kind: container.ChangeModify, Path: "/etc/hosts"},
		{Kind: container.ChangeModify, Path: "/etc/machine-id"},
		{Kind: container.ChangeModify, Path: "/kind"},
		{Kind: container.ChangeModify, Path: "/kind/version"},
		{Kind: container.ChangeDelete, Path: "/usr/share/doc"},
		{Kind: container.ChangeDelete, Path: "/usr/share/doc/x"},
		{Kind: container.ChangeModify, Path: "/var"},
		{Kind: container.ChangeAdd, Path: "/var/lib/etcd"},
		{Kind: container.ChangeModify, Path: "/run/x"},
		{Kind: container.ChangeAdd, Path: "/tmp/y"},
	}
	copyOut, deleted := rootChanges(diff)
	if got := strings.Join(copyOut, " "); got != "/etc/kubernetes /etc/machine-id /kind/version" {
		t.Errorf("copy out %q", got)
	}
	if got := strings.Join(deleted, " "); got != "/usr/share/doc" {
		t.Errorf("deleted %q", got)
	}
}

// The writable snapshots are the upper directories of the Active ones.
func TestUpperIDs(t *testing.T) {
	mounts := `mount -t overlay overlay /advent-preboot -o index=off,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/17/work,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/17/fs,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs:/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/9/fs
mount -t overlay overlay /advent-preboot -o index=off,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/38/work,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/38/fs,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs
`
	got := upperIDs(mounts)
	if len(got) != 2 || !got["17"] || !got["38"] {
		t.Errorf("upperIDs = %v, want 17 and 38", got)
	}
}

// The /var archive of a pre-booted image leaves out the dropped blobs and
// etcd's preallocated WAL file, and moves the read-only snapshots to the
// root file system behind a symlink each; writable ones, and everything
// else, stay where they were.
func TestVarLayout(t *testing.T) {
	const snaps = "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/"
	v := varLayout{skip: map[string]bool{"var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/aaa": true}, uppers: map[string]bool{"17": true}}
	in := []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "var/"},
		{Typeflag: tar.TypeReg, Name: "var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/aaa"},
		{Typeflag: tar.TypeReg, Name: "var/lib/etcd/member/wal/0.tmp"},
		{Typeflag: tar.TypeReg, Name: "var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal"},
		{Typeflag: tar.TypeDir, Name: snaps},
		{Typeflag: tar.TypeReg, Name: "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db"},
		{Typeflag: tar.TypeDir, Name: snaps + "12/"},
		{Typeflag: tar.TypeReg, Name: snaps + "12/fs/bin/sh"},
		{Typeflag: tar.TypeLink, Name: snaps + "12/fs/bin/ash", Linkname: snaps + "12/fs/bin/sh"},
		{Typeflag: tar.TypeDir, Name: snaps + "13/"},
		{Typeflag: tar.TypeDir, Name: snaps + "17/"},
		{Typeflag: tar.TypeReg, Name: snaps + "17/fs/etc/hosts"},
		{Typeflag: tar.TypeLink, Name: snaps + "17/fs/bin/sh", Linkname: snaps + "12/fs/bin/sh"},
	}
	var got []string
	for _, h := range in {
		for _, w := range v.rewrite(h) {
			s := string(w.Typeflag) + " " + w.Name
			if w.Linkname != "" {
				s += " -> " + w.Linkname
			}
			got = append(got, s)
		}
	}
	want := []string{
		"5 var/",
		"0 var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal",
		"5 " + snaps,
		"0 var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db",
		"5 opt/", "5 opt/advent-preboot/", "5 opt/advent-preboot/snapshots/",
		"2 " + snaps + "12 -> /opt/advent-preboot/snapshots/12",
		"5 opt/advent-preboot/snapshots/12/",
		"0 opt/advent-preboot/snapshots/12/fs/bin/sh",
		"1 opt/advent-preboot/snapshots/12/fs/bin/ash -> opt/advent-preboot/snapshots/12/fs/bin/sh",
		"2 " + snaps + "13 -> /opt/advent-preboot/snapshots/13",
		"5 opt/advent-preboot/snapshots/13/",
		"5 " + snaps + "17/",
		"0 " + snaps + "17/fs/etc/hosts",
		"1 " + snaps + "17/fs/bin/sh -> opt/advent-preboot/snapshots/12/fs/bin/sh",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rewritten entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
