package env

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/authconfig"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	tclog "github.com/testcontainers/testcontainers-go/log"
	kindcluster "sigs.k8s.io/kind/pkg/cluster"
	kindlog "sigs.k8s.io/kind/pkg/log"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/runner"
)

// DockerOptions configures the real backend.
type DockerOptions struct {
	Mode     string    // "online" or "air-gapped"; "" reads $ADVENT_MODE or detects
	CacheDir string    // image cache of `advent images build` ("" for its default)
	Log      io.Writer // where to say what was chosen (mode...)
	// Preboot starts a cluster from its pre-booted image (`advent lab
	// preboot`) where one matches; without it kind creates every cluster.
	Preboot bool
}

// DockerBackend runs labs on this machine's Docker engine: kind clusters
// through sigs.k8s.io/kind's Go API (internal/env), containers and networks
// through testcontainers-go and Docker's Go client (containers.go). It
// holds the run's settings only: what it creates goes back to the runner
// as handles.
type DockerBackend struct {
	mode     images.Mode
	cacheDir string
	manifest *images.Manifest

	owner   string // OwnerLabel value of what this process creates
	preboot bool   // DockerOptions.Preboot
}

// dockerTimeout bounds one docker CLI call.
const dockerTimeout = 30 * time.Second

// NewDockerBackend checks that Docker answers and picks the mode.
func NewDockerBackend(ctx context.Context, o DockerOptions) (*DockerBackend, error) {
	// kind's provider runs the docker CLI.
	if _, err := exec.LookPath("docker"); err != nil {
		return nil, errors.New("Docker is not installed: run `make docker` (.ci/docker-up installs docker.io and starts dockerd)")
	}
	if _, err := pingEngine(ctx); err != nil {
		return nil, fmt.Errorf("the Docker daemon is not running or not reachable (%v): start it with `make docker` (.ci/docker-up)", err)
	}
	var mode images.Mode
	var err error
	if o.Mode != "" {
		mode, err = images.ParseMode(o.Mode)
	} else {
		mode, err = images.DetectMode(ctx)
	}
	if err != nil {
		return nil, err
	}
	if o.CacheDir == "" {
		if o.CacheDir, err = images.DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	if os.Getenv("ADVENT_VERBOSE") == "" {
		tclog.SetDefault(tclog.NewNoopLogger()) // its container lifecycle chatter
	}
	if _, err := ApplyTestcontainersEnv(mode); err != nil {
		return nil, fmt.Errorf("testcontainers settings: %w", err)
	}
	reaped, err := ReapStale(ctx)
	if err != nil {
		return nil, err
	}
	if !reaped.Empty() && o.Log != nil {
		fmt.Fprintf(o.Log, "Removed what interrupted advent runs left behind: %s\n", reaped)
	}
	b := &DockerBackend{mode: mode, cacheDir: o.CacheDir, owner: Self().String(), preboot: o.Preboot}
	if m, err := images.LoadManifest(o.CacheDir); err == nil {
		b.manifest = m
	} else if !errors.Is(err, images.ErrNoManifest) {
		return nil, err
	}
	return b, nil
}

// Mode is the backend's mode.
func (b *DockerBackend) Mode() images.Mode { return b.mode }

// Prepare checks the node image, the tools and the images a lab needs, and
// describes the run. In air-gapped mode a missing image is an error that
// says how to build it; online, missing images are pulled.
func (b *DockerBackend) Prepare(ctx context.Context, l *lab.Lab, kubernetes string) (*runner.Info, error) {
	info := &runner.Info{Mode: b.mode, ToolsDir: images.ToolsDir(b.cacheDir)}
	missingHint := "run `make images` (advent images build) to build the air-gapped image set"
	pinned := map[string]bool{"kind": true, "kubectl": true, "helm": true}
	tools := l.Resources.Tools
	if len(l.Resources.Clusters) > 0 {
		tools = append([]string{"kind", "kubectl"}, tools...)
	}
	if b.manifest != nil {
		for _, t := range b.manifest.Tools {
			if !slices.Contains(tools, t.Name) {
				continue
			}
			v := t.Version
			if t.Name == "kubectl" && strings.HasPrefix(v, "v0.") {
				v = "v1." + v[len("v0."):] // k8s.io/kubectl v0.N is Kubernetes v1.N
			}
			info.Versions.Set(report.Tool(t.Name), v)
		}
	}
	for _, t := range tools {
		if _, err := os.Stat(filepath.Join(info.ToolsDir, t)); err == nil {
			continue
		}
		if pinned[t] {
			return nil, fmt.Errorf("%s is not built in %s: %s", t, info.ToolsDir, missingHint)
		}
		if _, err := exec.LookPath(t); err != nil {
			return nil, fmt.Errorf("the %s lab needs %s on PATH: install it (on Debian: apt-get install %s)", l.Name, t, t)
		}
	}
	need := append([]string(nil), l.Resources.Images...)
	for _, c := range l.Resources.Containers {
		need = append(need, c.Image)
	}
	if len(l.Resources.Clusters) > 0 {
		if kubernetes == "" {
			kubernetes = b.defaultKubernetes(ctx)
		}
		v, err := images.ParseKubernetesVersion(kubernetes)
		if err != nil {
			return nil, err
		}
		info.Kubernetes = v
		info.Versions.Kubernetes = v
		if info.NodeImage, err = images.NodeImage(b.mode, v); err != nil {
			return nil, err
		}
		need = append(need, info.NodeImage)
		info.LoadImages = append([]string(nil), l.Resources.Images...)
	}
	seen := map[string]bool{}
	for _, name := range need {
		if seen[name] {
			continue
		}
		seen[name] = true
		im, err := b.image(ctx, name)
		if err != nil {
			if b.mode == images.AirGapped {
				return nil, fmt.Errorf("image %s is not in the Docker engine (%v): %s", name, err, images.BuildHint(name))
			}
			return nil, fmt.Errorf("image %s: %w", name, err)
		}
		info.Images = append(info.Images, *im)
		if im.StandIn {
			info.StandIns = append(info.StandIns, name)
			if images.IsAuditorImage(name) {
				info.Versions.InSpec = images.InSpecVersion
			}
		}
	}
	info.Unavailable = b.unavailable(ctx, l)
	return info, nil
}

// unavailable lists the images l's steps need (lab.Step.Needs) that are
// neither in the engine nor, online, can be pulled.
func (b *DockerBackend) unavailable(ctx context.Context, l *lab.Lab) []string {
	var out []string
	for _, s := range l.Steps {
		if s.Needs == "" || slices.Contains(out, s.Needs) {
			continue
		}
		if _, err := b.image(ctx, s.Needs); err != nil {
			out = append(out, s.Needs)
		}
	}
	return out
}

// defaultKubernetes is the newest version of the mode's set
// (images.K8sVersions); air-gapped, the newest whose node image is built.
func (b *DockerBackend) defaultKubernetes(ctx context.Context) string {
	vs := images.K8sVersions(b.mode)
	if b.mode == images.AirGapped {
		for i := len(vs) - 1; i >= 0; i-- {
			ref, err := images.NodeImage(b.mode, vs[i])
			if err != nil {
				continue
			}
			if _, err := b.image(ctx, ref); err == nil {
				return vs[i]
			}
		}
	}
	return vs[len(vs)-1]
}

// image inspects an image, pulling it first when online and missing.
func (b *DockerBackend) image(ctx context.Context, name string) (*report.Image, error) {
	c, err := engine()
	if err != nil {
		return nil, err
	}
	inspect := func() (client.ImageInspectResult, error) {
		ctx, cancel := context.WithTimeout(ctx, apiTimeout)
		defer cancel()
		return c.ImageInspect(ctx, name)
	}
	res, err := inspect()
	if errdefs.IsNotFound(err) && b.mode == images.Online {
		if err := pullImage(ctx, c, name); err != nil {
			return nil, fmt.Errorf("docker pull %s: %w", name, err)
		}
		res, err = inspect()
	}
	if err != nil {
		// "No such image", or why the engine could not tell.
		return nil, fmt.Errorf("docker image inspect: %w", err)
	}
	im := &report.Image{Name: name, ID: res.ID}
	im.StandIn = res.Config != nil && res.Config.Labels[images.LabelStandIn] == "true"
	return im, nil
}

// pullTimeout bounds pulling one image.
const pullTimeout = 10 * time.Minute

// pullImage pulls name from its registry with the credentials the docker
// CLI would use (~/.docker/config.json and its credential helpers, as
// testcontainers-go reads them); anonymously when there are none.
func pullImage(ctx context.Context, c *client.Client, name string) error {
	ctx, cancel := context.WithTimeout(ctx, pullTimeout)
	defer cancel()
	var opts client.ImagePullOptions
	if _, auth, err := testcontainers.DockerImageAuth(ctx, name); err == nil {
		if enc, err := authconfig.Encode(auth); err == nil {
			opts.RegistryAuth = enc
		}
	}
	r, err := c.ImagePull(ctx, name, opts)
	if err != nil {
		return err
	}
	defer r.Close()
	return r.Wait(ctx)
}

// CreateCluster creates a kind cluster, or starts it from a pre-booted
// image, and loads the lab's images into it; it returns what it did.
func (b *DockerBackend) CreateCluster(ctx context.Context, spec runner.ClusterSpec, log io.Writer) (*runner.Cluster, error) {
	c, err := CreateCluster(ctx, b.clusterOptions(spec, log))
	if err != nil {
		return nil, err
	}
	rc := &runner.Cluster{Name: c.Name, Kubeconfig: c.Kubeconfig, Start: c.Start, Create: c.CreateTime, Load: c.LoadTime}
	if c.createdNetwork {
		rc.Network = kindNetwork
	}
	return rc, nil
}

// kindCluster is the kind cluster rc describes, to delete it or export its
// logs.
func kindCluster(rc *runner.Cluster) *Cluster {
	return &Cluster{Name: rc.Name, Kubeconfig: rc.Kubeconfig, createdNetwork: rc.Network == kindNetwork,
		provider: kindcluster.NewProvider(kindcluster.ProviderWithDocker(), kindcluster.ProviderWithLogger(kindlog.NoopLogger{}))}
}

// clusterOptions are the options of the cluster spec describes.
func (b *DockerBackend) clusterOptions(spec runner.ClusterSpec, log io.Writer) ClusterOptions {
	return ClusterOptions{Name: spec.Name, Image: spec.NodeImage, Kubeconfig: spec.Kubeconfig,
		LoadImages: spec.LoadImages, Preboot: b.preboot, Log: log}
}

// Preboot makes the pre-booted images of lab l's clusters on Kubernetes
// kubernetes ("" for the default), as its runs create them.
func (b *DockerBackend) Preboot(ctx context.Context, l *lab.Lab, kubernetes string, log io.Writer) ([]PrebootImage, error) {
	if len(l.Resources.Clusters) == 0 {
		return nil, fmt.Errorf("the %s lab has no cluster to pre-boot", l.Name)
	}
	info, err := b.Prepare(ctx, l, kubernetes)
	if err != nil {
		return nil, err
	}
	var opts []ClusterOptions
	for _, c := range l.Resources.Clusters {
		opts = append(opts, b.clusterOptions(runner.ClusterSpec{Name: c.Name, NodeImage: info.NodeImage, LoadImages: info.LoadImages}, nil))
	}
	return Preboot(ctx, opts, log)
}

// DeleteCluster deletes a cluster this backend created or adopted,
// printing what `kind delete cluster` prints.
func (b *DockerBackend) DeleteCluster(ctx context.Context, rc *runner.Cluster, log io.Writer) error {
	fmt.Fprintf(log, "Deleting cluster %q ...\n", rc.Name)
	return kindCluster(rc).Delete(ctx)
}

// Snapshot lists containers, networks, volumes and kind clusters.
func (b *DockerBackend) Snapshot(ctx context.Context) ([]string, error) {
	s, err := TakeSnapshot(ctx)
	if err != nil {
		return nil, err
	}
	return s.List(), nil
}

// CollectLogs exports a cluster's logs, as `kind export logs` does.
func (b *DockerBackend) CollectLogs(ctx context.Context, rc *runner.Cluster, dir string) error {
	done := make(chan error, 1)
	go func() {
		done <- kindCluster(rc).provider.CollectLogs(rc.Name, dir)
	}()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}

var _ runner.Backend = (*DockerBackend)(nil)
