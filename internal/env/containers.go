package env

import (
	"archive/tar"
	"bytes"
	"context"
	"fmt"
	"io"
	"path"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/client"
	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/network"

	"github.com/sysadvent/advent/internal/dockerexec"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/runner"
)

// A lab's containers and networks are created with testcontainers-go (its
// image pull, wait and network defaults); from then on the runner holds
// their handles (runner.Container, runner.Network: the lab's name and
// Docker's ID) and everything else goes through Docker's Go client by ID,
// the same for what this process started and for what it adopted from a
// kept environment. The backend keeps nothing.

// Labels that name a lab's containers and networks (with OwnerLabel, they
// are how Adopt finds a kept environment's).
const (
	containerLabel = "io.advent.container"
	networkLabel   = "io.advent.network"
)

// removeTimeout bounds removing one container or network (a container is
// killed first).
const removeTimeout = time.Minute

// CreateNetwork creates a bridge network (internal: no route out).
func (b *DockerBackend) CreateNetwork(ctx context.Context, n lab.Network) (*runner.Network, error) {
	opts := []network.NetworkCustomizer{network.WithLabels(map[string]string{networkLabel: n.Name, OwnerLabel: b.owner})}
	if n.Internal {
		opts = append(opts, network.WithInternal())
	}
	nw, err := network.New(ctx, opts...)
	var h *runner.Network
	if nw != nil {
		h = &runner.Network{Name: n.Name, ID: nw.ID}
	}
	if err != nil {
		return h, fmt.Errorf("create network %s: %w", n.Name, err)
	}
	return h, nil
}

// StartContainer starts a container named as the lab declares it, on
// networks (with its name as alias there).
func (b *DockerBackend) StartContainer(ctx context.Context, c lab.Container, networks []*runner.Network) (*runner.Container, error) {
	opts := []testcontainers.ContainerCustomizer{testcontainers.WithName(c.Name),
		testcontainers.WithLabels(map[string]string{containerLabel: c.Name, OwnerLabel: b.owner})}
	if len(c.Command) > 0 {
		opts = append(opts, testcontainers.WithCmd(c.Command...))
	}
	for _, n := range networks {
		opts = append(opts, network.WithNetworkName([]string{c.Name}, n.ID))
	}
	ctr, err := testcontainers.Run(ctx, c.Image, opts...)
	var h *runner.Container
	if ctr != nil && ctr.ID != "" { // Run can return a container and an error
		h = &runner.Container{Name: c.Name, ID: ctr.ID}
	}
	if err != nil {
		return h, fmt.Errorf("start container %s: %w", c.Name, err)
	}
	return h, nil
}

// Exec runs bash -c script in a container, its output (standard output and
// error) copied to out as it comes.
func (b *DockerBackend) Exec(ctx context.Context, c *runner.Container, script string, out io.Writer) (int, error) {
	return execIn(ctx, c.ID, []string{"bash", "-c", script}, out)
}

// execIn runs cmd in container id until it ends or ctx does, and returns
// its exit code.
func execIn(ctx context.Context, id string, cmd []string, out io.Writer) (int, error) {
	cli, err := engine()
	if err != nil {
		return -1, err
	}
	code, err := dockerexec.Run(ctx, cli, id, dockerexec.Options{Cmd: cmd, Stdout: out, Stderr: out})
	if err != nil && ctx.Err() == nil {
		err = fmt.Errorf("container exec: %w", err)
	}
	return code, err
}

// WriteFile writes a file into a container (mode 0644, owned by root),
// making its directory first; a relative path is relative to /root.
func (b *DockerBackend) WriteFile(ctx context.Context, c *runner.Container, p string, data []byte) error {
	if !path.IsAbs(p) {
		p = path.Join("/root", p)
	}
	dir := path.Dir(p)
	var mkdir strings.Builder
	mctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	code, err := execIn(mctx, c.ID, []string{"mkdir", "-p", dir}, &mkdir)
	if err != nil {
		return fmt.Errorf("write %s:%s: %w", c.Name, p, err)
	}
	if code != 0 {
		return fmt.Errorf("write %s:%s: mkdir -p %s exited with status %d: %s", c.Name, p, dir, code, strings.TrimSpace(mkdir.String()))
	}
	var archive bytes.Buffer
	tw := tar.NewWriter(&archive)
	if err := tw.WriteHeader(&tar.Header{Name: path.Base(p), Mode: 0o644, Size: int64(len(data)), ModTime: time.Now()}); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	cli, err := engine()
	if err != nil {
		return err
	}
	if _, err := cli.CopyToContainer(mctx, c.ID, client.CopyToContainerOptions{DestinationPath: dir, Content: &archive}); err != nil {
		return fmt.Errorf("write %s:%s: %w", c.Name, p, err)
	}
	return nil
}

// RemoveContainer kills and removes a container and its anonymous volumes
// (docker rm -f -v); one already gone is not an error.
func (b *DockerBackend) RemoveContainer(ctx context.Context, c *runner.Container) error {
	cli, err := engine()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, removeTimeout)
	defer cancel()
	_, err = cli.ContainerRemove(ctx, c.ID, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	return nil
}

// RemoveNetwork removes a network; one already gone is not an error.
func (b *DockerBackend) RemoveNetwork(ctx context.Context, n *runner.Network) error {
	cli, err := engine()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, removeTimeout)
	defer cancel()
	if _, err := cli.NetworkRemove(ctx, n.ID, client.NetworkRemoveOptions{}); err != nil && !errdefs.IsNotFound(err) {
		return err
	}
	return nil
}
