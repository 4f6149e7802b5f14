// Package env is what a lab runs in: kind clusters through kind's Go API,
// containers and networks through testcontainers-go, snapshots of Docker
// (for the leak check), owner labels and records (to reap what killed runs
// left), pre-booted clusters (preboot.go), and DockerBackend, the
// runner.Backend made of them. CreateCluster returns what it did and the
// backend keeps no per-cluster state (docs/architecture.md). Cluster
// creation honours ctx although kind does not: on cancellation the cluster
// is deleted on a detached context with its own timeout.
package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/moby/moby/client"
	"k8s.io/apimachinery/pkg/util/version"
	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/cluster/nodes"
	"sigs.k8s.io/kind/pkg/cluster/nodeutils"
	"sigs.k8s.io/kind/pkg/log"

	"github.com/sysadvent/advent/internal/report"
)

// Defaults for ClusterOptions.
const (
	DefaultWait = 3 * time.Minute
	// cleanupTimeout bounds deleting a cluster after cancellation.
	cleanupTimeout = 3 * time.Minute
	// kindNetwork is the Docker network kind puts every node on.
	kindNetwork = "kind"
	// kindClusterLabel is the label kind puts on node containers.
	kindClusterLabel = "io.x-k8s.kind.cluster"
)

// ClusterOptions configures CreateCluster.
type ClusterOptions struct {
	// Name of the kind cluster; required (lowercase letters, digits, '-').
	Name string
	// Image is the node image, e.g. images.NodeImage(mode, "v1.37.2").
	// Empty means kind's default, which needs a registry.
	Image string
	// Kubeconfig is the file the cluster's kubeconfig is written to. Empty
	// means a new file in os.TempDir(), removed by Delete. ~/.kube/config is
	// never touched unless named here.
	Kubeconfig string
	// Wait is how long to wait for the control plane to be Ready; 0 means
	// DefaultWait, negative means not at all.
	Wait time.Duration
	// LoadImages are host images loaded into every node, like `kind load
	// docker-image`: while the control plane starts (saved from the host
	// at once, imported into each node as soon as its containerd answers),
	// and into any node that lacks them once the cluster is Ready.
	LoadImages []string
	// Config is a raw kind cluster config (kind.x-k8s.io/v1alpha4). Empty
	// means one control-plane node, with failCgroupV1: false for the
	// kubelet on cgroup v1 hosts.
	Config []byte
	// Preboot starts the cluster from its pre-booted image (see Preboot)
	// when one matches, instead of creating it with kind; without one, or
	// when starting it fails, kind creates the cluster as usual.
	Preboot bool
	// Log receives kind's progress messages; nil discards them.
	Log io.Writer
}

// Cluster is a kind cluster created by CreateCluster.
type Cluster struct {
	Name       string
	Image      string
	Kubeconfig string
	// CreateTime is how long creating the nodes took, up to the control
	// plane's Ready; LoadTime how long loading LoadImages into them took
	// (from saving them on the host to the last import; it overlaps
	// CreateTime).
	CreateTime, LoadTime time.Duration
	// Start is how the cluster came up: created by kind (with why no
	// pre-booted image was used, when ClusterOptions.Preboot asked for
	// one) or started from a pre-booted image.
	Start report.ClusterStart

	provider       *cluster.Provider
	ownKubeconfig  bool // Kubeconfig was made by CreateCluster
	createdNetwork bool // the kind network did not exist before
}

