package env

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/netip"
	"strings"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/api/types/network"
	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/dockerexec"
	"github.com/sysadvent/advent/internal/xexec"
)

// prebootDocker is what pre-boot asks of Docker: the part of its API it
// uses (a *client.Client has it) and the node's `docker run`.
type prebootDocker interface {
	ImageInspect(ctx context.Context, image string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageList(ctx context.Context, options client.ImageListOptions) (client.ImageListResult, error)
	ImageRemove(ctx context.Context, image string, options client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	ImageBuild(ctx context.Context, buildContext io.Reader, options client.ImageBuildOptions) (client.ImageBuildResult, error)
	ContainerInspect(ctx context.Context, container string, options client.ContainerInspectOptions) (client.ContainerInspectResult, error)
	ContainerStop(ctx context.Context, container string, options client.ContainerStopOptions) (client.ContainerStopResult, error)
	ContainerRemove(ctx context.Context, container string, options client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ContainerDiff(ctx context.Context, container string, options client.ContainerDiffOptions) (client.ContainerDiffResult, error)
	CopyFromContainer(ctx context.Context, container string, options client.CopyFromContainerOptions) (client.CopyFromContainerResult, error)
	NetworkInspect(ctx context.Context, network string, options client.NetworkInspectOptions) (client.NetworkInspectResult, error)
	NetworkCreate(ctx context.Context, name string, options client.NetworkCreateOptions) (client.NetworkCreateResult, error)
	NetworkRemove(ctx context.Context, network string, options client.NetworkRemoveOptions) (client.NetworkRemoveResult, error)

	// runNode runs a node with kind's `docker run` arguments (kindRunArgs).
	runNode(ctx context.Context, args []string) error
	// exec runs cmd in container, within a time, and returns its standard
	// output; an exit status other than 0 is an error.
	exec(ctx context.Context, container string, within time.Duration, cmd ...string) (string, error)
}

// dockerEngine is prebootDocker on the engine.
type dockerEngine struct{ *client.Client }

// runNode runs `docker run` through the CLI, as kind does: its arguments
// are kind's own, compared flag by flag with kind's provisioner by a test,
// and their meaning (defaults, `-e NAME` taken from the environment) is
// the CLI's.
func (dockerEngine) runNode(ctx context.Context, args []string) error {
	return xexec.Command("docker", append([]string{"run"}, args...)...).WithTimeout(5 * time.Minute).Run(ctx)
}

// exec runs cmd through the API's exec; the error carries cmd's standard
// error.
func (d dockerEngine) exec(ctx context.Context, container string, within time.Duration, cmd ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code, err := dockerexec.Run(ctx, d.Client, container, dockerexec.Options{Cmd: cmd, Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		return "", err
	}
	if code != 0 {
		return "", fmt.Errorf("%s in %s: exit status %d: %s", strings.Join(cmd, " "), container, code, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// buildError reads an image build's progress stream to its end and
// returns the error it reports, if any.
func buildError(body io.Reader) error {
	dec := json.NewDecoder(body)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("build progress: %w", err)
		}
		if m.Error != nil {
			return m.Error
		}
	}
}

// kindNetworkState is what addressFree needs to know of the kind network.
type kindNetworkState struct {
	exists   bool
	advent   bool           // made by advent, with its IPv4 subnet given
	subnets  []netip.Prefix // IPAM's subnets
	attached int            // containers on it
	addrs    []netip.Addr   // their IPv4 addresses
}

// inspectKindNetwork reads the kind network.
func inspectKindNetwork(ctx context.Context, d prebootDocker) (kindNetworkState, error) {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	r, err := d.NetworkInspect(ctx, kindNetwork, client.NetworkInspectOptions{})
	if cerrdefs.IsNotFound(err) {
		return kindNetworkState{}, nil
	}
	if err != nil {
		return kindNetworkState{}, fmt.Errorf("inspect the %s network: %w", kindNetwork, err)
	}
	st := kindNetworkState{exists: true, advent: r.Network.Labels[kindNetworkLabel] != "", attached: len(r.Network.Containers)}
	for _, c := range r.Network.IPAM.Config {
		st.subnets = append(st.subnets, c.Subnet)
	}
	for _, e := range r.Network.Containers {
		if e.IPv4Address.IsValid() {
			st.addrs = append(st.addrs, e.IPv4Address.Addr())
		}
	}
	return st, nil
}

// subnetOf is the subnet of st that contains ip.
func (st kindNetworkState) subnetOf(ip netip.Addr) (netip.Prefix, bool) {
	for _, s := range st.subnets {
		if s.Contains(ip) {
			return s, true
		}
	}
	return netip.Prefix{}, false
}

// kindIPv6Subnet is the ULA subnet kind derives from the name "kind".
var kindIPv6Subnet = netip.MustParsePrefix("fc00:f853:ccd:e793::/64")

// createKindNetwork creates the kind network as kind v0.33 does (bridge,
// masquerade, MTU 1500, IPv6 on kindIPv6Subnet), with the IPv4 subnet a
// pre-booted node was on and advent's label (kind finds its network by
// name).
func createKindNetwork(ctx context.Context, d prebootDocker, subnet netip.Prefix) error {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	ipv6 := true
	_, err := d.NetworkCreate(ctx, kindNetwork, client.NetworkCreateOptions{
		Driver:     "bridge",
		EnableIPv6: &ipv6,
		IPAM:       &network.IPAM{Driver: "default", Config: []network.IPAMConfig{{Subnet: kindIPv6Subnet}, {Subnet: subnet}}},
		Options: map[string]string{
			"com.docker.network.bridge.enable_ip_masquerade": "true",
			"com.docker.network.driver.mtu":                  "1500",
		},
		Labels: map[string]string{kindNetworkLabel: "1"},
	})
	return err
}

// removeUnusedKindNetwork removes the kind network when no container is
// attached to it.
func removeUnusedKindNetwork(ctx context.Context, d prebootDocker) error {
	st, err := inspectKindNetwork(ctx, d)
	if err != nil || !st.exists || st.attached > 0 {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	if _, err := d.NetworkRemove(ctx, kindNetwork, client.NetworkRemoveOptions{}); err != nil && !cerrdefs.IsNotFound(err) {
		return err
	}
	return nil
}
