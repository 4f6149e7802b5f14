package env

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/report"
)

// start starts cluster c from its pre-booted image (see startPrebooted).
func (p *prebooter) start(ctx context.Context, c *Cluster, o ClusterOptions) error {
	image, rec, err := p.match(ctx, o)
	if err == nil {
		err = p.startFrom(ctx, c, o, image, rec)
	}
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		return fmt.Errorf("start cluster %s from its pre-booted image: %w", o.Name, ctx.Err())
	}
	c.Start.Fallback = err.Error()
	if image != "" && o.Log != nil {
		fmt.Fprintf(o.Log, "pre-booted image %s not used: %s; creating the cluster with kind\n", image, err)
	}
	return err
}

// match is the pre-booted image of the cluster o describes and its record.
func (p *prebooter) match(ctx context.Context, o ClusterOptions) (string, *prebootNode, error) {
	key, err := p.key(ctx, o)
	if err != nil {
		return "", nil, err
	}
	return p.find(ctx, key)
}

// startFrom starts c from image, whose node rec records, and waits until
// it is up; on failure what it started is removed.
func (p *prebooter) startFrom(ctx context.Context, c *Cluster, o ClusterOptions, image string, rec *prebootNode) error {
	begin := time.Now()
	run, err := p.startNode(ctx, c, o, image, rec)
	if err == nil {
		err = p.comeUp(ctx, c, o, rec.Node, &run)
	}
	if err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		p.discard(cctx, c, rec.Node, run.tried)
		// kind creates the cluster now: after the other clusters of this
		// process that start from pre-booted images have their addresses,
		// or kind's node could take one of them. c.createdNetwork stays:
		// when this process made the network, its last cluster removes it.
		startMu.Lock()
		startMu.Unlock() //nolint:staticcheck // a barrier, not a critical section
		return err
	}
	c.CreateTime = time.Since(begin)
	c.Start = report.ClusterStart{Cluster: o.Name, By: report.FromPreboot, Image: image, Booted: rec.Booted}
	if o.Log != nil {
		r := func(d time.Duration) time.Duration { return d.Round(100 * time.Millisecond) }
		ready := ""
		if !run.ready.IsZero() {
			ready = fmt.Sprintf(", Ready after %s", r(run.ready.Sub(run.at)))
		}
		fmt.Fprintf(o.Log, "Node %s running after %s, API answering after %s%s\n", rec.Node, r(run.took), r(run.apiUp.Sub(run.at)), ready)
		fmt.Fprintf(o.Log, "Started cluster %q from the pre-booted image %s in %s\n", o.Name, c.Start.From(), r(c.CreateTime))
	}
	return nil
}

// nodeRun is how a node's start went.
type nodeRun struct {
	tried bool          // docker run was tried: a container may exist
	at    time.Time     // when docker run began
	took  time.Duration // how long it took
	// When the API server first answered and the node was Ready (zero
	// when not waited for).
	apiUp, ready time.Time
}

// startMu orders the starts of pre-booted nodes in this process: the
// kind network's check and creation and each node's `docker run` on its
// address happen one at a time (the clusters of one lab start together).
var startMu sync.Mutex

// startNode checks that the node's address is free (making the kind
// network on its subnet when needed), records the cluster as this
// process's, runs the node on its address and exports its kubeconfig.
func (p *prebooter) startNode(ctx context.Context, c *Cluster, o ClusterOptions, image string, rec *prebootNode) (nodeRun, error) {
	startMu.Lock()
	defer startMu.Unlock()
	created, err := p.addressFree(ctx, rec)
	if err != nil {
		return nodeRun{}, err
	}
	c.createdNetwork = c.createdNetwork || created
	if err := writeClusterRecord(o.Name, c.Kubeconfig, Self()); err != nil {
		return nodeRun{}, err
	}
	run := nodeRun{tried: true, at: time.Now()}
	err = p.docker.runNode(ctx, kindRunArgs(o.Name, rec.Node, rec.IP.String(), image))
	run.took = time.Since(run.at)
	if err != nil {
		return run, fmt.Errorf("%w: %w", errNodeStart, err)
	}
	if err := p.kube.exportKubeconfig(c); err != nil {
		return run, fmt.Errorf("%w: kubeconfig: %w", errNodeStart, err)
	}
	return run, nil
}