var clusterName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`)

// CreateCluster creates a kind cluster on Docker, waits for it and loads
// o.LoadImages into its nodes. On any error, including cancellation of ctx,
// nothing of the cluster is left behind.
func CreateCluster(ctx context.Context, o ClusterOptions) (*Cluster, error) {
	if !clusterName.MatchString(o.Name) || len(o.Name) > 50 {
		return nil, fmt.Errorf("create kind cluster: bad name %q (lowercase letters, digits and '-')", o.Name)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
	}
	c := &Cluster{Name: o.Name, Image: o.Image, Start: report.ClusterStart{Cluster: o.Name, By: report.ByKind}}
	if err := c.setKubeconfig(o.Kubeconfig); err != nil {
		return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
	}
	var logger log.Logger = log.NoopLogger{}
	if o.Log != nil {
		logger = &writerLogger{w: o.Log}
	}
	c.provider = cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(logger))

	existing, err := c.provider.List()
	if err != nil {
		return nil, fmt.Errorf("create kind cluster %s: list clusters: %w", o.Name, err)
	}
	for _, n := range existing {
		if n == o.Name {
			if err := claimExisting(ctx, c.provider, o.Name, o.Log); err != nil {
				return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
			}
		}
	}
	hadNetwork, err := networkExists(ctx, kindNetwork)
	if err != nil {
		return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
	}
	c.createdNetwork = !hadNetwork

	if o.Preboot {
		err := startPrebooted(ctx, c, o)
		if err == nil {
			return c, nil
		}
		if ctx.Err() != nil {
			return nil, err
		}
		// kind creates the cluster; c.Start.Fallback says why.
	}
	opts := createOptions(o, c.Kubeconfig)
	if err := writeClusterRecord(o.Name, c.Kubeconfig, Self()); err != nil {
		return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
	}
	begin := time.Now()
	var early *earlyLoad
	if len(o.LoadImages) > 0 {
		early = c.startEarlyLoad(ctx, o.LoadImages)
	}
	errc := make(chan error, 1)
	go func() { errc <- c.provider.Create(o.Name, opts...) }()
	select {
	case err := <-errc:
		if err != nil {
			early.stop()
			// kind deletes a cluster it failed to create; the network stays.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			defer cancel()
			c.cleanupAfterFailure(cctx, nil)
			return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
		}
	case <-ctx.Done():
		early.stop()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		c.cleanupAfterFailure(cctx, errc)
		return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, ctx.Err())
	}

	c.CreateTime = time.Since(begin)
	if early != nil {
		if err := early.finish(ctx); err != nil {
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
			defer cancel()
			c.cleanupAfterFailure(cctx, nil)
			return nil, fmt.Errorf("create kind cluster %s: %w", o.Name, err)
		}
		c.LoadTime = time.Since(early.begin)
	}
	return c, nil
}

// setKubeconfig makes path absolute, or picks a temporary file (removed
// with the cluster) when it is empty; kind writes it.
func (c *Cluster) setKubeconfig(path string) error {
	if path != "" {
		if abs, err := filepath.Abs(path); err == nil {
			path = abs
		}
		c.Kubeconfig = path
		return nil
	}
	f, err := os.CreateTemp("", "advent-kind-"+c.Name+"-*.kubeconfig")
	if err != nil {
		return err
	}
	f.Close()
	os.Remove(f.Name()) // kind writes it
	c.Kubeconfig, c.ownKubeconfig = f.Name(), true
	return nil
}

// createOptions are kind's options for creating the cluster o describes,
// its kubeconfig written to kubeconfig.
func createOptions(o ClusterOptions, kubeconfig string) []cluster.CreateOption {
	wait := o.Wait
	if wait == 0 {
		wait = DefaultWait
	}
	if wait < 0 {
		wait = 0
	}
	raw := o.Config
	if len(raw) == 0 {
		raw = defaultConfig(o.Image, cgroupV1())
	}
	opts := []cluster.CreateOption{
		cluster.CreateWithRawConfig(raw),
		cluster.CreateWithKubeconfigPath(kubeconfig),
		cluster.CreateWithWaitForReady(wait),
		cluster.CreateWithDisplayUsage(false),
		cluster.CreateWithDisplaySalutation(false),
	}
	if o.Image != "" {
		opts = append(opts, cluster.CreateWithNodeImage(o.Image))
	}
	return opts
}

// cleanupAfterFailure deletes what a failed or cancelled Create left. When
// pending is not nil, Create is still running: delete, wait for it to give
// up, and delete again to catch nodes it made in between.
func (c *Cluster) cleanupAfterFailure(ctx context.Context, pending <-chan error) {
	_ = c.deleteNow(ctx)
	if pending != nil {
		select {
		case <-pending:
		case <-ctx.Done():
		}
		_ = c.deleteNow(ctx)
	}
	c.removeNetwork(ctx)
	if c.ownKubeconfig {
		os.Remove(c.Kubeconfig)
	}
	removeClusterRecord(c.Name)
}

// deleteNow runs kind's Delete, bounded by ctx.
func (c *Cluster) deleteNow(ctx context.Context) error {
	return deleteCluster(ctx, c.provider, c.Name, c.Kubeconfig)
}

// Delete deletes the cluster's nodes (and their volumes), its entry in the
// kubeconfig (the file itself when CreateCluster made it) and the kind
// network when this cluster created it and nothing else uses it.
func (c *Cluster) Delete(ctx context.Context) error {
	if err := c.deleteNow(ctx); err != nil {
		return fmt.Errorf("delete kind cluster %s: %w", c.Name, err)
	}
	removeClusterRecord(c.Name)
	c.removeNetwork(ctx)
	if c.ownKubeconfig {
		if err := os.Remove(c.Kubeconfig); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("delete kind cluster %s: %w", c.Name, err)
		}
	}
	return nil
}

// removeNetwork removes the kind network if this cluster created it and no
// container is attached any more (another cluster may share it).
func (c *Cluster) removeNetwork(ctx context.Context) {
	if c.createdNetwork {
		removeKindNetworkIfUnused(ctx)
	}
}

// removeKindNetworkIfUnused removes the kind network when no container is
// attached to it; a failure leaves it for the next reap.
func removeKindNetworkIfUnused(ctx context.Context) {
	if c, err := engine(); err == nil {
		_ = removeUnusedKindNetwork(ctx, dockerEngine{c})
	}
}

// LoadImages loads host images into every node of the cluster, like
// `kind load docker-image`.
func (c *Cluster) LoadImages(ctx context.Context, images ...string) error {
	if len(images) == 0 {
		return nil
	}
	archive, err := saveImages(ctx, images)
	if err != nil {
		return err
	}
	defer os.Remove(archive)
	nodes, err := c.provider.ListInternalNodes(c.Name)
	if err != nil {
		return fmt.Errorf("load images: list nodes: %w", err)
	}
	for _, n := range nodes {
		if err := importArchive(ctx, n, archive); err != nil {
			return fmt.Errorf("load images %s into %s: %w", strings.Join(images, " "), n.String(), err)
		}
	}
	return nil
}

// saveImages writes images into a new archive (docker save) and returns
// its path; the caller removes it.
func saveImages(ctx context.Context, images []string) (string, error) {
	f, err := os.CreateTemp("", "advent-images-*.tar")
	if err != nil {
		return "", fmt.Errorf("load images: %w", err)
	}
	err = writeImages(ctx, f, images)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("load images %s: %w", strings.Join(images, " "), err)
	}
	return f.Name(), nil
}

// saveTimeout bounds saving images from the engine.
const saveTimeout = 10 * time.Minute

// writeImages writes the archive of images, as `docker save` makes it, to w.
func writeImages(ctx context.Context, w io.Writer, images []string) error {
	c, err := engine()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, saveTimeout)
	defer cancel()
	r, err := c.ImageSave(ctx, images)
	if err != nil {
		return fmt.Errorf("docker save: %w", err)
	}
	defer r.Close()
	if _, err := io.Copy(w, r); err != nil {
		return fmt.Errorf("docker save: %w", err)
	}
	return nil
}

// importArchive imports an image archive into a node's containerd,
// bounded by ctx (kind's import is not).
func importArchive(ctx context.Context, n nodes.Node, archive string) error {
	done := make(chan error, 1)
	go func() {
		r, err := os.Open(archive)
		if err != nil {
			done <- err
			return
		}
		defer r.Close()
		done <- nodeutils.LoadImageArchive(n, r)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

// earlyLoad loads images into a cluster's nodes while kind creates it: it
// saves them from the host at once, then imports the archive into each
// node as soon as the node exists and its containerd answers, during
// kubeadm init rather than after Ready.
type earlyLoad struct {
	c      *Cluster
	images []string
	begin  time.Time
	cancel context.CancelFunc
	done   chan struct{}
	// Set by run before done closes.
	archive string
	err     error           // saving failed
	loaded  map[string]bool // nodes that have the images
}

// earlyLoadRetry is how often a node whose containerd does not answer yet
// is tried again.
const earlyLoadRetry = 500 * time.Millisecond

func (c *Cluster) startEarlyLoad(ctx context.Context, images []string) *earlyLoad {
	ctx, cancel := context.WithCancel(ctx)
	e := &earlyLoad{c: c, images: images, begin: time.Now(), cancel: cancel, done: make(chan struct{}), loaded: map[string]bool{}}
	go e.run(ctx)
	return e
}

func (e *earlyLoad) run(ctx context.Context) {
	defer close(e.done)
	if e.archive, e.err = saveImages(ctx, e.images); e.err != nil {
		return
	}
	for ctx.Err() == nil {
		nodes, err := e.c.provider.ListInternalNodes(e.c.Name)
		if err == nil {
			for _, n := range nodes {
				// Not abandoned on cancellation: finish must not start a
				// second import into a node while this one runs.
				if e.loaded[n.String()] {
					continue
				}
				ictx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Minute)
				if importArchive(ictx, n, e.archive) == nil {
					e.loaded[n.String()] = true
				}
				cancel()
			}
		}
		select {
		case <-ctx.Done():
		case <-time.After(earlyLoadRetry):
		}
	}
}

// stop ends the early load and removes its archive (cluster creation
// failed). A nil earlyLoad does nothing.
func (e *earlyLoad) stop() {
	if e == nil {
		return
	}
	e.cancel()
	<-e.done
	if e.archive != "" {
		os.Remove(e.archive)
	}
}

// finish runs once the cluster is Ready: it ends the early load and
// imports the images into every node that does not have them yet.
func (e *earlyLoad) finish(ctx context.Context) error {
	e.cancel()
	<-e.done
	if e.err != nil {
		return e.err
	}
	defer os.Remove(e.archive)
	nodes, err := e.c.provider.ListInternalNodes(e.c.Name)
	if err != nil {
		return fmt.Errorf("load images: list nodes: %w", err)
	}
	for _, n := range nodes {
		if e.loaded[n.String()] {
			continue
		}
		if err := importArchive(ctx, n, e.archive); err != nil {
			return fmt.Errorf("load images %s into %s: %w", strings.Join(e.images, " "), n.String(), err)
		}
	}
	return nil
}

// defaultConfig is a one-node cluster. On cgroup v1 hosts the kubelet
// (v1.31 and newer know the field) is told not to refuse cgroup v1, which
// kubelets from v1.35 on do by default.
//
// The controller manager and the scheduler run without leader election:
// each has one replica, there is nothing to elect, and a control plane
// started again from a pre-booted image would otherwise wait out the lease
// its former self held (15 s) before scheduling a pod. For the same
// reason etcd, one member that elects itself, ticks every 10 ms with an
// election timeout of 100 ms: with the default 100 ms and 1 s a restarted
// member waits up to 2 s before it leads, and the API server waits for
// it. With no peer there is no heartbeat to miss.
func defaultConfig(image string, cgroupV1 bool) []byte {
	cfg := "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n"
	var patches []string
	if p := controlPlanePatch(image); p != "" {
		patches = append(patches, p)
	}
	if cgroupV1 && minorAtLeast(image, 31) {
		patches = append(patches, "kind: KubeletConfiguration\nfailCgroupV1: false\n")
	}
	if len(patches) > 0 {
		cfg += "kubeadmConfigPatches:\n"
		for _, p := range patches {
			cfg += "- |\n  " + strings.ReplaceAll(strings.TrimSuffix(p, "\n"), "\n", "\n  ") + "\n"
		}
	}
	return []byte(cfg)
}

// controlPlanePatch is defaultConfig's ClusterConfiguration patch in the
// kubeadm API version kind v0.33 writes for the image
// (sigs.k8s.io/kind/pkg/cluster/internal/kubeadm.Config): v1beta3, whose
// extraArgs is a map, for v1.23 to v1.35; v1beta4, whose extraArgs is a
// list of name/value pairs that kind merges by name, from v1.36. A patch
// applies only to a document of its own apiVersion.
func controlPlanePatch(image string) string {
	switch {
	case minorAtLeast(image, 36):
		return controlPlaneV1beta4
	case minorAtLeast(image, 23):
		return controlPlaneV1beta3
	}
	return ""
}

const controlPlaneV1beta3 = `apiVersion: kubeadm.k8s.io/v1beta3
kind: ClusterConfiguration
controllerManager:
  extraArgs:
    leader-elect: "false"
