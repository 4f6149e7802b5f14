package images

import (
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// containerdTweaks are applied to kind's containerd config.toml, each
// replacement must match exactly once.
//
// restrict_oom_score_adj is set to true always, not only where the
// capability bounding set lacks CAP_SYS_RESOURCE: a node image is built
// once and used on other hosts, its key must not depend on the build host,
// and the only effect where the capability exists is that containers cannot
// get a lower oom_score_adj than containerd itself (rootless kind runs like
// that too). Without it, on hosts without CAP_SYS_RESOURCE every pod
// sandbox fails with "can't get final child's PID from pipe: EOF".
var containerdTweaks = []struct{ old, new string }{
	{"restrict_oom_score_adj = false", "restrict_oom_score_adj = true"},
	// fuse-overlayfs is not packaged with the node (rootless only).
	{`[proxy_plugins]
# fuse-overlayfs is used for rootless
[proxy_plugins."fuse-overlayfs"]
  type = "snapshot"
  address = "/run/containerd-fuse-overlayfs.sock"
`, ""},
}

// nodeStep builds advent.local/kind-node:v: systemd base, Debian's
// containerd/runc/CNI plugins, kind's base files, kubeadm/kubelet/kubectl,
// the control-plane images preloaded into containerd, a static bridge CNI
// and local-path-provisioner as the default StorageClass.
func (b *builder) nodeStep(v string, bins, cp, systemd, localPath, debian *step) (*step, error) {
	name := NodeImageRepo + ":" + v
	kindFiles := filepath.Join(b.kind.Dir, "images", "base", "files")
	h := assetKey(newKey("kind-node").add("version", v).add("kind", b.kind.Version), "node")
	if err := h.addTree("kind-files", kindFiles); err != nil {
		return nil, stepError("plan: read kind's node image files", "", err)
	}
	for _, t := range containerdTweaks {
		h.add("tweak", t.old, t.new)
	}
	for _, d := range []*step{bins, cp, systemd, localPath, debian} {
		h.add("dep:"+d.id, d.key)
	}
	s := &step{id: "kind-node-" + v, title: "build kind node image " + name, hint: "(docker build + preload, ~1 min)",
		deps: []*step{bins, cp, systemd, localPath, debian}, images: []string{name}, estimate: time.Minute}
	s.key = h.sum()
	s.run = func(ctx context.Context, rc *runCtx) error {
		dir, err := b.freshDir(s.id)
		if err != nil {
			return err
		}
		rc.defer_(func(context.Context) { os.RemoveAll(dir) })
		if err := b.nodeContext(dir, kindFiles, v); err != nil {
			return err
		}
		pre := rc.tmp()
		if err := rc.docker.build(ctx, dir, pre, nil, 30*time.Minute); err != nil {
			return fmt.Errorf("docker build: %w", err)
		}
		debs, err := rc.docker.debVersions(ctx, pre, []string{"containerd", "runc", "containernetworking-plugins", "systemd", "iptables"})
		if err != nil {
			return err
		}
		committed, err := b.preload(ctx, rc, s.id, v, dir, pre)
		if err != nil {
			return err
		}
		return rc.finish(ctx, committed, s.images, s.key, false, Sources{
			Debian: debs,
			Go:     map[string]string{"k8s.io/kubernetes": v, "sigs.k8s.io/kind (base files)": b.kind.Version},
		})
	}
	return s, nil
}

// nodeContext writes the docker build context of the node image for
// Kubernetes v into dir: the node asset, kind's base files (containerd's
// config tweaked), the default StorageClass and CNI manifests, and
// kubeadm, kubelet and kubectl.
func (b *builder) nodeContext(dir, kindFiles, v string) error {
	if err := copyAsset("node", dir); err != nil {
		return err
	}
	files := filepath.Join(dir, "files")
	if err := os.CopyFS(files, os.DirFS(kindFiles)); err != nil {
		return fmt.Errorf("copy kind's base files: %w", err)
	}
	os.Remove(filepath.Join(files, "etc/systemd/system/containerd-fuse-overlayfs.service"))
	if err := b.tweakContainerd(filepath.Join(files, "etc/containerd/config.toml")); err != nil {
		return err
	}
	storage, err := assetText("node/default-storage.yaml")
	if err != nil {
		return err
	}
	storage = strings.NewReplacer("LOCAL_PATH_HELPER_IMAGE", debianImage, "LOCAL_PATH_IMAGE", localPathImage).Replace(storage)
	cni, err := assetText("node/default-cni.yaml")
	if err != nil {
		return err
	}
	conflist, err := assetText("node/10-advent-bridge.conflist")
	if err != nil {
		return err
	}
	for p, text := range map[string]string{
		"kind/version":                            v + "\n",
		"kind/manifests/default-storage.yaml":     storage,
		"kind/manifests/default-cni.yaml":         cni,
		"etc/cni/net.d/10-advent-bridge.conflist": conflist,
	} {
		full := filepath.Join(files, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(full, []byte(text), 0o644); err != nil {
			return err
		}
	}
	for _, f := range []string{"default-storage.yaml", "default-cni.yaml", "10-advent-bridge.conflist"} {
		os.Remove(filepath.Join(dir, f))
	}
	binDir := filepath.Join(dir, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return err
	}
	for _, c := range []string{"kubeadm", "kubelet", "kubectl"} {
		if err := copyFile(filepath.Join(kubeDir(b.o.CacheDir, v), "bin", c), filepath.Join(binDir, c), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// tweakContainerd applies containerdTweaks to kind's containerd config at
// path; each must match once.
func (b *builder) tweakContainerd(path string) error {
	cfg, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	text := string(cfg)
	for _, t := range containerdTweaks {
		if strings.Count(text, t.old) != 1 {
			return fmt.Errorf("kind %s's containerd config.toml changed (%q not found once): update internal/images", b.kind.Version, firstLine(t.old))
		}
		text = strings.Replace(text, t.old, t.new, 1)
	}
	return os.WriteFile(path, []byte(text), 0o644)
}

// preload imports the images kubeadm and the node's manifests use into the
// containerd of image pre (built from dir, for step id and Kubernetes v)
// and returns the committed image.
func (b *builder) preload(ctx context.Context, rc *runCtx, id, v, dir, pre string) (string, error) {
	cpStamp, err := readStamp(filepath.Join(kubeDir(b.o.CacheDir, v), "control-plane.json"))
	if err != nil || cpStamp == nil {
		return "", fmt.Errorf("control-plane images of %s are not recorded: %v", v, err)
	}
	preload := append(slices.Sorted(maps.Keys(cpStamp.Images)), localPathImage, debianImage)
	tarball := filepath.Join(dir, "images.tar")
	rc.logf("saving %d images for preloading: %s", len(preload), strings.Join(preload, " "))
	if err := rc.docker.save(ctx, tarball, preload...); err != nil {
		return "", fmt.Errorf("docker save: %w", err)
	}
	ctr := "advent-build-" + id + "-" + randHex(4)
	// Registered by name before the container exists: a create cut short
	// may still make it.
	rc.defer_(func(cctx context.Context) { rc.docker.remove(cctx, ctr) })
	// No label on this container: docker commit would copy it into the
	// node image and from there onto every kind node.
	if err := rc.docker.startPrivileged(ctx, ctr, pre, "sleep", "infinity"); err != nil {
		return "", fmt.Errorf("start preload container: %w", err)
	}
	startCtrd := `containerd >/var/log/containerd-preload.log 2>&1 & echo $! >/run/ctrd.pid
for i in $(seq 1 30); do [ -S /run/containerd/containerd.sock ] && ctr version >/dev/null 2>&1 && exit 0; sleep 1; done
cat /var/log/containerd-preload.log; exit 1`
	if _, err := rc.docker.exec(ctx, ctr, nil, 2*time.Minute, "bash", "-c", startCtrd); err != nil {
		return "", fmt.Errorf("start containerd in the node: %w", err)
	}
	if err := importImages(ctx, rc, ctr, tarball, preload); err != nil {
		return "", err
	}
	stopCtrd := `kill $(cat /run/ctrd.pid); for i in $(seq 1 20); do kill -0 $(cat /run/ctrd.pid) 2>/dev/null || break; sleep 0.5; done
rm -f /run/ctrd.pid /var/log/containerd-preload.log; rm -rf /run/containerd /tmp/*`
	if _, err := rc.docker.exec(ctx, ctr, nil, time.Minute, "bash", "-c", stopCtrd); err != nil {
		return "", fmt.Errorf("stop containerd in the node: %w", err)
	}
	committed := rc.tmp()
	if err := rc.docker.commit(ctx, ctr, committed,
		`ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]`, `CMD []`); err != nil {
		return "", fmt.Errorf("docker commit: %w", err)
	}
	return committed, nil
}

// importImages imports the image archive tarball into the containerd
// running in container ctr and checks that every image of want is there.
func importImages(ctx context.Context, rc *runCtx, ctr, tarball string, want []string) error {
	f, err := os.Open(tarball)
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := rc.docker.exec(ctx, ctr, f, 15*time.Minute, "ctr", "--namespace=k8s.io", "images", "import",
		"--label=io.cri-containerd.pinned=pinned", "--all-platforms", "--no-unpack", "--digests", "-"); err != nil {
		return fmt.Errorf("import images into the node's containerd: %w", err)
	}
	listed, err := rc.docker.exec(ctx, ctr, nil, time.Minute, "ctr", "--namespace=k8s.io", "images", "list", "-q")
	if err != nil {
		return fmt.Errorf("list the node's images: %w", err)
	}
	have := map[string]bool{}
	for _, l := range uniqueLines(string(listed)) {
		have[l] = true
	}
	for _, p := range want {
		if !have[p] && !have["docker.io/library/"+p] && !have["docker.io/"+p] {
			return fmt.Errorf("image %s missing from the node's containerd after import", p)
		}
	}
	return nil
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}
