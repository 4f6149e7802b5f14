package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// aptConf is written into the Debian base image.
const aptConf = `APT::Install-Recommends "false";
APT::Install-Suggests "false";
Acquire::Retries "3";
`

// debianStep: debootstrap minbase bookworm + docker import.
func (b *builder) debianStep() *step {
	s := &step{
		id: "debian", title: "build Debian base image " + debianImage, hint: "(debootstrap, ~1 min)",
		images: []string{debianImage},
	}
	s.key = newKey("debian").add("suite", debianSuite).add("variant", "minbase").
		add("mirror", b.deb.Mirror).add("sources", b.deb.Text).add("aptconf", aptConf).sum()
	s.run = func(ctx context.Context, rc *runCtx) error {
		if os.Geteuid() != 0 {
			return &StepError{Step: s.title, Reason: "debootstrap needs root", Fix: "run `advent images build` as root (or with sudo)"}
		}
		dir, err := b.freshDir(s.id)
		if err != nil {
			return err
		}
		rc.defer_(func(context.Context) { os.RemoveAll(dir) })
		rootfs := filepath.Join(dir, "rootfs")
		rc.logf("debootstrap %s from %s", debianSuite, b.deb.Mirror)
		if err := xexec.Command("debootstrap", "--variant=minbase", debianSuite, rootfs, b.deb.Mirror).
			WithLog(rc.log).WithTimeout(30 * time.Minute).Run(ctx); err != nil {
			return fmt.Errorf("debootstrap: %w", err)
		}
		if err := os.Remove(filepath.Join(rootfs, "etc/apt/sources.list")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for name, text := range map[string]string{
			"etc/apt/sources.list.d/debian.sources": b.deb.Text,
			"etc/apt/apt.conf.d/90advent":           aptConf,
		} {
			if err := os.WriteFile(filepath.Join(rootfs, name), []byte(text), 0o644); err != nil {
				return err
			}
		}
		for _, glob := range []string{"var/lib/apt/lists/*", "var/cache/apt/*.bin", "var/cache/apt/archives/*.deb", "var/log/*.log"} {
			matches, _ := filepath.Glob(filepath.Join(rootfs, glob))
			for _, m := range matches {
				os.RemoveAll(m)
			}
		}
		out, err := xexec.Command("dpkg-query", "--admindir="+filepath.Join(rootfs, "var/lib/dpkg"), "-W", "-f", "${Package}\t${Version}\n",
			"base-files", "apt", "bash", "coreutils", "libc6", "dpkg").WithTimeout(time.Minute).Output(ctx)
		if err != nil {
			return fmt.Errorf("list Debian packages: %w", err)
		}
		vers := map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if p, v, ok := strings.Cut(line, "\t"); ok {
				vers[p] = v
			}
		}
		tarball := filepath.Join(dir, "rootfs.tar")
		if err := xexec.Command("tar", "--numeric-owner", "-C", rootfs, "-cf", tarball, ".").
			WithLog(rc.log).WithTimeout(10 * time.Minute).Run(ctx); err != nil {
			return fmt.Errorf("tar the root file system: %w", err)
		}
		tmp := rc.tmp()
		if err := rc.docker.cmd("import",
			"--change", "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
			"--change", `CMD ["bash"]`, tarball, tmp).WithTimeout(10 * time.Minute).Run(ctx); err != nil {
			return fmt.Errorf("docker import: %w", err)
		}
		return rc.finish(ctx, tmp, s.images, s.key, false, Sources{Debian: vers})
	}
	return s
}

// dockerfileSpec describes an image built with `docker build` from an
// embedded asset directory.
type dockerfileSpec struct {
	id, title, hint string
	asset           string   // directory under assets/
	shared          []string // more asset directories copied into the context (assets/slim)
	names           []string // final names
	deps            []*step
	debs            []string // Debian packages whose versions become labels
	standIn         bool
	keyExtra        []string                                                // more key inputs
	prepare         func(ctx context.Context, rc *runCtx, dir string) error // adds files to the context
	goSources       map[string]string
	archives        map[string]string // release archives copied in by prepare: file -> sha256
}

func (b *builder) dockerfileStep(sp dockerfileSpec) *step {
	s := &step{id: sp.id, title: sp.title, hint: sp.hint, deps: sp.deps, images: sp.names}
	h := assetKey(newKey("dockerfile").add("id", sp.id).add("names", sp.names...).add("debs", sp.debs...), sp.asset)
	for _, d := range sp.shared {
		assetKey(h, d)
	}
	for _, d := range sp.deps {
		h.add("dep:"+d.id, d.key)
	}
	h.add("extra", sp.keyExtra...)
	h.addMap("go", sp.goSources)
	h.addMap("archive", sp.archives)
	s.key = h.sum()
	s.run = func(ctx context.Context, rc *runCtx) error {
		dir, err := b.freshDir(sp.id)
		if err != nil {
			return err
		}
		for _, a := range append([]string{sp.asset}, sp.shared...) {
			if err := copyAsset(a, dir); err != nil {
				return err
			}
		}
		if sp.prepare != nil {
			if err := sp.prepare(ctx, rc, dir); err != nil {
				return err
			}
		}
		tmp := rc.tmp()
		if err := rc.docker.build(ctx, dir, tmp, nil, 30*time.Minute); err != nil {
			return fmt.Errorf("docker build: %w", err)
		}
		src := Sources{Go: sp.goSources, Archives: sp.archives}
		if len(sp.debs) > 0 {
			if src.Debian, err = rc.docker.debVersions(ctx, tmp, sp.debs); err != nil {
				return err
			}
		}
		if err := rc.finish(ctx, tmp, sp.names, s.key, sp.standIn, src); err != nil {
			return err
		}
		os.RemoveAll(dir)
		return nil
	}
	return s
}

