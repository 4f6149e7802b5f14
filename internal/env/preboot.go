package env

// Pre-booted clusters. `kind create cluster` spends most of its time
// booting a control plane that is the same on every run: kubeadm init,
// certificates, the API server's first start, the node's registration and
// its not-ready taint. advent knows a lab's clusters in advance, so
// `advent lab preboot` creates each one once with kind, exactly as a run
// would (same node image, config, name and images loaded), waits until its
// system pods are Ready, stops it and keeps it as a Docker image: the node's
// root file system (docker commit) with its /var volume (etcd, containerd,
// the kubelet) added as a layer. A run then starts the node from that image
// with the arguments kind gives a node (kindRunArgs) on the same address,
// and the cluster comes up where kind left it, with the lab's images in it.
//
// A pre-booted image is used only when its key matches: kind's version,
// the cluster's name, the node image's ID, the kind config and the IDs of
// the images loaded. When the node's address is taken or the kind network
// has another subnet, or the start fails, the cluster is created with kind
// as usual and the run says so.

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	units "github.com/docker/go-units"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/kubectl/pkg/util/podutils"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/xexec"
)

// PrebootRepo is the repository of pre-booted node images; the tag is the
// cluster's name and the key's first 12 hex digits.
const PrebootRepo = "advent.local/kind-preboot"

const (
	// prebootFormat changes when what a pre-booted image holds changes.
	prebootFormat = "6"
	// prebootKeyLabel carries the key of a pre-booted image.
	prebootKeyLabel = "io.advent.preboot.key"
	// prebootNodeLabel carries the node's record (prebootNode, JSON).
	prebootNodeLabel = "io.advent.preboot.node"
	// kindRoleLabel is the label kind puts a node's role in.
	kindRoleLabel = "io.x-k8s.kind.role"
	// prebootMaxAge is how old a pre-booted image may be: its certificates
	// (one year) and its kubelet's client certificate must stay valid.
	prebootMaxAge = 30 * 24 * time.Hour
	// prebootSettle bounds waiting for a new cluster's system pods.
	prebootSettle = 3 * time.Minute
)

// errNoPreboot says a cluster cannot be pre-booted.
var errNoPreboot = errors.New("not pre-bootable")

// prebootNode is what a pre-booted image records about its node.
type prebootNode struct {
	Cluster   string    `json:"cluster"`
	Node      string    `json:"node"` // container name and hostname
	IP        string    `json:"ip"`   // address on the kind network
	Subnet    string    `json:"subnet"`
	Booted    time.Time `json:"booted"`
	NodeImage string    `json:"node_image"`
	Images    []string  `json:"images,omitempty"`
}

// PrebootImage is a pre-booted node image of one cluster.
type PrebootImage struct {
	Cluster string
	Image   string // PrebootRepo:tag
	Key     string
	Booted  time.Time
	// Built is false when an image with the key existed already.
	Built bool
	// Took is how long making it took (0 when it existed).
	Took time.Duration
}

