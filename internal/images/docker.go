package images

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/containerd/errdefs"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/jsonstream"
	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/dockerexec"
	"github.com/sysadvent/advent/internal/xexec"
)

// Labels every built image carries.
const (
	LabelKey      = "io.advent.key"      // content key of the inputs
	LabelArtefact = "io.advent.artefact" // build step id
	LabelStandIn  = "io.advent.stand-in" // "true" for upstream-named stand-ins
	LabelBuiltAt  = "io.advent.built-at" // RFC 3339
	LabelSources  = "io.advent.sources"  // JSON Sources
	labelDebian   = "io.advent.debian."  // + package name = version
	labelBuild    = "io.advent.build"    // on temporary build containers
	tmpRepo       = "advent.local/tmp"   // temporary tags live here
)

// docker talks to the Docker engine through its Go client, except for
// builds (build, relabel), which run the CLI: the API would need the
// context tarred and the build's JSON stream decoded, which the CLI does.
type docker struct {
	bin string    // the docker CLI
	api dockerAPI // the engine's API
	log io.Writer // step log; nil discards
}

// dockerAPI is the part of Docker's Go client the image build uses.
type dockerAPI interface {
	ImageInspect(ctx context.Context, ref string, opts ...client.ImageInspectOption) (client.ImageInspectResult, error)
	ImageRemove(ctx context.Context, ref string, opts client.ImageRemoveOptions) (client.ImageRemoveResult, error)
	ImageTag(ctx context.Context, opts client.ImageTagOptions) (client.ImageTagResult, error)
	ContainerCreate(ctx context.Context, opts client.ContainerCreateOptions) (client.ContainerCreateResult, error)
	ContainerRemove(ctx context.Context, id string, opts client.ContainerRemoveOptions) (client.ContainerRemoveResult, error)
	ContainerStart(ctx context.Context, id string, opts client.ContainerStartOptions) (client.ContainerStartResult, error)
	ContainerWait(ctx context.Context, id string, opts client.ContainerWaitOptions) client.ContainerWaitResult
	ContainerLogs(ctx context.Context, id string, opts client.ContainerLogsOptions) (client.ContainerLogsResult, error)
	CopyFromContainer(ctx context.Context, id string, opts client.CopyFromContainerOptions) (client.CopyFromContainerResult, error)
	ContainerCommit(ctx context.Context, id string, opts client.ContainerCommitOptions) (client.ContainerCommitResult, error)
	dockerexec.API
	ImageImport(ctx context.Context, src client.ImageImportSource, ref string, opts client.ImageImportOptions) (client.ImageImportResult, error)
	ImageSave(ctx context.Context, refs []string, opts ...client.ImageSaveOption) (client.ImageSaveResult, error)
	Info(ctx context.Context, opts client.InfoOptions) (client.SystemInfoResult, error)
	Ping(ctx context.Context, opts client.PingOptions) (client.PingResult, error)
}

// apiTimeout bounds one call to the engine's API.
const apiTimeout = time.Minute

// newDocker returns a docker using the CLI bin and a client configured
// like the CLI (DOCKER_HOST, DOCKER_API_VERSION, DOCKER_CERT_PATH...).
// The client negotiates the API version on its first call.
func newDocker(bin string) (*docker, error) {
	api, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return &docker{bin: bin, api: api}, nil
}

// ping checks that the daemon answers, settling the API version.
func (d *docker) ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := d.api.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
	return err
}

// withLog returns d writing what its commands print to log.
func (d *docker) withLog(log io.Writer) *docker {
	return &docker{bin: d.bin, api: d.api, log: log}
}

func (d *docker) cmd(args ...string) *xexec.Cmd {
	c := xexec.Command(d.bin, args...)
	if d.log != nil {
		c.Log = d.log
	}
	return c
}

// imageInfo is what we read back from an image inspect.
type imageInfo struct {
	ID      string
	Size    int64
	Created time.Time
	Labels  map[string]string
}

