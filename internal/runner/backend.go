package runner

import (
	"context"
	"io"
	"time"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// Backend provides what a lab runs in: clusters, networks and containers.
// The real one uses kind's Go API and testcontainers-go; tests use a fake.
// What it did with a cluster comes back as a Cluster, which the runner
// keeps and hands back: the backend holds no per-cluster state.
type Backend interface {
	// Prepare checks that everything the lab needs is there (images,
	// tools) and describes the run. It creates nothing.
	Prepare(ctx context.Context, l *lab.Lab, kubernetes string) (*Info, error)
	// CreateCluster creates a cluster as spec says (what Prepare chose for
	// the lab travels in spec, never on the backend, which labs share) and
	// writes its kubeconfig (context kind-NAME). Progress goes to log. It
	// returns what it did: how the cluster came up and how long it took.
	CreateCluster(ctx context.Context, spec ClusterSpec, log io.Writer) (*Cluster, error)
	// DeleteCluster deletes a cluster CreateCluster or Adopt returned.
	DeleteCluster(ctx context.Context, c *Cluster, log io.Writer) error
	// CollectLogs exports a cluster's logs into dir (kind export logs).
	CollectLogs(ctx context.Context, c *Cluster, dir string) error
	// Adopt takes over the environment a previous process kept, so that
	// Exec, WriteFile, DeleteCluster and Teardown work on its clusters,
	// containers and networks. It returns the clusters that still exist
	// and lists what does not ("cluster/NAME", "container/NAME").
	Adopt(ctx context.Context, k *Kept) (clusters []*Cluster, missing []string, err error)
	// CreateNetwork creates a container network.
	CreateNetwork(ctx context.Context, n lab.Network) error
	// StartContainer starts a long-running container.
	StartContainer(ctx context.Context, c lab.Container) error
	// Exec runs bash -c script in a started container, output to out.
	Exec(ctx context.Context, container, script string, out io.Writer) (exit int, err error)
	// WriteFile writes a file into a started container.
	WriteFile(ctx context.Context, container, path string, data []byte) error
	// ImageAvailable reports whether an image can be used in this run.
	ImageAvailable(ctx context.Context, image string) bool
	// Teardown removes every container and network the backend created
	// (clusters are deleted one by one with DeleteCluster).
	Teardown(ctx context.Context) error
	// Snapshot lists the containers, networks, volumes and clusters that
	// exist, for the leak check.
	Snapshot(ctx context.Context) ([]string, error)
}

// Info describes a run's environment, for the report and the cache key.
type Info struct {
	Mode       images.Mode
	Kubernetes string
	NodeImage  string
	LoadImages []string        // images loaded into every cluster of the lab
	ToolsDir   string          // put first on PATH: kind, kubectl, helm
	Versions   report.Versions // of the tools and node image the lab uses
	Images     []report.Image
	StandIns   []string
	Environ    []string // extra environment variables for steps (DOCKER_HOST...)
}

// ClusterSpec is one cluster of a lab, as the runner asks the backend to
// create it: the lab's values from Prepare's Info.
type ClusterSpec struct {
	Name       string
	Kubeconfig string   // where to write its kubeconfig
	NodeImage  string   // Info.NodeImage
	LoadImages []string // Info.LoadImages
}

// Cluster is a cluster the backend created or adopted, and what creating
// it did.
type Cluster struct {
	Name       string
	Kubeconfig string
	// Network is a container network creating the cluster made, removed
	// with the cluster once nothing else uses it; "" when none.
	Network string
	// Start is how the cluster came up (kind or a pre-booted image).
	Start report.ClusterStart
	// Create is creating the nodes up to Ready, Load loading the lab's
	// images into them (it overlaps Create). When both are zero the
	// runner counts the whole CreateCluster call as Create.
	Create, Load time.Duration
}
