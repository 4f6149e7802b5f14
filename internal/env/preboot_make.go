package env

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	units "github.com/docker/go-units"
	"github.com/moby/moby/api/types/build"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/images"
)

// makeImages is Preboot.
func (p *prebooter) makeImages(ctx context.Context, opts []ClusterOptions, log io.Writer) ([]PrebootImage, error) {
	res := make([]PrebootImage, len(opts))
	stale := false
	for i, o := range opts {
		key, err := p.key(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
		}
		res[i] = PrebootImage{Cluster: o.Name, Key: key, Image: prebootTag(o.Name, key)}
		ref, n, err := p.find(ctx, key)
		switch {
		case errors.Is(err, errNoImage) || errors.Is(err, errTooOld):
			stale = true
		case err != nil:
			return nil, fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
		default:
			res[i].Image, res[i].Booted = ref, n.Booted
		}
	}
	if !stale {
		for _, r := range res {
			fmt.Fprintf(log, "pre-booted image of cluster %s: %s, up to date (booted %s)\n", r.Cluster, r.Image, r.Booted.Format(time.RFC3339))
		}
		return res, nil
	}
	begin := time.Now()
	errs := make([]error, len(opts))
	var wg sync.WaitGroup
	for i := range opts {
		wg.Go(func() { errs[i] = p.bootOne(ctx, opts[i], &res[i], log) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	for i := range res {
		res[i].Built, res[i].Took = true, time.Since(begin)
	}
	return res, nil
}

// bootOne creates the cluster o describes with kind, waits for its
// system pods, stops it and keeps it as r.Image; the cluster is deleted
// whatever happens.
func (p *prebooter) bootOne(ctx context.Context, o ClusterOptions, r *PrebootImage, log io.Writer) (err error) {
	fmt.Fprintf(log, "pre-booting cluster %s: kind create cluster from %s\n", o.Name, o.Image)
	o.Log, o.Preboot = nil, false
	c, err := CreateCluster(ctx, o)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		if derr := c.Delete(cctx); derr != nil && err == nil {
			err = derr
		}
	}()
	if err := waitSystemPods(ctx, c.Kubeconfig, prebootSettle); err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	node := o.Name + "-control-plane"
	rec, err := p.nodeRecord(ctx, o, node)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	dropped, freed, err := p.dropUnpackedLayers(ctx, node)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	uppers, err := p.activeSnapshots(ctx, node)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	fmt.Fprintf(log, "pre-booting cluster %s: Ready at %s; %.0f MB of unpacked image layers dropped; stopping %s and keeping it as %s\n",
		o.Name, rec.IP, float64(freed)/1e6, node, r.Image)
	if err := p.commitNode(ctx, node, r.Image, r.Key, rec, dropped, uppers); err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	r.Booted = rec.Booted
	p.removeOtherPreboots(ctx, o.Name, r.Image, log)
	return nil
}

// nodeRecord reads what the pre-booted image records of node, which kind
// made: its address on the kind network and that network's IPv4 subnet.
// Nodes to which kind gives more than kindRunArgs (on some hosts) cannot
// be pre-booted.
func (p *prebooter) nodeRecord(ctx context.Context, o ClusterOptions, node string) (prebootNode, error) {
	ictx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	r, err := p.docker.ContainerInspect(ictx, node, client.ContainerInspectOptions{})
	if err != nil {
		return prebootNode{}, err
	}
	if extra := kindHostArgs(r.Container); len(extra) > 0 {
		return prebootNode{}, fmt.Errorf("%w: kind gives this host's nodes %s, which a start from a pre-booted image would not", errNoPreboot, strings.Join(extra, " "))
	}
	var ip netip.Addr
	if r.Container.NetworkSettings != nil {
		if e := r.Container.NetworkSettings.Networks[kindNetwork]; e != nil {
			ip = e.IPAddress
		}
	}
	st, err := inspectKindNetwork(ctx, p.docker)
	if err != nil {
		return prebootNode{}, err
	}
	subnet, ok := st.subnetOf(ip)
	if !ip.Is4() || !ok {
		return prebootNode{}, fmt.Errorf("node %s: address %v is not on an IPv4 subnet of the %s network (%v)", node, ip, kindNetwork, st.subnets)
	}
	return prebootNode{Cluster: o.Name, Node: node, IP: ip, Subnet: subnet, Booted: time.Now().UTC(),
		NodeImage: o.Image, Images: o.LoadImages}, nil
}

// kindHostArgs lists what kind gave node beyond kindRunArgs: the
// arguments it adds only on some hosts (user namespace remapping, device
// mapper and fuse devices, proxies, IPv6 sysctls).
func kindHostArgs(n container.InspectResponse) []string {
	var extra []string
	if h := n.HostConfig; h != nil {
		if h.UsernsMode != "" {
			extra = append(extra, "--userns="+string(h.UsernsMode))
		}
		for _, d := range h.Devices {
			extra = append(extra, "--device="+d.PathOnHost)
		}
		for _, b := range h.Binds {
			if b != libModulesBind {
				extra = append(extra, "--volume="+b)
			}
		}
		for k, v := range h.Sysctls {
			extra = append(extra, "--sysctl="+k+"="+v)
		}
	}
	if n.Config != nil {
		for _, e := range n.Config.Env {
			k, _, _ := strings.Cut(e, "=")
			switch strings.ToUpper(k) {
			case "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "KIND_DNS_SEARCH":
				extra = append(extra, "-e="+k)
			}
		}
	}
	sort.Strings(extra)
	return extra
}

// dropUnpackedLayers removes from the node's containerd the layer blobs
// of images it has unpacked (what containerd's discard_unpacked_layers does
// for pulled images): containers run from the unpacked snapshots, and the
// blobs would double the /var that every start from the pre-booted image
// copies. Layer blobs are those that carry only a
// containerd.io/uncompressed label; manifests and configs, which carry
// containerd.io/gc.ref labels, stay. containerd forgets them at once but
// deletes their files only when it collects garbage, so commitNode leaves
// those files out. It returns their digests and the bytes freed.
//
// containerd's API is a socket inside the node, so ctr, run there, is the
// way in; its output is text.
func (p *prebooter) dropUnpackedLayers(ctx context.Context, node string) ([]string, int64, error) {
	out, err := p.docker.exec(ctx, node, time.Minute, "ctr", "-n", "k8s.io", "content", "ls")
	if err != nil {
		return nil, 0, fmt.Errorf("list the node's image content: %w", err)
	}
	digests, freed := unpackedLayers(out)
	if len(digests) == 0 {
		return nil, 0, nil
	}
	if _, err := p.docker.exec(ctx, node, time.Minute, append([]string{"ctr", "-n", "k8s.io", "content", "rm"}, digests...)...); err != nil {
		return nil, 0, fmt.Errorf("drop unpacked layers: %w", err)
	}
	return digests, freed, nil
}

// unpackedLayers picks the layer blobs out of `ctr content ls` output
// (DIGEST SIZE AGE LABELS) and sums their sizes.
func unpackedLayers(ls string) (digests []string, size int64) {
	for _, line := range strings.Split(ls, "\n") {
		f := strings.Fields(line)
		if len(f) < 4 || !strings.HasPrefix(f[0], "sha256:") {
			continue
		}
		labels := f[len(f)-1]
		if !strings.HasPrefix(labels, "containerd.io/uncompressed=") || strings.Contains(labels, "containerd.io/gc.ref.") {
			continue
		}
		digests = append(digests, f[0])
		if n, err := units.FromHumanSize(f[1]); err == nil { // ctr's sizes: 582B, 4.2kB, 42.86MB
			size += n
		}
	}
	return digests, size
}

// snapshotsDir is where the node's containerd keeps its overlayfs
// snapshots, one directory per snapshot ID; prebootSnapshotsDir is where
// a pre-booted image keeps those that are image layers (see commitNode).
const (
	snapshotsDir        = "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots"
	prebootSnapshotsDir = "opt/advent-preboot/snapshots"
)

// activeSnapshots returns the IDs of the node's writable snapshots (the
// upper directories of its containers), from containerd's own account
// (ctr snapshots ls, then the mounts of each Active one, in one exec).
func (p *prebooter) activeSnapshots(ctx context.Context, node string) (map[string]bool, error) {
	out, err := p.docker.exec(ctx, node, time.Minute, "sh", "-c",
		`ctr -n k8s.io snapshots ls | awk '$3 == "Active" { print $1 }' | while read -r k; do ctr -n k8s.io snapshots mounts /advent-preboot "$k" || exit 1; done`)
	if err != nil {
		return nil, fmt.Errorf("list the node's active snapshots: %w", err)
	}
	return upperIDs(out), nil
}

// upperIDs reads the snapshot IDs of the upperdir options in `ctr
// snapshots mounts` output.
func upperIDs(mounts string) map[string]bool {
	ids := map[string]bool{}
	for _, opt := range strings.FieldsFunc(mounts, func(r rune) bool { return r == ',' || r == ' ' || r == '\n' }) {
		if dir, ok := strings.CutPrefix(opt, "upperdir=/"+snapshotsDir+"/"); ok {
			if id, ok := strings.CutSuffix(dir, "/fs"); ok {
				ids[id] = true
			}
		}
	}
	return ids
}

// commitNode stops node and builds image on the node image it runs: a
// layer that deletes what the node deleted from its root file system and
// empties /var, the files it added or changed (its container's changes),
// and its /var volume. (A commit would keep the node image's /var below
// the volume's and mark /var a volume, which no later layer can then
// change.)
//
// Every start copies the image's /var into the node's new volume, so
// what need not be there is not: the unpacked layer blobs (dropped), the
// WAL file etcd preallocates (it makes it again), and containerd's
// read-only snapshots, the unpacked image layers, which move to
// prebootSnapshotsDir in the root file system and leave a symlink behind
// (overlayfs reads a lower directory through it; new snapshots, and the
// writable ones named in uppers, stay in /var): a start copies less.
func (p *prebooter) commitNode(ctx context.Context, node, image, key string, rec prebootNode, dropped []string, uppers map[string]bool) error {
	actx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	timeout := 5
	if _, err := p.docker.ContainerStop(actx, node, client.ContainerStopOptions{Timeout: &timeout}); err != nil {
		return fmt.Errorf("stop %s: %w", node, err)
	}
	ins, err := p.docker.ContainerInspect(actx, node, client.ContainerInspectOptions{})
	if err != nil {
		return err
	}
	dctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	diff, err := p.docker.ContainerDiff(dctx, node, client.ContainerDiffOptions{})
	if err != nil {
		return fmt.Errorf("changes of %s: %w", node, err)
	}
	changed, deleted := rootChanges(diff.Changes)
	dir, err := os.MkdirTemp(prebootTempDir(), "advent-preboot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := p.copyOut(ctx, node, changed, filepath.Join(dir, "root.tar"), keepAll); err != nil {
		return err
	}
	v := varLayout{skip: map[string]bool{}, uppers: uppers}
	for _, d := range dropped {
		v.skip["var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/"+strings.TrimPrefix(d, "sha256:")] = true
	}
	if err := p.copyOut(ctx, node, []string{"/var"}, filepath.Join(dir, "var.tar"), v.rewrite); err != nil {
		return err
	}
	recJSON, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	rm, _ := json.Marshal(append([]string{"rm", "-rf"}, deleted...))
	dockerfile := "FROM " + ins.Container.Image + "\n" +
		`RUN ["find", "/var", "-mindepth", "1", "-delete"]` + "\n"
	if len(deleted) > 0 {
		dockerfile += "RUN " + string(rm) + "\n"
	}
	dockerfile += "ADD root.tar /\nADD var.tar /\n" +
		// kubeadm starts the kubelet once containerd runs; at boot,
		// systemd starts both at once and the kubelet that finds no CRI
		// yet exits and is restarted a second later.
		`RUN ["/bin/sh", "-c", "mkdir -p /etc/systemd/system/kubelet.service.d && printf '[Unit]\\nAfter=containerd.service\\nWants=containerd.service\\n' > /etc/systemd/system/kubelet.service.d/05-advent-preboot.conf"]` + "\n"
	return p.build(ctx, image, dockerfile, map[string]string{prebootKeyLabel: key, prebootNodeLabel: string(recJSON)}, dir, "root.tar", "var.tar")
}

// build builds image from dockerfile, with the named files of dir beside
// it, by Docker's classic builder: it takes the context as the request's
// body, where BuildKit needs a session.
func (p *prebooter) build(ctx context.Context, image, dockerfile string, labels map[string]string, dir string, files ...string) error {
	ctx, cancel := context.WithTimeout(ctx, 15*time.Minute)
	defer cancel()
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(writeBuildContext(pw, dir, dockerfile, files...)) }()
	res, err := p.docker.ImageBuild(ctx, pr, client.ImageBuildOptions{Version: build.BuilderV1, Tags: []string{image},
		Labels: labels, SuppressOutput: true, Remove: true, ForceRemove: true})
	if err != nil {
		pr.CloseWithError(err)
		return fmt.Errorf("build %s: %w", image, err)
	}
	defer res.Body.Close()
	if err := buildError(res.Body); err != nil {
		return fmt.Errorf("build %s: %w", image, err)
	}
	return nil
}

// writeBuildContext writes a build context to w: the Dockerfile and the
// named files of dir.
func writeBuildContext(w io.Writer, dir, dockerfile string, files ...string) error {
	tw := tar.NewWriter(w)
	if err := tw.WriteHeader(&tar.Header{Name: "Dockerfile", Mode: 0o644, Size: int64(len(dockerfile)), ModTime: time.Now()}); err != nil {
		return err
	}
	if _, err := io.WriteString(tw, dockerfile); err != nil {
		return err
	}
	for _, name := range files {
		if err := addFile(tw, filepath.Join(dir, name), name); err != nil {
			return err
		}
	}
	return tw.Close()
}

// addFile appends the file at path to tw as name.
func addFile(tw *tar.Writer, path, name string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	h, err := tar.FileInfoHeader(fi, "")
	if err != nil {
		return err
	}
	h.Name = name
	if err := tw.WriteHeader(h); err != nil {
		return err
	}
	_, err = io.Copy(tw, f)
	return err
}

// notInRoot are paths a container's changes may list that are not the
// node's root file system: its volume and tmpfs mounts, and the files
// Docker mounts.
var notInRoot = []string{"/var", "/tmp", "/run", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/.dockerenv"}

// rootChanges reads a container's changes and returns what to copy out
// of the node — added paths whose parent was not added too, and changed
// paths that are not directories (a changed directory has changed paths
// below it) — and what to delete.
func rootChanges(changes []container.FilesystemChange) (copyOut, deleted []string) {
	kinds := map[string]container.ChangeType{}
	var paths []string
	for _, c := range changes {
		if !strings.HasPrefix(c.Path, "/") || mounted(c.Path) {
			continue
		}
		kinds[c.Path] = c.Kind
		paths = append(paths, c.Path)
	}
	sort.Strings(paths)
	hasChild := func(p string) bool {
		i := sort.SearchStrings(paths, p+"/")
		return i < len(paths) && strings.HasPrefix(paths[i], p+"/")
	}
	for _, p := range paths {
		parent, hasParent := kinds[filepath.Dir(p)]
		switch kinds[p] {
		case container.ChangeAdd:
			if !hasParent || parent != container.ChangeAdd {
				copyOut = append(copyOut, p)
			}
		case container.ChangeModify:
			if !hasChild(p) {
				copyOut = append(copyOut, p)
			}
		case container.ChangeDelete:
			if !hasParent || parent != container.ChangeDelete {
				deleted = append(deleted, p)
			}
		}
	}
	return copyOut, deleted
}

func mounted(p string) bool {
	for _, m := range notInRoot {
		if p == m || strings.HasPrefix(p, m+"/") {
			return true
		}
	}
	return false
}

// varLayout rewrites the entries of the node's /var archive (commitNode).
type varLayout struct {
	skip   map[string]bool // entries left out
	uppers map[string]bool // snapshot IDs that stay in /var
	moved  bool            // prebootSnapshotsDir's parents are written
}

// rewrite returns the entries to write for h: none for a skipped one, the
// symlink and the moved directory for a read-only snapshot's directory,
// and otherwise h, moved when it is inside such a snapshot.
func (v *varLayout) rewrite(h *tar.Header) []*tar.Header {
	if v.skip[h.Name] || strings.HasPrefix(h.Name, "var/lib/etcd/member/wal/") && strings.HasSuffix(h.Name, ".tmp") {
		return nil
	}
	if h.Typeflag == tar.TypeLink {
		h.Linkname, _, _ = v.move(h.Linkname)
	}
	name, id, moved := v.move(h.Name)
	if !moved {
		return []*tar.Header{h}
	}
	var out []*tar.Header
	if strings.TrimSuffix(h.Name, "/") == snapshotsDir+"/"+id {
		if !v.moved {
			v.moved = true
			for _, d := range []string{"opt/", "opt/advent-preboot/", prebootSnapshotsDir + "/"} {
				out = append(out, &tar.Header{Typeflag: tar.TypeDir, Name: d, Mode: 0o755, ModTime: h.ModTime})
			}
		}
		out = append(out, &tar.Header{Typeflag: tar.TypeSymlink, Name: snapshotsDir + "/" + id,
			Linkname: "/" + prebootSnapshotsDir + "/" + id, Mode: 0o777, ModTime: h.ModTime})
	}
	h.Name = name
	return append(out, h)
}

// move maps an entry inside a read-only snapshot's directory to its place
// under prebootSnapshotsDir.
func (v *varLayout) move(name string) (string, string, bool) {
	rest, ok := strings.CutPrefix(name, snapshotsDir+"/")
	if !ok {
		return name, "", false
	}
	id, _, _ := strings.Cut(rest, "/")
	if id == "" || v.uppers[id] || strings.Trim(id, "0123456789") != "" {
		return name, "", false
	}
	return prebootSnapshotsDir + "/" + rest, id, true
}

// keepAll writes every entry as it is.
func keepAll(h *tar.Header) []*tar.Header { return []*tar.Header{h} }

// copyOut writes the paths of (stopped) node into one tar archive at dst,
// each under its own path (Docker's archives name entries after the base
// name), as rewrite maps each entry.
func (p *prebooter) copyOut(ctx context.Context, node string, paths []string, dst string, rewrite func(*tar.Header) []*tar.Header) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, path := range paths {
		if err := p.copyPath(ctx, node, path, tw, rewrite); err != nil {
			f.Close()
			return err
		}
	}
	if err := tw.Close(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// copyPath appends node:path to tw, renaming the archive's entries
// (base/...) to path's path without the leading slash.
func (p *prebooter) copyPath(ctx context.Context, node, path string, tw *tar.Writer, rewrite func(*tar.Header) []*tar.Header) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	res, err := p.docker.CopyFromContainer(ctx, node, client.CopyFromContainerOptions{SourcePath: path})
	if err != nil {
		return fmt.Errorf("copy %s:%s: %w", node, path, err)
	}
	defer res.Content.Close()
	parent := strings.TrimPrefix(filepath.Dir(path), "/")
	tr := tar.NewReader(res.Content)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("copy %s:%s: %w", node, path, err)
		}
		if parent != "" {
			h.Name = parent + "/" + h.Name
			if h.Typeflag == tar.TypeLink {
				h.Linkname = parent + "/" + h.Linkname
			}
		}
		for _, w := range rewrite(h) {
			if err := tw.WriteHeader(w); err != nil {
				return err
			}
			if w == h {
				if _, err := io.Copy(tw, tr); err != nil {
					return fmt.Errorf("copy %s:%s: %w", node, path, err)
				}
			}
		}
	}
}

// prebootTempDir is where the /var archive is written: beside Docker's
// data on the disk, not in a RAM-backed /tmp.
func prebootTempDir() string {
	if d, err := images.DefaultCacheDir(); err == nil {
		p := filepath.Join(d, "preboot-tmp")
		if os.MkdirAll(p, 0o755) == nil {
			return p
		}
	}
	return os.TempDir()
}

// removeOtherPreboots removes the cluster's older pre-booted images.
func (p *prebooter) removeOtherPreboots(ctx context.Context, cluster, keep string, log io.Writer) {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	list, err := p.docker.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", prebootKeyLabel)})
	if err != nil {
		return
	}
	for _, im := range list.Items {
		for _, ref := range im.RepoTags {
			tag, ok := strings.CutPrefix(ref, PrebootRepo+":")
			if !ok || ref == keep || !strings.HasPrefix(tag, cluster+"-") || len(tag) != len(cluster)+13 {
				continue
			}
			if _, err := p.docker.ImageRemove(ctx, ref, client.ImageRemoveOptions{PruneChildren: true}); err == nil {
				fmt.Fprintf(log, "removed the older pre-booted image %s\n", ref)
			}
		}
	}
}