// comeUp waits until node's API server answers and, unless o.Wait is
// negative, until the node is Ready as its kubelet reported since the
// start. It gives up as soon as the node's container stops, and when the
// API server has not answered within p.firstAnswer.
func (p *prebooter) comeUp(ctx context.Context, c *Cluster, o ClusterOptions, node string, run *nodeRun) error {
	watch, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	go func() { stop(p.watchNode(watch, node)) }()

	first, cancel := context.WithTimeoutCause(watch, p.firstAnswer,
		fmt.Errorf("%w: its API server did not answer within %s", errNotUp, p.firstAnswer))
	err := p.kube.answers(first, c.Kubeconfig, node)
	if err != nil {
		err = whyNotUp(ctx, first, err) // before cancel sets first's cause
	}
	cancel()
	if err != nil {
		return err
	}
	run.apiUp = time.Now()
	if o.Wait < 0 {
		return nil
	}
	wait := cmp.Or(o.Wait, DefaultWait)
	ready, cancel := context.WithTimeoutCause(watch, wait, fmt.Errorf("%w: not Ready within %s", errNotUp, wait))
	defer cancel()
	// The node's status from before it was stopped says Ready: it counts
	// only once its kubelet has reported again, after this start (the
	// node shares the host's clock; a second of slack for rounding).
	if err := p.kube.schedulable(ready, c.Kubeconfig, node, run.at.Add(-time.Second)); err != nil {
		return whyNotUp(ctx, ready, err)
	}
	run.ready = time.Now()
	return nil
}

// whyNotUp is why a wait under wctx, a context derived from ctx, ended
// with err: ctx's end, or wctx's cause (the node stopped, a bound passed).
func whyNotUp(ctx, wctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if cause := context.Cause(wctx); cause != nil {
		if errors.Is(err, context.Canceled) { // by the watch: the cause says it all
			return cause
		}
		return fmt.Errorf("%w (%v)", cause, err)
	}
	return fmt.Errorf("%w: %w", errNotUp, err)
}