scheduler:
  extraArgs:
    leader-elect: "false"
etcd:
  local:
    extraArgs:
      heartbeat-interval: "10"
      election-timeout: "100"
`

const controlPlaneV1beta4 = `apiVersion: kubeadm.k8s.io/v1beta4
kind: ClusterConfiguration
controllerManager:
  extraArgs:
  - name: leader-elect
    value: "false"
scheduler:
  extraArgs:
  - name: leader-elect
    value: "false"
etcd:
  local:
    extraArgs:
    - name: heartbeat-interval
      value: "10"
    - name: election-timeout
      value: "100"
`

// minorAtLeast reports whether image's tag is v1.M.x with M >= min.
func minorAtLeast(image string, min int) bool {
	if at := strings.IndexByte(image, '@'); at >= 0 {
		image = image[:at]
	}
	i := strings.LastIndexByte(image, ':')
	if i < 0 || strings.Contains(image[i:], "/") {
		return false
	}
	v, err := version.ParseGeneric(image[i+1:])
	return err == nil && v.Major() == 1 && v.Minor() >= uint(min)
}

// cgroupV1 reports whether the host uses cgroup v1 (no unified hierarchy).
func cgroupV1() bool {
	_, err := os.Stat("/sys/fs/cgroup/cgroup.controllers")
	return err != nil
}

// networkExists reports whether a Docker network is called name.
func networkExists(ctx context.Context, name string) (bool, error) {
	nets, err := listNetworks(ctx, make(client.Filters).Add("name", name))
	if err != nil {
		return false, err
	}
	for _, n := range nets {
		if n.Name == name {
			return true, nil
		}
	}
	return false, nil
}

// writerLogger adapts an io.Writer to kind's log.Logger (verbosity 0).
type writerLogger struct{ w io.Writer }

func (l *writerLogger) Warn(message string) { fmt.Fprintln(l.w, message) }
func (l *writerLogger) Warnf(format string, args ...interface{}) {
	fmt.Fprintf(l.w, format+"\n", args...)
}
func (l *writerLogger) Error(message string) { fmt.Fprintln(l.w, message) }
func (l *writerLogger) Errorf(format string, args ...interface{}) {
	fmt.Fprintf(l.w, format+"\n", args...)
}
func (l *writerLogger) V(level log.Level) log.InfoLogger {
	if level > 0 {
		return log.NoopInfoLogger{}
	}
	return infoLogger{l.w}
}

type infoLogger struct{ w io.Writer }

func (l infoLogger) Info(message string)                      { fmt.Fprintln(l.w, message) }
func (l infoLogger) Infof(format string, args ...interface{}) { fmt.Fprintf(l.w, format+"\n", args...) }
func (l infoLogger) Enabled() bool                            { return true }