// inspect returns nil, nil when the image does not exist.
func (d *docker) inspect(ctx context.Context, name string) (*imageInfo, error) {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	res, err := d.api.ImageInspect(ctx, name)
	if errdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", name, err)
	}
	info := &imageInfo{ID: res.ID, Size: res.Size, Labels: map[string]string{}}
	if res.Created != "" {
		if info.Created, err = time.Parse(time.RFC3339Nano, res.Created); err != nil {
			return nil, fmt.Errorf("inspect image %s: created: %w", name, err)
		}
	}
	if res.Config != nil && res.Config.Labels != nil {
		info.Labels = res.Config.Labels
	}
	return info, nil
}

// hasKey reports whether image name exists and carries key.
func (d *docker) hasKey(ctx context.Context, name, key string) (bool, error) {
	info, err := d.inspect(ctx, name)
	if err != nil || info == nil {
		return false, err
	}
	return info.Labels[LabelKey] == key, nil
}

// tmpTag returns a fresh temporary tag for step id.
func tmpTag(id string) string {
	t := strings.NewReplacer("/", "-", ":", "-", "+", "-").Replace(id)
	if len(t) > 100 {
		t = t[:100]
	}
	return tmpRepo + ":" + t + "-" + randHex(4)
}

// randHex returns n random bytes in hex.
func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// labelArgs turns labels into sorted --label flags.
func labelArgs(flag string, labels map[string]string) []string {
	keys := make([]string, 0, len(labels))
	for k := range labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var args []string
	for _, k := range keys {
		args = append(args, flag, k+"="+labels[k])
	}
	return args
}

// build runs `docker build` of dir (Dockerfile in it) into tag.
func (d *docker) build(ctx context.Context, dir, tag string, labels map[string]string, timeout time.Duration) error {
	args := []string{"build", "--force-rm", "--pull=false", "-t", tag}
	args = append(args, labelArgs("--label", labels)...)
	args = append(args, dir)
	return d.cmd(args...).WithTimeout(timeout).Run(ctx)
}

// relabel makes a new image from src with labels added, tagged tag. It
// uses a metadata-only build: no layer is added.
func (d *docker) relabel(ctx context.Context, src, tag string, labels map[string]string) error {
	args := []string{"build", "--force-rm", "--pull=false", "-t", tag}
	args = append(args, labelArgs("--label", labels)...)
	args = append(args, "-")
	return d.cmd(args...).WithStdin(strings.NewReader("FROM " + src + "\n")).WithTimeout(5 * time.Minute).Run(ctx)
}

// tag tags src as every name in names.
func (d *docker) tag(ctx context.Context, src string, names ...string) error {
	for _, n := range names {
		cctx, cancel := context.WithTimeout(ctx, apiTimeout)
		_, err := d.api.ImageTag(cctx, client.ImageTagOptions{Source: src, Target: n})
		cancel()
		if err != nil {
			return fmt.Errorf("tag %s as %s: %w", src, n, err)
		}
	}
	return nil
}

// rmi removes image references, ignoring those that do not exist. Like
// `docker image rm`, it removes untagged parents too.
func (d *docker) rmi(ctx context.Context, refs ...string) error {
	var errs []error
	for _, ref := range refs {
		cctx, cancel := context.WithTimeout(ctx, apiTimeout)
		_, err := d.api.ImageRemove(cctx, ref, client.ImageRemoveOptions{PruneChildren: true})
		cancel()
		if err != nil && !errdefs.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("remove image %s: %w", ref, err))
		}
	}
	return errors.Join(errs...)
}

// PackagesFile is where an image that holds files copied out of Debian
// packages, without dpkg (a slim stand-in built FROM scratch), lists the
// packages of the stage it copied them from, as
// `dpkg-query -W -f '${Package}\t${Version}\t${db:Status-Abbrev}\n'` prints
// them.
const PackagesFile = "/usr/share/advent/packages"

// debVersions returns the versions of pkgs in image: from its
// PackagesFile, else from its dpkg database. A package that is not
// installed is an error.
func (d *docker) debVersions(ctx context.Context, image string, pkgs []string) (map[string]string, error) {
	out, err := d.packagesFile(ctx, image)
	if err != nil {
		return nil, fmt.Errorf("list Debian packages of %s: %w", image, err)
	}
	if out == nil {
		out, err = d.output(ctx, image, "dpkg-query", "-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n")
		if err != nil {
			return nil, fmt.Errorf("list Debian packages of %s: %w", image, err)
		}
	}
	want := map[string]bool{}
	for _, p := range pkgs {
		want[p] = true
	}
	vers := map[string]string{}
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Split(line, "\t")
		if len(f) < 3 || !strings.HasPrefix(f[2], "ii") {
			continue
		}
		if want[f[0]] {
			vers[f[0]] = f[1]
		}
	}
	for _, p := range pkgs {
		if _, ok := vers[p]; !ok {
			return nil, fmt.Errorf("image %s: Debian package %s is not installed", image, p)
		}
	}
	return vers, nil
}

