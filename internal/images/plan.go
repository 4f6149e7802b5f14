package images

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/rootfs"
)

//go:embed assets
var assets embed.FS

// Image names the steps produce.
const (
	debianImage     = "advent.local/debian:bookworm"
	systemdImage    = "advent.local/debian-systemd:bookworm"
	k8sBaseImage    = "advent.local/k8s-base:bookworm"
	staticBaseImage = "advent.local/static-base:bookworm"
	pauseImage      = "advent.local/pause:v1"
	corednsVersion  = "v1.14.3" // oldest CoreDNS the proxy serves; tagged as what kubeadm asks for
	localPathVer    = "v0.0.30" // v0.0.33 fails its checksum lookup on the proxy
	kindSandboxTag  = "3.10"    // sandbox_image of kind's containerd config
)

var (
	corednsImage   = "advent.local/coredns:" + corednsVersion
	localPathImage = "advent.local/local-path-provisioner:" + localPathVer
)

// etcdPins are the etcd versions to fall back on, per etcd minor, when the
// proxy does not serve the exact version kubeadm asks for.
var etcdPins = map[string]string{
	"3.5": "v3.5.21",
	"3.6": "v3.6.4",
}

// corednsPlugins are the CoreDNS plugin packages the CoreDNS stand-in is
// built with: those of the Corefile kubeadm installs (CoreDNSConfigMap in
// k8s.io/kubernetes cmd/kubeadm/app/phases/addons/dns/manifests.go of
// each DefaultK8sVersions, which kind uses unchanged): errors, health,
// ready, kubernetes, prometheus (package metrics), forward, cache, loop,
// reload, loadbalance. Upstream's coredns imports about 60 (cloud DNS
// SDKs, etcd, dnstap, ...); a Corefile naming another plugin fails to
// load with "Unknown directive".
var corednsPlugins = []string{
	"github.com/coredns/coredns/plugin/cache",
	"github.com/coredns/coredns/plugin/errors",
	"github.com/coredns/coredns/plugin/forward",
	"github.com/coredns/coredns/plugin/health",
	"github.com/coredns/coredns/plugin/kubernetes",
	"github.com/coredns/coredns/plugin/loadbalance",
	"github.com/coredns/coredns/plugin/loop",
	"github.com/coredns/coredns/plugin/metrics",
	"github.com/coredns/coredns/plugin/ready",
	"github.com/coredns/coredns/plugin/reload",
}

// debianStandIns are the lab stand-ins built from Debian packages alone;
// with the InSpec one (inspecStep) they make StandIns and the stand-in
// part of StepIDs.
var debianStandIns = []dockerfileSpec{
	{id: "nginx", asset: "nginx", shared: []string{"slim"}, names: []string{"nginx:alpine"}, debs: []string{"nginx-light", "curl", "busybox-static"}},
	{id: "httpd", asset: "httpd", shared: []string{"slim"}, names: []string{"httpd:alpine"}, debs: []string{"apache2", "apache2-bin", "busybox-static"}},
	{id: "perl", asset: "perl", shared: []string{"slim"}, names: []string{"perl:5.34.0"}, debs: []string{"perl", "libmath-bigint-perl", "busybox-static"}},
	{id: "ruby", asset: "ruby", names: []string{"ruby:3.1-bookworm"}, debs: []string{"ruby", "ruby3.1"}},
}

// plan creates every step in build order and computes its key.
func (b *builder) plan(ctx context.Context) error {
	add := func(s *step) *step {
		if s.upToDate == nil {
			names := s.images
			s.upToDate = func(ctx context.Context) (bool, error) { return b.imagesHaveKey(ctx, names, s.key) }
		}
		b.steps = append(b.steps, s)
		b.byID[s.id] = s
		return s
	}
	debian := add(b.debianStep())
	systemd := add(b.dockerfileStep(dockerfileSpec{
		id: "debian-systemd", title: "build systemd base image " + systemdImage, hint: "(apt, ~1 min)",
		asset: "systemd", names: []string{systemdImage}, deps: []*step{debian},
		debs: []string{"systemd", "dbus", "iptables"},
	}))
	for _, si := range debianStandIns {
		si.title = "build " + si.names[0] + " stand-in"
		si.hint = "(apt, ~1 min)"
		si.deps = []*step{debian}
		si.standIn = true
		add(b.dockerfileStep(si))
	}
	inspec, err := b.inspecStep(debian)
	if err != nil {
		return err
	}
	add(inspec)
	tools, kubectl, err := b.toolsStep(ctx)
	if err != nil {
		return err
	}
	add(tools)
	k8sBase := add(b.dockerfileStep(dockerfileSpec{
		id: "k8s-base", title: "build control-plane base image " + k8sBaseImage, hint: "(apt, ~30 s)",
		asset: "k8sbase", shared: []string{"slim"}, names: []string{k8sBaseImage}, deps: []*step{debian},
		debs: []string{"iptables", "nftables", "conntrack"},
	}))
	static := add(b.dockerfileStep(dockerfileSpec{
		id: "static-base", title: "build static base image " + staticBaseImage, hint: "(apt, ~20 s)",
		asset: "static", names: []string{staticBaseImage}, deps: []*step{debian},
		debs: []string{"ca-certificates"},
	}))
	pause := add(b.pauseStep())
	coredns := add(b.goImageStep(goImageSpec{
		id: "coredns", title: "build CoreDNS " + corednsVersion, hint: "(go build, the Corefile's plugins only, ~1 min cold)",
		module: "github.com/coredns/coredns", version: corednsVersion, pkg: "github.com/coredns/coredns",
		binary: "coredns", dest: "/coredns", entrypoint: `["/coredns"]`, image: corednsImage, base: static, standIn: true,
		main: "github.com/coredns/coredns/coremain", plugins: corednsPlugins, estimate: 90 * time.Second,
	}))
	localPath := add(b.goImageStep(goImageSpec{
		id: "local-path-provisioner", title: "build local-path-provisioner " + localPathVer, hint: "(go install, ~2 min cold)",
		module: "github.com/rancher/local-path-provisioner", version: localPathVer, pkg: "github.com/rancher/local-path-provisioner",
		binary: "local-path-provisioner", dest: "/usr/bin/local-path-provisioner", entrypoint: `["local-path-provisioner"]`,
		image: localPathImage, base: static, estimate: 2 * time.Minute,
	}))
	for _, v := range b.o.K8sVersions {
		bins := add(b.kubeBinariesStep(v))
		if v == kubectl {
			tools.after = append(tools.after, bins)
		}
		cp := add(b.controlPlaneStep(v, bins, k8sBase, static, pause, coredns))
		node, err := b.nodeStep(v, bins, cp, systemd, localPath, debian)
		if err != nil {
			return err
		}
		add(node)
	}
	return nil
}