// watchNode returns why node is not coming up: its container stopped
// running (errNodeDown), or its kubelet keeps failing (errNotUp); nil
// when ctx ends first. The kubelet is looked at every fourth time.
func (p *prebooter) watchNode(ctx context.Context, node string) error {
	t := time.NewTicker(p.watchEvery)
	defer t.Stop()
	for i := 0; ; i++ {
		if err := p.nodeDown(ctx, node, i%4 == 0); err != nil || ctx.Err() != nil {
			return err
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// kubeletRestartsMax is how many times systemd may restart a starting
// node's kubelet (kind's unit restarts it a second after it exits) before
// the node counts as not coming up; healthy starts have shown one at most.
const kubeletRestartsMax = 5

// nodeDown says why node is not coming up, or nil: its container is not
// running, or, looked at when kubelet is true, systemd has restarted its
// kubelet kubeletRestartsMax times.
func (p *prebooter) nodeDown(ctx context.Context, node string, kubelet bool) error {
	r, err := p.docker.ContainerInspect(ctx, node, client.ContainerInspectOptions{})
	switch {
	case ctx.Err() != nil:
		return nil
	case cerrdefs.IsNotFound(err):
		return fmt.Errorf("%w: its container %s is gone", errNodeDown, node)
	case err != nil:
		return nil // the next look tells
	}
	if why := notRunning(r.Container); why != "" {
		return fmt.Errorf("%w: %s", errNodeDown, why)
	}
	if !kubelet {
		return nil
	}
	out, err := p.docker.exec(ctx, node, 5*time.Second, "systemctl", "show", "kubelet", "--property=NRestarts", "--value")
	if n, aerr := strconv.Atoi(strings.TrimSpace(out)); err == nil && aerr == nil && n >= kubeletRestartsMax {
		return fmt.Errorf("%w: its kubelet exited and was restarted %d times", errNotUp, n)
	}
	return nil
}

// notRunning says why a node's container is not running, or "".
func notRunning(c container.InspectResponse) string {
	s := c.State
	switch {
	case s == nil:
		return ""
	case s.Restarting || c.RestartCount > 0:
		return fmt.Sprintf("its container exited (code %d) and was restarted", s.ExitCode)
	case !s.Running:
		return fmt.Sprintf("its container is %s (exit code %d)", s.Status, s.ExitCode)
	}
	return ""
}

// discard removes what a failed start left: the node, when docker run was
// tried, then, through kind, the cluster's kubeconfig entry, the kind
// network when this cluster made it and nothing uses it, and the
// cluster's record.
func (p *prebooter) discard(ctx context.Context, c *Cluster, node string, ran bool) {
	if ran {
		rctx, cancel := context.WithTimeout(ctx, time.Minute)
		// An error leaves the node to kind's delete, which tries again.
		_, _ = p.docker.ContainerRemove(rctx, node, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
		cancel()
	}
	p.kube.discard(ctx, c)
}

// kindRunArgs are the arguments kind v0.33 gives `docker run` for the
// control-plane node of a one-node IPv4 cluster of the default config
// (sigs.k8s.io/kind pkg/cluster/internal/providers/docker/provision.go,
// commonArgs and runArgsForNode), with the node's address fixed (--ip) and
// its API server's host port left to Docker. TestKindRunArgsMatchKind
// compares them with kind's source, TestPrebootedCluster a node started
// with them to one kind started.
func kindRunArgs(cluster, node, ip, image string) []string {
	return []string{
		"--name", node, "--hostname", node,
		"--detach", "--tty",
		"--label", kindClusterLabel + "=" + cluster,
		"--label", kindRoleLabel + "=control-plane",
		"--net", kindNetwork, "--ip", ip,
		"--restart=on-failure:1", "--init=false", "--cgroupns=private",
		"--privileged",
		"--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"--tmpfs", "/tmp", "--tmpfs", "/run",
		"--volume", "/var", "--volume", libModulesBind,
		"-e", "KIND_EXPERIMENTAL_CONTAINERD_SNAPSHOTTER",
		"--publish", "127.0.0.1::6443/TCP",
		"-e", "KUBECONFIG=/etc/kubernetes/admin.conf",
		image,
	}
}

// libModulesBind is the one bind mount kind gives every node.
const libModulesBind = "/lib/modules:/lib/modules:ro"

// advent's label on the kind networks it makes (createKindNetwork).
const kindNetworkLabel = "io.advent.kind-network"

// addressFree makes sure the node can run on its address: the kind
// network must be one advent made, on the node's subnet (Docker gives a
// container an address of its choosing only on a subnet that was given
// when the network was made, and kind gives only its IPv6 one), and no
// container on it may use the address. A missing network, or an unused
// one made by kind or on another subnet, is made (again) as kind makes
// it, with the node's IPv4 subnet too; created reports that. Otherwise the
// error says why the node cannot start there.
//
// A network in use without advent's label (kind's, or one an advent
// before the label made) is tried as it is: Docker says whether it takes
// the address, and the start falls back to kind when it does not.
func (p *prebooter) addressFree(ctx context.Context, rec *prebootNode) (created bool, err error) {
	st, err := inspectKindNetwork(ctx, p.docker)
	if err != nil {
		return false, err
	}
	onSubnet := slices.Contains(st.subnets, rec.Subnet)
	if st.exists && (!st.advent || !onSubnet) {
		switch {
		case st.attached > 0 && !onSubnet:
			return false, fmt.Errorf("%w: it is on %v, not the node's subnet %s, and %d containers use it", errKindNetwork, st.subnets, rec.Subnet, st.attached)
		case st.attached == 0:
			if err := removeUnusedKindNetwork(ctx, p.docker); err != nil {
				return false, err
			}
			if st, err = inspectKindNetwork(ctx, p.docker); err != nil {
				return false, err
			}
			if st.exists {
				return false, fmt.Errorf("%w: it could not be made again on the node's subnet %s", errKindNetwork, rec.Subnet)
			}
		}
	}
	if !st.exists {
		cerr := createKindNetwork(ctx, p.docker, rec.Subnet)
		if cerr == nil {
			return true, nil
		}
		// Another process (kind, or a second advent) may have made it
		// meanwhile; this process's starts take turns (startMu).
		if !cerrdefs.IsConflict(cerr) {
			return false, fmt.Errorf("create the %s network: %w", kindNetwork, cerr)
		}
		if st, err = inspectKindNetwork(ctx, p.docker); err != nil {
			return false, err
		}
		if !slices.Contains(st.subnets, rec.Subnet) {
			return false, fmt.Errorf("%w: it was made meanwhile on %v, not the node's subnet %s", errKindNetwork, st.subnets, rec.Subnet)
		}
	}
	if slices.Contains(st.addrs, rec.IP) {
		return false, fmt.Errorf("%w: %s on the %s network", errAddressTaken, rec.IP, kindNetwork)
	}
	return false, nil
}