// packagesFile returns the image's PackagesFile, or nil when it has none.
// It copies the file out of a created (never started) container, so it
// works on images without a shell.
func (d *docker) packagesFile(ctx context.Context, image string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	id, err := d.create(ctx, image, []string{"/nonexistent"})
	if err != nil {
		return nil, err
	}
	defer d.remove(ctx, id)
	res, err := d.api.CopyFromContainer(ctx, id, client.CopyFromContainerOptions{SourcePath: PackagesFile})
	if errdefs.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("copy %s out of %s: %w", PackagesFile, image, err)
	}
	defer res.Content.Close()
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s in the archive copied out of %s: %w", PackagesFile, image, err)
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}

// output runs entrypoint with args in a new container of image, without
// network, and returns what it printed on stdout; the container is
// removed. A non-zero exit is an error carrying what it printed on stderr.
func (d *docker) output(ctx context.Context, image, entrypoint string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	id, err := d.create(ctx, image, append([]string{entrypoint}, args...))
	if err != nil {
		return nil, err
	}
	defer d.remove(ctx, id)
	if _, err := d.api.ContainerStart(ctx, id, client.ContainerStartOptions{}); err != nil {
		return nil, fmt.Errorf("start %s in %s: %w", entrypoint, image, err)
	}
	wait := d.api.ContainerWait(ctx, id, client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	var status int64
	select {
	case r := <-wait.Result:
		if r.Error != nil {
			return nil, fmt.Errorf("wait for %s in %s: %s", entrypoint, image, r.Error.Message)
		}
		status = r.StatusCode
	case err := <-wait.Error:
		return nil, fmt.Errorf("wait for %s in %s: %w", entrypoint, image, err)
	}
	logs, err := d.api.ContainerLogs(ctx, id, client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true})
	if err != nil {
		return nil, fmt.Errorf("output of %s in %s: %w", entrypoint, image, err)
	}
	defer logs.Close()
	var stdout, stderr bytes.Buffer
	if _, err := stdcopy.StdCopy(&stdout, &stderr, logs); err != nil {
		return nil, fmt.Errorf("output of %s in %s: %w", entrypoint, image, err)
	}
	if d.log != nil {
		d.log.Write(stderr.Bytes())
	}
	if status != 0 {
		return nil, fmt.Errorf("%s in %s exited with status %d: %s", entrypoint, image, status, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}

// create creates a container of image, without network, to run cmd; it
// carries the label that marks build containers.
func (d *docker) create(ctx context.Context, image string, cmd []string) (string, error) {
	c, err := d.api.ContainerCreate(ctx, client.ContainerCreateOptions{
		Config: &container.Config{Image: image, Entrypoint: cmd[:1], Cmd: cmd[1:],
			Labels: map[string]string{labelBuild: "true"}, NetworkDisabled: true},
		HostConfig: &container.HostConfig{NetworkMode: "none"},
	})
	if err != nil {
		return "", fmt.Errorf("create a container of %s: %w", image, err)
	}
	return c.ID, nil
}

// remove removes container id (or name) and its volumes, even when ctx is
// done; one that does not exist is no error.
func (d *docker) remove(ctx context.Context, id string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), apiTimeout)
	defer cancel()
	_, err := d.api.ContainerRemove(ctx, id, client.ContainerRemoveOptions{Force: true, RemoveVolumes: true})
	if err != nil && !errdefs.IsNotFound(err) && d.log != nil {
		fmt.Fprintf(d.log, "advent: remove container %s: %v\n", id, err)
	}
}