// prebootKey is the key of the pre-booted image of the cluster o describes.
// Only one-node clusters of the default config can be pre-booted, and not
// behind a proxy (kind passes the proxy to the node).
func prebootKey(ctx context.Context, o ClusterOptions) (string, error) {
	if len(o.Config) > 0 || o.Image == "" {
		return "", fmt.Errorf("%w: a custom kind config or kind's default image", errNoPreboot)
	}
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"} {
		if os.Getenv(v) != "" {
			return "", fmt.Errorf("%w: %s is set", errNoPreboot, v)
		}
	}
	h := sha256.New()
	add := func(k, v string) { fmt.Fprintf(h, "%s=%q\n", k, v) }
	add("format", prebootFormat)
	add("kind", images.KindVersion)
	add("name", o.Name)
	add("config", string(defaultConfig(o.Image, cgroupV1())))
	names := append([]string{o.Image}, o.LoadImages...)
	ids, err := imageIDs(ctx, names)
	if err != nil {
		return "", err
	}
	for i, n := range names {
		add("image "+n, ids[i])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// imageIDs are the IDs of local images, in order, from one docker call.
func imageIDs(ctx context.Context, names []string) ([]string, error) {
	args := append([]string{"image", "inspect", "--format", "{{.Id}}"}, names...)
	out, err := xexec.Command("docker", args...).WithTimeout(dockerTimeout).OutputString(ctx)
	if err != nil {
		return nil, fmt.Errorf("images %s: %w", strings.Join(names, " "), err)
	}
	ids := strings.Fields(out)
	if len(ids) != len(names) {
		return nil, fmt.Errorf("images %s: docker image inspect gave %d IDs", strings.Join(names, " "), len(ids))
	}
	return ids, nil
}

// findPreboot returns the pre-booted image for key and its node record, or
// nil when there is none (or it is too old).
func findPreboot(ctx context.Context, key string) (string, *prebootNode, error) {
	out, err := xexec.Command("docker", "images", "--filter", "label="+prebootKeyLabel+"="+key,
		"--format", "{{.Repository}}:{{.Tag}}").WithTimeout(dockerTimeout).OutputString(ctx)
	if err != nil {
		return "", nil, err
	}
	for _, ref := range strings.Fields(out) {
		raw, err := xexec.Command("docker", "image", "inspect", "--format",
			`{{index .Config.Labels "`+prebootNodeLabel+`"}}`, ref).WithTimeout(dockerTimeout).OutputString(ctx)
		if err != nil {
			return "", nil, err
		}
		var n prebootNode
		if err := json.Unmarshal([]byte(raw), &n); err != nil {
			return "", nil, fmt.Errorf("pre-booted image %s: bad %s label: %w", ref, prebootNodeLabel, err)
		}
		if time.Since(n.Booted) > prebootMaxAge {
			continue
		}
		return ref, &n, nil
	}
	return "", nil, nil
}

// Preboot makes a pre-booted image of each cluster of opts (one lab's
// clusters) whose image is missing or stale. The clusters are created
// together, as a run creates them, so each keeps its own address. Progress
// goes to log.
func Preboot(ctx context.Context, opts []ClusterOptions, log io.Writer) ([]PrebootImage, error) {
	if log == nil {
		log = io.Discard
	}
	res := make([]PrebootImage, len(opts))
	stale := false
	for i, o := range opts {
		key, err := prebootKey(ctx, o)
		if err != nil {
			return nil, fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
		}
		res[i] = PrebootImage{Cluster: o.Name, Key: key, Image: prebootTag(o.Name, key)}
		ref, n, err := findPreboot(ctx, key)
		if err != nil {
			return nil, fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
		}
		if ref == "" {
			stale = true
			continue
		}
		res[i].Image, res[i].Booted = ref, n.Booted
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
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = prebootOne(ctx, opts[i], &res[i], log)
		}()
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

func prebootTag(cluster, key string) string { return PrebootRepo + ":" + cluster + "-" + key[:12] }

// prebootOne creates the cluster o describes with kind, waits for its
// system pods, stops it and keeps it as r.Image; the cluster is deleted
// whatever happens.
func prebootOne(ctx context.Context, o ClusterOptions, r *PrebootImage, log io.Writer) (err error) {
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
	ip, subnet, err := nodeAddress(ctx, node)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	rec := prebootNode{Cluster: o.Name, Node: node, IP: ip, Subnet: subnet, Booted: time.Now().UTC(),
		NodeImage: o.Image, Images: o.LoadImages}
	dropped, freed, err := dropUnpackedLayers(ctx, node)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	uppers, err := activeSnapshots(ctx, node)
	if err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	fmt.Fprintf(log, "pre-booting cluster %s: Ready at %s; %.0f MB of unpacked image layers dropped; stopping %s and keeping it as %s\n",
		o.Name, ip, float64(freed)/1e6, node, r.Image)
	if err := commitNode(ctx, node, r.Image, r.Key, rec, dropped, uppers); err != nil {
		return fmt.Errorf("pre-boot cluster %s: %w", o.Name, err)
	}
	r.Booted = rec.Booted
	removeOtherPreboots(ctx, o.Name, r.Image, log)
	return nil
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
func dropUnpackedLayers(ctx context.Context, node string) ([]string, int64, error) {
	out, err := xexec.Command("docker", "exec", node, "ctr", "-n", "k8s.io", "content", "ls").
		WithTimeout(time.Minute).OutputString(ctx)
	if err != nil {
		return nil, 0, fmt.Errorf("list the node's image content: %w", err)
	}
	digests, freed := unpackedLayers(out)
	if len(digests) == 0 {
		return nil, 0, nil
	}
	args := append([]string{"exec", node, "ctr", "-n", "k8s.io", "content", "rm"}, digests...)
	if err := xexec.Command("docker", args...).WithTimeout(time.Minute).Run(ctx); err != nil {
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
// (ctr snapshots ls, then the mounts of each Active one).
func activeSnapshots(ctx context.Context, node string) (map[string]bool, error) {
	out, err := xexec.Command("docker", "exec", node, "sh", "-c",
		`ctr -n k8s.io snapshots ls | awk '$3 == "Active" { print $1 }' | while read -r k; do ctr -n k8s.io snapshots mounts /advent-preboot "$k" || exit 1; done`).
		WithTimeout(time.Minute).OutputString(ctx)
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
// empties /var, the files it added or changed (docker diff), and its /var
// volume. (docker commit would keep the node image's /var below the
// volume's and mark /var a volume, which no later layer can then change.)
//
// Every start copies the image's /var into the node's new volume, so
// what need not be there is not: the unpacked layer blobs (dropped), the
// WAL file etcd preallocates (it makes it again), and containerd's
// read-only snapshots, the unpacked image layers, which move to
// prebootSnapshotsDir in the root file system and leave a symlink behind
// (overlayfs reads a lower directory through it; new snapshots, and the
// writable ones named in uppers, stay in /var): a start copies less.
func commitNode(ctx context.Context, node, image, key string, rec prebootNode, dropped []string, uppers map[string]bool) error {
	if err := xexec.Command("docker", "stop", "--time", "5", node).WithTimeout(time.Minute).Run(ctx); err != nil {
		return err
	}
	base, err := xexec.Command("docker", "inspect", "--format", "{{.Image}}", node).WithTimeout(dockerTimeout).OutputString(ctx)
	if err != nil {
		return err
	}
	diff, err := xexec.Command("docker", "diff", node).WithTimeout(5 * time.Minute).OutputString(ctx)
	if err != nil {
		return err
	}
	changed, deleted := rootChanges(diff)
	dir, err := os.MkdirTemp(prebootTempDir(), "advent-preboot-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := copyOut(ctx, node, changed, filepath.Join(dir, "root.tar"), keepAll); err != nil {
		return err
	}
	v := varLayout{skip: map[string]bool{}, uppers: uppers}
	for _, d := range dropped {
		v.skip["var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/"+strings.TrimPrefix(d, "sha256:")] = true
	}
	if err := copyOut(ctx, node, []string{"/var"}, filepath.Join(dir, "var.tar"), v.rewrite); err != nil {
		return err
	}
	recJSON, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	rm, _ := json.Marshal(append([]string{"rm", "-rf"}, deleted...))
	dockerfile := "FROM " + base + "\n" +
		`RUN ["find", "/var", "-mindepth", "1", "-delete"]` + "\n"
	if len(deleted) > 0 {
		dockerfile += "RUN " + string(rm) + "\n"
	}
	dockerfile += "ADD root.tar /\nADD var.tar /\n" +
		// kubeadm starts the kubelet once containerd runs; at boot,
		// systemd starts both at once and the kubelet that finds no CRI
		// yet exits and is restarted a second later.
		`RUN ["/bin/sh", "-c", "mkdir -p /etc/systemd/system/kubelet.service.d && printf '[Unit]\\nAfter=containerd.service\\nWants=containerd.service\\n' > /etc/systemd/system/kubelet.service.d/05-advent-preboot.conf"]` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(dockerfile), 0o644); err != nil {
		return err
	}
	return xexec.Command("docker", "build", "--quiet", "--label", prebootKeyLabel+"="+key,
		"--label", prebootNodeLabel+"="+string(recJSON), "--tag", image, dir).
		WithEnv("DOCKER_BUILDKIT=0").WithTimeout(15 * time.Minute).Run(ctx)
}

// notInRoot are paths docker diff may list that are not the node's root
// file system: its volume and tmpfs mounts, and the files Docker mounts.
var notInRoot = []string{"/var", "/tmp", "/run", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/.dockerenv"}

// rootChanges reads `docker diff` (A added, C changed, D deleted, one path
// a line) and returns what to copy out of the node — added paths whose
// parent was not added too, and changed paths that are not directories
// (a changed directory has changed paths below it) — and what to delete.
func rootChanges(diff string) (copyOut, deleted []string) {
	kinds := map[string]byte{}
	var paths []string
	for _, line := range strings.Split(diff, "\n") {
		kind, p, ok := strings.Cut(strings.TrimSpace(line), " ")
		if !ok || len(kind) != 1 || !strings.HasPrefix(p, "/") || mounted(p) {
			continue
		}
		kinds[p] = kind[0]
		paths = append(paths, p)
	}
	sort.Strings(paths)
	hasChild := func(p string) bool {
		i := sort.SearchStrings(paths, p+"/")
		return i < len(paths) && strings.HasPrefix(paths[i], p+"/")
	}
	for _, p := range paths {
		switch kinds[p] {
		case 'A':
			if kinds[filepath.Dir(p)] != 'A' {
				copyOut = append(copyOut, p)
			}
		case 'C':
			if !hasChild(p) {
				copyOut = append(copyOut, p)
			}
		case 'D':
			if kinds[filepath.Dir(p)] != 'D' {
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
// each under its own path (docker cp names entries after the base name),
// as rewrite maps each entry.
func copyOut(ctx context.Context, node string, paths []string, dst string, rewrite func(*tar.Header) []*tar.Header) error {
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(f)
	for _, p := range paths {
		if err := copyPath(ctx, node, p, tw, rewrite); err != nil {
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

// copyPath appends node:p to tw, renaming docker cp's entries
// (base/...) to p's path without the leading slash.
func copyPath(ctx context.Context, node, p string, tw *tar.Writer, rewrite func(*tar.Header) []*tar.Header) error {
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := xexec.Command("docker", "cp", node+":"+p, "-").WithTimeout(10 * time.Minute).WithStdout(pw).Run(ctx)
		pw.CloseWithError(err)
		done <- err
	}()
	parent := strings.TrimPrefix(filepath.Dir(p), "/")
	tr := tar.NewReader(pr)
	var err error
	for {
		var h *tar.Header
		if h, err = tr.Next(); err != nil {
			break
		}
		if parent != "" {
			h.Name = parent + "/" + h.Name
			if h.Typeflag == tar.TypeLink {
				h.Linkname = parent + "/" + h.Linkname
			}
		}
		for _, w := range rewrite(h) {
			if err = tw.WriteHeader(w); err != nil {
				break
			}
			if w == h {
				_, err = io.Copy(tw, tr)
			}
			if err != nil {
				break
			}
		}
		if err != nil {
			break
		}
	}
	pr.CloseWithError(err)
	if cerr := <-done; cerr != nil {
		return fmt.Errorf("copy %s:%s: %w", node, p, cerr)
	}
	if err != io.EOF {
		return fmt.Errorf("copy %s:%s: %w", node, p, err)
	}
	return nil
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
func removeOtherPreboots(ctx context.Context, cluster, keep string, log io.Writer) {
	out, err := xexec.Command("docker", "images", PrebootRepo, "--format", "{{.Repository}}:{{.Tag}}").
		WithTimeout(dockerTimeout).OutputString(ctx)
	if err != nil {
		return
	}
	for _, ref := range strings.Fields(out) {
		tag := ref[strings.LastIndexByte(ref, ':')+1:]
		if ref == keep || !strings.HasPrefix(tag, cluster+"-") || len(tag) != len(cluster)+13 {
			continue
		}
		if xexec.Command("docker", "rmi", ref).WithTimeout(time.Minute).Run(ctx) == nil {
			fmt.Fprintf(log, "removed the older pre-booted image %s\n", ref)
		}
	}
}

// nodeAddress is a node's IPv4 address on the kind network and that
// network's IPv4 subnet.
func nodeAddress(ctx context.Context, node string) (ip, subnet string, err error) {
	ip, err = xexec.Command("docker", "inspect", "--format",
		`{{(index .NetworkSettings.Networks "`+kindNetwork+`").IPAddress}}`, node).WithTimeout(dockerTimeout).OutputString(ctx)
	if err != nil {
		return "", "", err
	}
	subnet, err = kindSubnet(ctx, ip)
	return ip, subnet, err
}

// kindSubnet is the kind network's IPv4 subnet that contains ip.
func kindSubnet(ctx context.Context, ip string) (string, error) {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return "", fmt.Errorf("node address %q: %w", ip, err)
	}
	st, err := inspectKindNetwork(ctx)
	if err != nil {
		return "", err
	}
	for _, s := range st.subnets {
		if p, err := netip.ParsePrefix(s); err == nil && p.Contains(addr) {
			return p.String(), nil
		}
	}
	return "", fmt.Errorf("the %s network (%s) has no subnet with %s", kindNetwork, strings.Join(st.subnets, " "), ip)
}

// kindRunArgs are the arguments kind v0.33 gives `docker run` for the
// control-plane node of a one-node IPv4 cluster of the default config
// (sigs.k8s.io/kind pkg/cluster/internal/providers/docker/provision.go,
// commonArgs and runArgsForNode), with the node's address fixed. A test
// compares a node started with them to one kind started.
func kindRunArgs(cluster, node, ip, image string) []string {
	return []string{"run",
		"--name", node, "--hostname", node,
		"--detach", "--tty",
		"--label", kindClusterLabel + "=" + cluster,
		"--label", kindRoleLabel + "=control-plane",
		"--net", kindNetwork, "--ip", ip,
		"--restart=on-failure:1", "--init=false", "--cgroupns=private",
		"--privileged",
		"--security-opt", "seccomp=unconfined", "--security-opt", "apparmor=unconfined",
		"--tmpfs", "/tmp", "--tmpfs", "/run",
		"--volume", "/var", "--volume", "/lib/modules:/lib/modules:ro",
		"-e", "KIND_EXPERIMENTAL_CONTAINERD_SNAPSHOTTER",
		"--publish", "127.0.0.1::6443/TCP",
		"-e", "KUBECONFIG=/etc/kubernetes/admin.conf",
		image,
	}
}

// advent's label on the kind networks it makes (createKindNetwork).
const kindNetworkLabel = "io.advent.kind-network"

// kindNetworkState is what addressFree needs to know of the kind network.
type kindNetworkState struct {
	exists  bool
	advent  bool     // made by advent, with its IPv4 subnet given
	subnets []string // IPAM's subnets
	addrs   []string // the addresses of the containers on it
}

// inspectKindNetwork reads the kind network (whether it exists, then one
// docker network inspect).
func inspectKindNetwork(ctx context.Context) (kindNetworkState, error) {
	exists, err := networkExists(ctx, kindNetwork)
	if err != nil || !exists {
		return kindNetworkState{}, err
	}
	out, err := xexec.Command("docker", "network", "inspect", "--format",
		`{{index .Labels "`+kindNetworkLabel+`"}}|{{range .IPAM.Config}}{{.Subnet}} {{end}}|{{range .Containers}}{{.IPv4Address}} {{end}}`,
		kindNetwork).WithTimeout(dockerTimeout).OutputString(ctx)
	if err != nil {
		return kindNetworkState{}, err
	}
	f := strings.SplitN(out, "|", 3)
	if len(f) != 3 {
		return kindNetworkState{}, fmt.Errorf("docker network inspect %s: unexpected %q", kindNetwork, out)
	}
	st := kindNetworkState{exists: true, advent: f[0] != "", subnets: strings.Fields(f[1])}
	for _, a := range strings.Fields(f[2]) {
		st.addrs = append(st.addrs, strings.SplitN(a, "/", 2)[0])
	}
	return st, nil
}

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
func addressFree(ctx context.Context, rec *prebootNode) (created bool, err error) {
	st, err := inspectKindNetwork(ctx)
	if err != nil {
		return false, err
	}
	onSubnet := slices.Contains(st.subnets, rec.Subnet)
	if st.exists && (!st.advent || !onSubnet) {
		switch {
		case len(st.addrs) > 0 && !onSubnet:
			return false, fmt.Errorf("the %s network (%s) is not on the node's subnet %s and %d containers use it", kindNetwork, strings.Join(st.subnets, " "), rec.Subnet, len(st.addrs))
		case len(st.addrs) == 0:
			removeKindNetworkIfUnused(ctx)
			if st, err = inspectKindNetwork(ctx); err != nil {
				return false, err
			}
			if st.exists {
				return false, fmt.Errorf("the %s network could not be made again on the node's subnet %s", kindNetwork, rec.Subnet)
			}
		}
	}
	if !st.exists {
		cerr := createKindNetwork(ctx, rec.Subnet)
		if cerr == nil {
			return true, nil
		}
		// Another process (kind, or a second advent) may have made it
		// meanwhile; this process's starts take turns (startMu).
		if st, err = inspectKindNetwork(ctx); err != nil || !st.exists {
			return false, cerr
		}
		if !slices.Contains(st.subnets, rec.Subnet) {
			return false, fmt.Errorf("the %s network was made meanwhile on another subnet (%s), not the node's %s", kindNetwork, strings.Join(st.subnets, " "), rec.Subnet)
		}
	}
	if slices.Contains(st.addrs, rec.IP) {
		return false, fmt.Errorf("address %s on the %s network is taken", rec.IP, kindNetwork)
	}
	return false, nil
}

// createKindNetwork creates the kind network as kind v0.33 does (bridge,
// masquerade, MTU 1500, IPv6 with the ULA subnet kind derives from the
// name "kind"), with the IPv4 subnet a pre-booted node was on and advent's
// label (kind finds its network by name).
func createKindNetwork(ctx context.Context, subnet string) error {
	return xexec.Command("docker", "network", "create", "-d=bridge", "--label", kindNetworkLabel+"=1",
		"-o", "com.docker.network.bridge.enable_ip_masquerade=true",
		"-o", "com.docker.network.driver.mtu=1500",
		"--ipv6", "--subnet", "fc00:f853:ccd:e793::/64", "--subnet", subnet, kindNetwork).
		WithTimeout(dockerTimeout).Run(ctx)
}

// tryPreboot starts c from its pre-booted image when one matches. It
// reports false, with c.Start.Fallback saying why, when the cluster is to
// be created with kind instead; an error only when ctx ended.
func (c *Cluster) tryPreboot(ctx context.Context, o ClusterOptions) (bool, error) {
	key, err := prebootKey(ctx, o)
	if err != nil {
		c.Start.Fallback = err.Error()
		return false, nil
	}
	image, rec, err := findPreboot(ctx, key)
	defer func() {
		if image != "" && !c.Start.Prebooted() && c.Start.Fallback != "" && o.Log != nil {
			fmt.Fprintf(o.Log, "pre-booted image %s not used: %s; creating the cluster with kind\n", image, c.Start.Fallback)
		}
	}()
	if err != nil || image == "" {
		c.Start.Fallback = "no pre-booted image (advent lab preboot)"
		if err != nil {
			c.Start.Fallback = err.Error()
		}
		return false, nil
	}
	begin := time.Now()
	if err := c.startPrebooted(ctx, o, image, rec); err != nil {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cleanupTimeout)
		defer cancel()
		c.cleanupAfterFailure(cctx, nil)
		if ctx.Err() != nil {
			return false, fmt.Errorf("start cluster %s from %s: %w", o.Name, image, ctx.Err())
		}
		c.Start.Fallback = fmt.Sprintf("it did not start: %v", err)
		// kind creates the cluster now: after the other clusters of this
		// process that start from pre-booted images have their addresses,
		// or kind's node could take one of them. c.createdNetwork stays:
		// when this process made the network, its last cluster removes it.
		startMu.Lock()
		startMu.Unlock() //nolint:staticcheck // a barrier, not a critical section
		return false, nil
	}
	c.CreateTime = time.Since(begin)
	c.Start = report.ClusterStart{Cluster: o.Name, By: report.FromPreboot, Image: image, Booted: rec.Booted}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "Started cluster %q from the pre-booted image %s in %s\n", o.Name, c.Start.From(), c.CreateTime.Round(100*time.Millisecond))
	}
	return true, nil
}

// startPrebooted starts cluster c from a pre-booted image and waits until
// its API answers and its node is Ready and schedulable.
func (c *Cluster) startPrebooted(ctx context.Context, o ClusterOptions, image string, rec *prebootNode) error {
	startedAt, running, err := c.startNode(ctx, o, image, rec)
	if err != nil {
		return err
	}
	if err := c.provider.ExportKubeConfig(o.Name, c.Kubeconfig, false); err != nil {
		return fmt.Errorf("kubeconfig: %w", err)
	}
	wait := o.Wait
	if wait <= 0 {
		wait = DefaultWait
	}
	// The node's status from before it was stopped says Ready: it counts
	// only once its kubelet has reported again, after this start (the
	// node shares the host's clock; a second of slack for rounding).
	apiUp, err := waitSchedulable(ctx, c.Kubeconfig, rec.Node, startedAt.Add(-time.Second), wait)
	if err == nil && o.Log != nil {
		fmt.Fprintf(o.Log, "Node %s running after %s, API answering after %s, Ready after %s\n", rec.Node,
			running.Round(100*time.Millisecond), apiUp.Sub(startedAt).Round(100*time.Millisecond),
			time.Since(startedAt).Round(100*time.Millisecond))
	}
	return err
}

// startMu orders the starts of pre-booted nodes in this process: the
// kind network's check and creation and each node's `docker run` on its
// address happen one at a time (the clusters of one lab start together).
var startMu sync.Mutex

// startNode checks that the node's address is free (making the kind
// network on its subnet when needed) and runs the node on it. It returns
// when the docker run began and how long it took.
func (c *Cluster) startNode(ctx context.Context, o ClusterOptions, image string, rec *prebootNode) (time.Time, time.Duration, error) {
	startMu.Lock()
	defer startMu.Unlock()
	created, err := addressFree(ctx, rec)
	if err != nil {
		return time.Time{}, 0, err
	}
	c.createdNetwork = c.createdNetwork || created
	if err := writeClusterRecord(o.Name, c.Kubeconfig, Self()); err != nil {
		return time.Time{}, 0, err
	}
	begin := time.Now()
	err = xexec.Command("docker", kindRunArgs(o.Name, rec.Node, rec.IP, image)...).WithTimeout(5 * time.Minute).Run(ctx)
	return begin, time.Since(begin), err
}

// clientset is a client of the cluster in kubeconfig.
func clientset(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 5 * time.Second
	return kubernetes.NewForConfig(cfg)
}

// poll calls f every 100 ms (k8s.io/apimachinery's wait) until it reports
// done or within passes; the error says what f last found wanting.
func poll(ctx context.Context, within time.Duration, what string, f func(ctx context.Context) (bool, string)) error {
	last := ""
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, within, true, func(ctx context.Context) (bool, error) {
		done, why := f(ctx)
		last = why
		return done, nil
	})
	if err != nil {
		return fmt.Errorf("%s: not after %s (%s): %w", what, within, last, err)
	}
	return nil
}

// waitSchedulable waits until the API server is ready (/readyz) and node
// is Ready, as its kubelet reported after since, without the not-ready
// taint.
// It returns when the API first answered.
func waitSchedulable(ctx context.Context, kubeconfig, node string, since time.Time, within time.Duration) (apiUp time.Time, err error) {
	cs, err := clientset(kubeconfig)
	if err != nil {
		return apiUp, err
	}
	err = poll(ctx, within, "node "+node+" Ready", func(ctx context.Context) (bool, string) {
		n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		if apiUp.IsZero() {
			apiUp = time.Now()
		}
		// The API server answers before its post-start hooks (RBAC's
		// bootstrap roles, priority classes) have run again; kubeadm's
		// fresh one has them done when kind returns.
		if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
			return false, "API server not ready: " + err.Error()
		}
		for _, t := range n.Spec.Taints {
			if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
				return false, "tainted " + t.Key
			}
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				if cond.LastHeartbeatTime.Time.Before(since) {
					return false, "no status from the kubelet since the start"
				}
				return cond.Status == corev1.ConditionTrue, "Ready " + string(cond.Status)
			}
		}
		return false, "no Ready condition"
	})
	return apiUp, err
}

// waitSystemPods waits until every pod of the cluster is Ready.
func waitSystemPods(ctx context.Context, kubeconfig string, within time.Duration) error {
	cs, err := clientset(kubeconfig)
	if err != nil {
		return err
	}
	return poll(ctx, within, "system pods Ready", func(ctx context.Context) (bool, string) {
		pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var notReady []string
		for _, p := range pods.Items {
			if !podutils.IsPodReady(&p) {
				notReady = append(notReady, p.Namespace+"/"+p.Name)
			}
		}
		sort.Strings(notReady)
		return len(pods.Items) > 0 && len(notReady) == 0, "not Ready: " + strings.Join(notReady, ", ")
	})
}
