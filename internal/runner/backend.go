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
// The real one uses kind's Go API, testcontainers-go and Docker's Go
// client; tests use a fake. Whatever it creates comes back as a handle
// (Cluster, Network, Container) that the runner keeps and hands back to
// act on it or remove it: a backend holds no per-lab state, so the labs of
// a run can share one.
type Backend interface {
	// Prepare checks that everything the lab needs is there (images,
	// tools) and describes the run, including the images its steps need
	// that this machine cannot provide. It creates nothing.
	Prepare(ctx context.Context, l *lab.Lab, kubernetes string) (*Info, error)
	// CreateCluster creates a cluster as spec says (what Prepare chose for
	// the lab travels in spec) and writes its kubeconfig (context
	// kind-NAME). Progress goes to log. It returns what it did: how the
	// cluster came up and how long it took.
	CreateCluster(ctx context.Context, spec ClusterSpec, log io.Writer) (*Cluster, error)
	// DeleteCluster deletes a cluster CreateCluster or Adopt returned.
	DeleteCluster(ctx context.Context, c *Cluster, log io.Writer) error
	// CollectLogs exports a cluster's logs into dir (kind export logs).
	CollectLogs(ctx context.Context, c *Cluster, dir string) error
	// CreateNetwork creates a container network. It may return a network
	// along with an error: the runner removes what it returns.
	CreateNetwork(ctx context.Context, n lab.Network) (*Network, error)
	// StartContainer starts a long-running container on networks (those
	// c names, as CreateNetwork or Adopt returned them). It may return a
	// container along with an error: the runner removes what it returns.
	StartContainer(ctx context.Context, c lab.Container, networks []*Network) (*Container, error)
	// Exec runs bash -c script in a container, output to out as it comes.
	Exec(ctx context.Context, c *Container, script string, out io.Writer) (exit int, err error)
	// WriteFile writes a file into a container (a relative path is
	// relative to /root), making its directory first.
	WriteFile(ctx context.Context, c *Container, path string, data []byte) error
	// RemoveContainer and RemoveNetwork remove what StartContainer,
	// CreateNetwork or Adopt returned; what is already gone is not an
	// error.
	RemoveContainer(ctx context.Context, c *Container) error
	RemoveNetwork(ctx context.Context, n *Network) error
	// Adopt finds the environment a previous process kept (Kept) and
	// returns handles to what of it still exists.
	Adopt(ctx context.Context, k *Kept) (*Adopted, error)
	// Snapshot lists the containers, networks, volumes and clusters that
	// exist ("container/NAME"...), for the leak check.
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
	// Unavailable are the images steps need (lab.Step.Needs) that this
	// machine cannot provide: those steps are not verified.
	Unavailable []string
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

// Network is a container network the backend created or adopted.
type Network struct {
	Name string // as the lab declares it
	ID   string // the backend's: Docker's network ID
}

// Container is a container the backend started or adopted.
type Container struct {
	Name string // as the lab declares it (also Docker's container name)
	ID   string // the backend's: Docker's container ID
}

// Adopted is what Adopt found of a kept environment, in the order the lab
// declares it (the order it was started in).
type Adopted struct {
	Clusters   []*Cluster
	Containers []*Container
	Networks   []*Network
	// Missing lists what no longer exists: "cluster/NAME",
	// "container/NAME", "network/NAME".
	Missing []string
}
