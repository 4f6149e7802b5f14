package images

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"golang.org/x/mod/modfile"

	"github.com/sysadvent/advent/internal/rootfs"
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
		if err := rc.docker.importTar(ctx, tarball, tmp,
			"ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", `CMD ["bash"]`); err != nil {
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
	s := &step{id: "pause", title: "build pause image " + pauseImage, hint: "(go build, ~10 s)", images: []string{pauseImage}, compiles: true}
	s.key = assetKey(newKey("pause").add("go", b.goVer).add("goflags", goBuildFlags...), "pause").sum()
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
		if err := rc.compile(ctx, rc.goBuild(src, "-s -w", filepath.Join(root, "pause"), ".").
			WithTimeout(10*time.Minute)); err != nil {
			return fmt.Errorf("go build pause: %w", err)
		}
		tarball := filepath.Join(dir, "pause.tar")
		if err := xexec.Command("tar", "--numeric-owner", "--owner=0", "--group=0", "-C", root, "-cf", tarball, ".").
			WithLog(rc.log).Run(ctx); err != nil {
			return err
		}
		tmp := rc.tmp()
		if err := rc.docker.importTar(ctx, tarball, tmp, `ENTRYPOINT ["/pause"]`); err != nil {
			return fmt.Errorf("docker import: %w", err)
		}
		return rc.finish(ctx, tmp, s.images, s.key, false, Sources{Go: map[string]string{"advent.local/pause": "internal/images/assets/pause"}})
	}
	return s
}

// goImageSpec is a Go program built from module@version (a static binary)
// and put on the static base image: with `go install pkg@version`, or,
// when plugins is set, from a generated main package that imports the
// module's main package main and only those plugin packages.
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
	estimate        time.Duration
	// main and plugins: the generated program's main package imports main
	// (a package with a Run function, e.g. coremain) and plugins.
	main    string
	plugins []string
}

// generatedMain is the main package of a program built from a generated
// module: the upstream entry point with a chosen set of plugins.
func generatedMain(sp goImageSpec) string {
	var src strings.Builder
	fmt.Fprintf(&src, "// Generated by advent images build: %s %s with only the plugins listed.\npackage main\n\nimport (\n", sp.module, sp.version)
	for _, p := range sp.plugins {
		fmt.Fprintf(&src, "\t_ %q\n", p)
	}
	fmt.Fprintf(&src, "\n\t%q\n)\n\nfunc main() { %s.Run() }\n", sp.main, path.Base(sp.main))
	return src.String()
}

func (b *builder) goImageStep(sp goImageSpec) *step {
	dockerfile := fmt.Sprintf("FROM %s\nCOPY %s %s\nENTRYPOINT %s\n", staticBaseImage, sp.binary, sp.dest, sp.entrypoint)
	s := &step{id: sp.id, title: sp.title, hint: sp.hint, deps: []*step{sp.base}, images: []string{sp.image}, estimate: sp.estimate, compiles: true}
	h := newKey("go-image").add("id", sp.id).add("module", sp.module, sp.version, sp.pkg).
		add("go", b.goVer).add("goflags", goBuildFlags...).add("dockerfile", dockerfile).add("base", sp.base.key)
	if len(sp.plugins) > 0 {
		h.add("main", generatedMain(sp))
	}
	s.key = h.sum()
	work := filepath.Join(b.o.CacheDir, "go", sp.id+"-"+sp.version)
	gobin := filepath.Join(work, "bin")
	// prepare downloads the modules and compiles: none of it needs the
	// base image, so it runs from the start of the build.
	s.prepare = func(ctx context.Context, rc *runCtx) error {
		if err := os.MkdirAll(gobin, 0o755); err != nil {
			return err
		}
		info, err := b.downloadModule(ctx, rc, sp.module, sp.version)
		if err != nil {
			return err
		}
		if len(sp.plugins) > 0 {
			return b.buildGeneratedMain(ctx, rc, sp, info, work, filepath.Join(gobin, sp.binary))
		}
		// Fetch the module's requirements first, outside the CPU budget:
		// a copy of its go.mod and go.sum, `go mod download`. go install
		// then only compiles.
		mod := filepath.Join(work, "mod")
		if err := os.MkdirAll(mod, 0o755); err != nil {
			return err
		}
		if err := copyFile(info.GoMod, filepath.Join(mod, "go.mod"), 0o644); err != nil {
			return err
		}
		if err := copyFile(filepath.Join(info.Dir, "go.sum"), filepath.Join(mod, "go.sum"), 0o644); err != nil {
			return err
		}
		if err := rc.goCmd(mod, "mod", "download").WithTimeout(20 * time.Minute).Run(ctx); err != nil {
			return fmt.Errorf("go mod download (%s@%s): %w", sp.module, sp.version, err)
		}
		if err := rc.compile(ctx, rc.goCmd(b.o.CacheDir, slices.Concat([]string{"install"}, goBuildFlags, []string{"-ldflags=-s -w", sp.pkg + "@" + sp.version})...).
			WithEnv("GOBIN="+gobin).WithTimeout(45*time.Minute)); err != nil {
			return fmt.Errorf("go install %s@%s: %w", sp.pkg, sp.version, err)
		}
		return nil
	}
	s.run = func(ctx context.Context, rc *runCtx) error {
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
		return rc.finish(ctx, tmp, s.images, s.key, sp.standIn, Sources{Go: map[string]string{sp.module: sp.version}, Plugins: sp.plugins})
	}
	return s
}

