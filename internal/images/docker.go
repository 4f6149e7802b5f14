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
	"sort"
	"strings"
	"time"

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

// docker runs the docker CLI.
type docker struct {
	bin string
	log io.Writer // step log; nil discards
}

func (d *docker) cmd(args ...string) *xexec.Cmd {
	c := xexec.Command(d.bin, args...)
	if d.log != nil {
		c.Log = d.log
	}
	return c
}

// imageInfo is what we read back from `docker image inspect`.
type imageInfo struct {
	ID      string
	Size    int64
	Created time.Time
	Labels  map[string]string
}

// inspect returns nil, nil when the image does not exist.
func (d *docker) inspect(ctx context.Context, name string) (*imageInfo, error) {
	out, err := xexec.Command(d.bin, "image", "inspect", "--format", "{{json .}}", name).
		WithTimeout(time.Minute).Output(ctx)
	if err != nil {
		if xe, ok := err.(*xexec.Error); ok && strings.Contains(strings.ToLower(xe.OutputText()), "no such image") {
			return nil, nil
		}
		return nil, fmt.Errorf("inspect image %s: %w", name, err)
	}
	var raw struct {
		ID      string    `json:"Id"`
		Size    int64     `json:"Size"`
		Created time.Time `json:"Created"`
		Config  struct {
			Labels map[string]string `json:"Labels"`
		} `json:"Config"`
	}
	if err := json.Unmarshal(out, &raw); err != nil {
		return nil, fmt.Errorf("inspect image %s: %w", name, err)
	}
	if raw.Config.Labels == nil {
		raw.Config.Labels = map[string]string{}
	}
	return &imageInfo{ID: raw.ID, Size: raw.Size, Created: raw.Created, Labels: raw.Config.Labels}, nil
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
		if err := d.cmd("tag", src, n).WithTimeout(time.Minute).Run(ctx); err != nil {
			return err
		}
	}
	return nil
}

// rmi removes image references, ignoring those that do not exist.
func (d *docker) rmi(ctx context.Context, refs ...string) error {
	if len(refs) == 0 {
		return nil
	}
	args := append([]string{"image", "rm"}, refs...)
	err := d.cmd(args...).WithTimeout(2 * time.Minute).Run(ctx)
	if xe, ok := err.(*xexec.Error); ok && strings.Contains(strings.ToLower(xe.OutputText()), "no such image") {
		return nil
	}
	return err
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
		out, err = d.cmd("run", "--rm", "--network=none", "--label", labelBuild+"=true", "--entrypoint", "dpkg-query", image,
			"-W", "-f", "${Package}\t${Version}\t${db:Status-Abbrev}\n").WithTimeout(2 * time.Minute).Output(ctx)
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
	id, err := d.cmd("create", "--network=none", "--label", labelBuild+"=true", image, "/nonexistent").
		WithTimeout(time.Minute).OutputString(ctx)
	if err != nil {
		return nil, err
	}
	defer d.cmd("rm", "-f", "-v", id).WithTimeout(time.Minute).Run(context.WithoutCancel(ctx))
	out, err := d.cmd("cp", id+":"+PackagesFile, "-").WithTimeout(time.Minute).Output(ctx)
	if err != nil {
		var xe *xexec.Error
		if errors.As(err, &xe) && strings.Contains(strings.ToLower(xe.OutputText()), "could not find the file") {
			return nil, nil
		}
		return nil, err
	}
	tr := tar.NewReader(bytes.NewReader(out))
	for {
		h, err := tr.Next()
		if err != nil {
			return nil, fmt.Errorf("%s in the archive of docker cp: %w", PackagesFile, err)
		}
		if h.Typeflag == tar.TypeReg {
			return io.ReadAll(tr)
		}
	}
}