// importTar makes image tag from the root file system in tarball, like
// `docker import`, applying changes (Dockerfile instructions: ENV, CMD,
// ENTRYPOINT...).
func (d *docker) importTar(ctx context.Context, tarball, tag string, changes ...string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	res, err := d.api.ImageImport(ctx, client.ImageImportSource{Source: f, SourceName: "-"}, tag, client.ImageImportOptions{Changes: changes})
	if err != nil {
		return fmt.Errorf("import %s as %s: %w", tarball, tag, err)
	}
	defer res.Close()
	if err := streamError(res); err != nil {
		return fmt.Errorf("import %s as %s: %w", tarball, tag, err)
	}
	return nil
}

// streamError reads one of the engine's JSON message streams (import,
// pull) to its end and returns the error it reports, if any.
func streamError(r io.Reader) error {
	dec := json.NewDecoder(r)
	for {
		var m jsonstream.Message
		if err := dec.Decode(&m); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return err
		}
		if m.Error != nil {
			return m.Error
		}
	}
}

// save writes the archive of images, as `docker save` makes it, to the
// file path.
func (d *docker) save(ctx context.Context, path string, images ...string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	r, err := d.api.ImageSave(ctx, images)
	if err != nil {
		return fmt.Errorf("save %s: %w", strings.Join(images, " "), err)
	}
	defer r.Close()
	if _, err := io.Copy(f, r); err != nil {
		return fmt.Errorf("save %s: %w", strings.Join(images, " "), err)
	}
	return f.Close()
}

// startPrivileged creates container name of image and starts it running
// cmd (entrypoint and arguments), privileged and without seccomp or
// AppArmor confinement, on the default network. It carries no label: a
// commit would copy it into the image.
func (d *docker) startPrivileged(ctx context.Context, name, image string, cmd ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	c, err := d.api.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name,
		Config: &container.Config{Image: image, Entrypoint: cmd[:1], Cmd: cmd[1:]},
		HostConfig: &container.HostConfig{Privileged: true,
			SecurityOpt: []string{"seccomp=unconfined", "apparmor=unconfined"}},
	})
	if err != nil {
		return fmt.Errorf("create container %s of %s: %w", name, image, err)
	}
	if _, err := d.api.ContainerStart(ctx, c.ID, client.ContainerStartOptions{}); err != nil {
		return fmt.Errorf("start container %s: %w", name, err)
	}
	return nil
}

// exec runs cmd in the running container ctr, within timeout, feeding it
// stdin when that is not nil, and returns what it printed on stdout. What
// it prints goes to the step log too. A non-zero exit is an error quoting
// the end of its output.
func (d *docker) exec(ctx context.Context, ctr string, stdin io.Reader, timeout time.Duration, cmd ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	what := fmt.Sprintf("%s in %s", cmd[0], ctr)
	var stdout, all bytes.Buffer
	outw, errw := io.MultiWriter(&stdout, &all), io.Writer(&all)
	if d.log != nil {
		outw, errw = io.MultiWriter(outw, d.log), io.MultiWriter(errw, d.log)
	}
	code, err := dockerexec.Run(ctx, d.api, ctr, dockerexec.Options{Cmd: cmd, Stdin: stdin, Stdout: outw, Stderr: errw})
	if err != nil {
		return nil, fmt.Errorf("exec %s: %w", what, err)
	}
	if code != 0 {
		return nil, fmt.Errorf("%s exited with status %d: %s", what, code, tail(all.String(), 2000))
	}
	return stdout.Bytes(), nil
}

// tail is the last n bytes of s, trimmed.
func tail(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) > n {
		s = "..." + s[len(s)-n:]
	}
	return s
}

// commit makes image tag from container ctr, like `docker commit`
// (pausing it meanwhile), applying changes.
func (d *docker) commit(ctx context.Context, ctr, tag string, changes ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	if _, err := d.api.ContainerCommit(ctx, ctr, client.ContainerCommitOptions{Reference: tag, Changes: changes}); err != nil {
		return fmt.Errorf("commit %s as %s: %w", ctr, tag, err)
	}
	return nil
}

// rootDir is the engine's data directory, or "" when it does not say.
func (d *docker) rootDir(ctx context.Context) string {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	res, err := d.api.Info(ctx, client.InfoOptions{})
	if err != nil {
		return ""
	}
	return res.Info.DockerRootDir
}