// pauseStep: a tiny Go pause program in an image of its own.
func (b *builder) pauseStep() *step {
	s := &step{id: "pause", title: "build pause image " + pauseImage, hint: "(go build, ~10 s)", images: []string{pauseImage}}
	s.key = assetKey(newKey("pause").add("go", b.goVer), "pause").sum()
	s.run = func(ctx context.Context, rc *runCtx) error {
		dir, err := b.freshDir(s.id)
		if err != nil {
			return err
		}
		rc.defer_(func(context.Context) { os.RemoveAll(dir) })
		src := filepath.Join(dir, "src")
		root := filepath.Join(dir, "root")
		if err := os.MkdirAll(src, 0o755); err != nil {
			return err
		}
		if err := os.MkdirAll(root, 0o755); err != nil {
			return err
		}
		for from, to := range map[string]string{"pause/main.go.txt": "main.go", "pause/go.mod.txt": "go.mod"} {
			text, err := assetText(from)
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(src, to), []byte(text), 0o644); err != nil {
				return err
			}
		}
		if err := rc.goCmd(src, "build", "-trimpath", "-ldflags=-s -w", "-o", filepath.Join(root, "pause"), ".").
			WithTimeout(10 * time.Minute).Run(ctx); err != nil {
			return fmt.Errorf("go build pause: %w", err)
		}
		tarball := filepath.Join(dir, "pause.tar")
		if err := xexec.Command("tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tarball, ".").
			WithLog(rc.log).Run(ctx); err != nil {
			return err
		}
		tmp := rc.tmp()
		if err := rc.docker.cmd("import", "--change", `ENTRYPOINT ["/pause"]`, tarball, tmp).Run(ctx); err != nil {
			return fmt.Errorf("docker import: %w", err)
		}
		return rc.finish(ctx, tmp, s.images, s.key, false, Sources{Go: map[string]string{"advent.local/pause": "internal/images/assets/pause"}})
	}
	return s
}

// goImageSpec is a Go program installed with `go install module@version`
// (a static binary) and put on the static base image.
type goImageSpec struct {
	id, title, hint string
	module, version string
	pkg             string // package to install
	binary          string // name go install produces
	dest            string // path in the image
	entrypoint      string // JSON array
	image           string
	base            *step
	standIn         bool
}

func (b *builder) goImageStep(sp goImageSpec) *step {
	dockerfile := fmt.Sprintf("FROM %s\nCOPY %s %s\nENTRYPOINT %s\n", staticBaseImage, sp.binary, sp.dest, sp.entrypoint)
	s := &step{id: sp.id, title: sp.title, hint: sp.hint, deps: []*step{sp.base}, images: []string{sp.image}}
	s.key = newKey("go-image").add("id", sp.id).add("module", sp.module, sp.version, sp.pkg).
		add("go", b.goVer).add("dockerfile", dockerfile).add("base", sp.base.key).sum()
	s.run = func(ctx context.Context, rc *runCtx) error {
		gobin := filepath.Join(b.o.CacheDir, "go", sp.id+"-"+sp.version, "bin")
		if err := os.MkdirAll(gobin, 0o755); err != nil {
			return err
		}
		if err := rc.goCmd(b.o.CacheDir, "install", "-trimpath", "-ldflags=-s -w", sp.pkg+"@"+sp.version).
			WithEnv("GOBIN=" + gobin).WithTimeout(45 * time.Minute).Run(ctx); err != nil {
			return fmt.Errorf("go install %s@%s: %w", sp.pkg, sp.version, err)
		}
		dir, err := b.freshDir(sp.id)
		if err != nil {
			return err
		}
		rc.defer_(func(context.Context) { os.RemoveAll(dir) })
		if err := copyFile(filepath.Join(gobin, sp.binary), filepath.Join(dir, sp.binary), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
			return err
		}
		tmp := rc.tmp()
		if err := rc.docker.build(ctx, dir, tmp, nil, 15*time.Minute); err != nil {
			return fmt.Errorf("docker build: %w", err)
		}
		return rc.finish(ctx, tmp, s.images, s.key, sp.standIn, Sources{Go: map[string]string{sp.module: sp.version}})
	}
	return s
}

// copyFile copies src to dst with mode perm.
func copyFile(src, dst string, perm os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	tmp := dst + ".tmp"
	if err := os.WriteFile(tmp, b, perm); err != nil {
		return err
	}
	if err := os.Chmod(tmp, perm); err != nil {
		return err
	}
	return os.Rename(tmp, dst)
}