// buildGeneratedMain builds sp's program from a generated module in
// work/src: go.mod with the upstream module's requirements (so every
// dependency is at the version upstream builds with; tidy drops those the
// left-out plugins needed), main.go from generatedMain.
func (b *builder) buildGeneratedMain(ctx context.Context, rc *runCtx, sp goImageSpec, info moduleInfo, work, bin string) error {
	src := filepath.Join(work, "src")
	if err := os.RemoveAll(src); err != nil {
		return err
	}
	if err := os.MkdirAll(src, 0o755); err != nil {
		return err
	}
	up, err := os.ReadFile(info.GoMod)
	if err != nil {
		return err
	}
	f, err := modfile.ParseLax(info.GoMod, up, nil)
	if err != nil {
		return fmt.Errorf("parse %s@%s go.mod: %w", sp.module, sp.version, err)
	}
	var gomod strings.Builder
	fmt.Fprintf(&gomod, "// Generated by advent images build: %s %s with only the plugins its main.go imports.\nmodule advent.local/%s-build\n\n", sp.module, sp.version, sp.id)
	if f.Go != nil {
		fmt.Fprintf(&gomod, "go %s\n\n", f.Go.Version)
	}
	fmt.Fprintf(&gomod, "require %s %s\n\nrequire (\n", sp.module, sp.version)
	for _, r := range f.Require {
		fmt.Fprintf(&gomod, "\t%s %s\n", r.Mod.Path, r.Mod.Version)
	}
	gomod.WriteString(")\n")
	if err := os.WriteFile(filepath.Join(src, "go.mod"), []byte(gomod.String()), 0o644); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(info.Dir, "go.sum"), filepath.Join(src, "go.sum"), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(src, "main.go"), []byte(generatedMain(sp)), 0o644); err != nil {
		return err
	}
	rc.logf("go mod tidy in %s (plugins: %s)", src, strings.Join(sp.plugins, " "))
	if err := rc.goCmd(src, "mod", "tidy").WithTimeout(20 * time.Minute).Run(ctx); err != nil {
		return fmt.Errorf("go mod tidy: %w", err)
	}
	if err := rc.compile(ctx, rc.goBuild(src, "-s -w", bin, ".").WithTimeout(45*time.Minute)); err != nil {
		return fmt.Errorf("go build %s: %w", sp.binary, err)
	}
	return nil
}

// moduleInfo is what `go mod download -json` says of a module.
type moduleInfo struct {
	Path, Version string
	GoMod, Dir    string
	Error         string
}

// downloadModule fetches module@version into the module cache.
func (b *builder) downloadModule(ctx context.Context, rc *runCtx, module, version string) (moduleInfo, error) {
	var info moduleInfo
	out, err := rc.goCmd(b.o.CacheDir, "mod", "download", "-json", module+"@"+version).WithTimeout(10 * time.Minute).Output(ctx)
	if jerr := json.Unmarshal(out, &info); jerr == nil && info.Error != "" {
		return info, fmt.Errorf("go mod download %s@%s: %s", module, version, info.Error)
	}
	if err != nil {
		return info, fmt.Errorf("go mod download %s@%s: %w", module, version, err)
	}
	return info, nil
}

// copyFile copies src to dst with mode perm.
func copyFile(src, dst string, perm os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return rootfs.WritePath(dst, b, perm)
}