// imagesHaveKey reports whether every name exists with key.
func (b *builder) imagesHaveKey(ctx context.Context, names []string, key string) (bool, error) {
	for _, n := range names {
		ok, err := b.docker.hasKey(ctx, n, key)
		if err != nil || !ok {
			return false, err
		}
	}
	return true, nil
}

// assetKey adds the embedded asset directory dir to h.
func assetKey(h *hasher, dir string) *hasher {
	fs.WalkDir(assets, path.Join("assets", dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := assets.ReadFile(p)
		if err != nil {
			return err
		}
		h.add("asset:"+p, string(b))
		return nil
	})
	return h
}

// copyAsset writes the embedded asset directory dir into dst.
func copyAsset(dir, dst string) error {
	sub, err := fs.Sub(assets, path.Join("assets", dir))
	if err != nil {
		return err
	}
	return os.CopyFS(dst, sub)
}

func assetText(p string) (string, error) {
	b, err := assets.ReadFile("assets/" + p)
	if err != nil {
		return "", fmt.Errorf("embedded asset %s: %w", p, err)
	}
	return string(b), nil
}

// freshDir empties and creates CACHE/build/<id> for a docker build context.
func (b *builder) freshDir(id string) (string, error) {
	dir := filepath.Join(b.o.CacheDir, "build", id)
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, os.MkdirAll(dir, 0o755)
}

// finish labels the image tmp, tags it with its final names and removes
// the images those names pointed to before, when advent built them.
func (rc *runCtx) finish(ctx context.Context, tmp string, names []string, key string, standIn bool, src Sources) error {
	srcJSON, err := json.Marshal(src)
	if err != nil {
		return err
	}
	labels := map[string]string{
		LabelKey:      key,
		LabelArtefact: rc.s.id,
		LabelStandIn:  strconv.FormatBool(standIn),
		LabelBuiltAt:  rc.b.now().UTC().Format(time.RFC3339),
		LabelSources:  string(srcJSON),
	}
	for p, v := range src.Debian {
		labels[labelDebian+p] = v
	}
	final := rc.tmp()
	if err := rc.docker.relabel(ctx, tmp, final, labels); err != nil {
		return fmt.Errorf("label image: %w", err)
	}
	newInfo, err := rc.docker.inspect(ctx, final)
	if err != nil || newInfo == nil {
		return fmt.Errorf("inspect new image: %v", err)
	}
	var old []string
	for _, n := range names {
		if info, err := rc.docker.inspect(ctx, n); err == nil && info != nil && info.ID != newInfo.ID && info.Labels[LabelKey] != "" {
			old = append(old, info.ID)
		}
	}
	if err := rc.docker.tag(ctx, final, names...); err != nil {
		return fmt.Errorf("tag %s: %w", strings.Join(names, ", "), err)
	}
	rc.logf("tagged %s as %s", shortID(newInfo.ID), strings.Join(names, ", "))
	for _, id := range dedupe(old) {
		// Only succeeds when nothing else uses it; otherwise it stays.
		if err := rc.docker.rmi(ctx, id); err == nil {
			rc.logf("removed superseded image %s", shortID(id))
		}
	}
	return nil
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

func dedupe(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

// stamp records a file artefact (binaries) next to it.
type stamp struct {
	Key     string            `json:"key"`
	BuiltAt time.Time         `json:"built_at"`
	Files   []string          `json:"files,omitempty"`
	Images  map[string]string `json:"images,omitempty"` // name -> key it must carry
	Lines   []string          `json:"lines,omitempty"`
	Sources Sources           `json:"sources"`
}

func readStamp(p string) (*stamp, error) {
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var s stamp
	if err := json.Unmarshal(b, &s); err != nil {
		return nil, nil // a broken stamp means "rebuild"
	}
	return &s, nil
}

func writeStamp(p string, s *stamp) error {
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return rootfs.WritePath(p, append(b, '\n'), 0o644)
}

// stampFresh reports whether the stamp at p has key and its files exist.
func stampFresh(p, key string) (*stamp, bool) {
	s, err := readStamp(p)
	if err != nil || s == nil || s.Key != key {
		return s, false
	}
	for _, f := range s.Files {
		if _, err := os.Stat(f); err != nil {
			return s, false
		}
	}
	return s, true
}
