package env

import (
	"archive/tar"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/sysadvent/advent/internal/images"
)

func TestSnapshotLeaked(t *testing.T) {
	before := Snapshot{Containers: []string{"a"}, Networks: []string{"bridge", "host"}, Volumes: nil, Clusters: nil}
	after := Snapshot{Containers: []string{"a", "kind-control-plane"}, Networks: []string{"bridge", "host", "kind"},
		Volumes: []string{"0123abcd"}, Clusters: []string{"kind"}}
	l := after.Leaked(before)
	if l.Empty() {
		t.Fatal("leak not found")
	}
	if got := l.String(); got != "containers: kind-control-plane; networks: kind; volumes: 0123abcd; kind clusters: kind" {
		t.Errorf("String = %q", got)
	}
	if !before.Leaked(after).Empty() {
		t.Errorf("removing things is not a leak: %v", before.Leaked(after))
	}
	if !after.Leaked(after).Empty() || after.Leaked(after).String() != "nothing" {
		t.Error("a snapshot leaks against itself")
	}
	if (Snapshot{}).Empty() != true {
		t.Error("zero Snapshot not empty")
	}
}

func TestSortedUnique(t *testing.T) {
	if got, want := sortedUnique([]string{"kind", "", "b", "kind", "a", ""}), []string{"a", "b", "kind"}; !slices.Equal(got, want) {
		t.Errorf("sortedUnique = %q, want %q", got, want)
	}
}

func TestTestcontainersEnv(t *testing.T) {
	none := func(string) (string, bool) { return "", false }
	got := testcontainersEnv(images.AirGapped, true, "", none)
	if got[RyukDisabledEnv] != "true" || got[HostOverrideEnv] != "localhost" || len(got) != 2 {
		t.Errorf("air-gapped in a container: %v", got)
	}
	got = testcontainersEnv(images.Online, false, "", none)
	if len(got) != 0 {
		t.Errorf("online on a host: %v", got)
	}
	got = testcontainersEnv(images.AirGapped, true, "tcp://10.0.0.1:2375", none)
	if _, ok := got[HostOverrideEnv]; ok {
		t.Errorf("remote DOCKER_HOST got a host override: %v", got)
	}
	userSet := func(k string) (string, bool) { return "false", k == RyukDisabledEnv }
	got = testcontainersEnv(images.AirGapped, false, "", userSet)
	if _, ok := got[RyukDisabledEnv]; ok {
		t.Errorf("overrode the user's %s: %v", RyukDisabledEnv, got)
	}

	t.Setenv(RyukDisabledEnv, "") // restored after the test
	t.Setenv(HostOverrideEnv, "")
	// t.Setenv with "" still counts as set; unset them for Apply.
	unsetForTest(t, RyukDisabledEnv, HostOverrideEnv)
	set, err := ApplyTestcontainersEnv(images.AirGapped)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(strings.Join(set, " "), RyukDisabledEnv+"=true") {
		t.Errorf("Apply set %v", set)
	}
}

func TestDefaultConfig(t *testing.T) {
	cfg := string(defaultConfig("advent.local/kind-node:v1.34.4", true))
	if !strings.Contains(cfg, "failCgroupV1: false") || !strings.Contains(cfg, "role: control-plane") {
		t.Errorf("cgroup v1, 1.34:\n%s", cfg)
	}
	if cfg := string(defaultConfig("advent.local/kind-node:v1.34.4", false)); strings.Contains(cfg, "failCgroupV1") {
		t.Errorf("cgroup v2 got the patch:\n%s", cfg)
	}
	if cfg := string(defaultConfig("kindest/node:v1.30.0", true)); strings.Contains(cfg, "failCgroupV1") {
		t.Errorf("1.30 does not know failCgroupV1:\n%s", cfg)
	}
	// No leader election and etcd's fast election, in the kubeadm API
	// version kind writes for the image (v1beta3 to v1.35, v1beta4 from
	// v1.36), in a patch that is valid YAML and names that version.
	for image, want := range map[string]string{
		"x:v1.33.13": "kubeadm.k8s.io/v1beta3", "x:v1.35.4": "kubeadm.k8s.io/v1beta3",
		"x:v1.36.3": "kubeadm.k8s.io/v1beta4", "advent.local/kind-node:v1.37.2": "kubeadm.k8s.io/v1beta4",
		"x:v1.22.0": "", "x:latest": "",
	} {
		cfg := defaultConfig(image, true)
		var c struct {
			Patches []string `json:"kubeadmConfigPatches"`
		}
		if err := yaml.Unmarshal(cfg, &c); err != nil {
			t.Fatalf("%s: %v\n%s", image, err, cfg)
		}
		got := ""
		for _, p := range c.Patches {
			var doc struct{ APIVersion, Kind string }
			if err := yaml.Unmarshal([]byte(p), &doc); err != nil {
				t.Fatalf("%s: patch %q: %v", image, p, err)
			}
			if doc.Kind != "ClusterConfiguration" {
				continue
			}
			args, err := clusterConfigArgs(doc.APIVersion, []byte(p))
			if err != nil {
				t.Fatalf("%s: patch %q: %v", image, p, err)
			}
			want := map[string]string{"controllerManager/leader-elect": "false", "scheduler/leader-elect": "false",
				"etcd/heartbeat-interval": "10", "etcd/election-timeout": "100"}
			if fmt.Sprint(args) != fmt.Sprint(want) {
				t.Errorf("%s: extraArgs %v, want %v", image, args, want)
			}
			got = doc.APIVersion
		}
		if got != want {
			t.Errorf("%s: ClusterConfiguration patch in %q, want %q:\n%s", image, got, want, cfg)
		}
	}
	for image, want := range map[string]bool{
		"kindest/node:v1.35.0@sha256:abc": true, "x:v1.31.0": true, "x:v1.30.9": false, "x:latest": false, "x": false,
	} {
		if minorAtLeast(image, 31) != want {
			t.Errorf("minorAtLeast(%q, 31) = %v", image, !want)
		}
	}
}

func TestCreateClusterBadName(t *testing.T) {
	for _, name := range []string{"", "Bad_Name", "-x", strings.Repeat("a", 51)} {
		if _, err := CreateCluster(context.Background(), ClusterOptions{Name: name}); err == nil || !strings.Contains(err.Error(), "bad name") {
			t.Errorf("name %q: %v", name, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := CreateCluster(ctx, ClusterOptions{Name: "ok"}); err == nil || !strings.Contains(err.Error(), "canceled") {
		t.Errorf("cancelled ctx: %v", err)
	}
}

// Only layer blobs (a containerd.io/uncompressed label and no gc.ref) are
// dropped from a pre-booted node; manifests, configs and unlabelled blobs
// stay.
func TestUnpackedLayers(t *testing.T) {
	ls := `DIGEST									SIZE	AGE		LABELS
sha256:aaa	42.86MB	2 minutes	containerd.io/uncompressed=sha256:080d
sha256:bbb	582B	2 minutes	containerd.io/gc.ref.content.config=sha256:f556,containerd.io/gc.ref.content.l.1=sha256:edf7
sha256:ccc	4.187kB	2 minutes	containerd.io/gc.ref.snapshot.overlayfs=sha256:e53f
sha256:ddd	235.5kB	2 minutes	containerd.io/uncompressed=sha256:c728
sha256:eee	4.218kB	2 minutes	-
`
	got, size := unpackedLayers(ls)
	if strings.Join(got, " ") != "sha256:aaa sha256:ddd" || size != 42860000+235500 {
		t.Errorf("unpackedLayers = %v, %d", got, size)
	}
}

// A pre-booted image takes from docker diff the topmost added paths, the
// changed files (not the directories above them) and the topmost deleted
// paths, never the volume, tmpfs or Docker-managed files.
func TestRootChanges(t *testing.T) {
	diff := `C /etc
A /etc/kubernetes
A /etc/kubernetes/admin.conf
A /etc/kubernetes/pki
A /etc/kubernetes/pki/ca.crt
C /etc/hosts
C /etc/machine-id
C /kind
C /kind/version
D /usr/share/doc
D /usr/share/doc/x
C /var
A /var/lib/etcd
C /run/x
A /tmp/y
`
	copyOut, deleted := rootChanges(diff)
	if got := strings.Join(copyOut, " "); got != "/etc/kubernetes /etc/machine-id /kind/version" {
		t.Errorf("copy out %q", got)
	}
	if got := strings.Join(deleted, " "); got != "/usr/share/doc" {
		t.Errorf("deleted %q", got)
	}
}

// The writable snapshots are the upper directories of the Active ones.
func TestUpperIDs(t *testing.T) {
	mounts := `mount -t overlay overlay /advent-preboot -o index=off,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/17/work,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/17/fs,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs:/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/9/fs
mount -t overlay overlay /advent-preboot -o index=off,workdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/38/work,upperdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/38/fs,lowerdir=/var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/13/fs
`
	got := upperIDs(mounts)
	if len(got) != 2 || !got["17"] || !got["38"] {
		t.Errorf("upperIDs = %v, want 17 and 38", got)
	}
}

// The /var archive of a pre-booted image leaves out the dropped blobs and
// etcd's preallocated WAL file, and moves the read-only snapshots to the
// root file system behind a symlink each; writable ones, and everything
// else, stay where they were.
func TestVarLayout(t *testing.T) {
	const snaps = "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/snapshots/"
	v := varLayout{skip: map[string]bool{"var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/aaa": true}, uppers: map[string]bool{"17": true}}
	in := []*tar.Header{
		{Typeflag: tar.TypeDir, Name: "var/"},
		{Typeflag: tar.TypeReg, Name: "var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/aaa"},
		{Typeflag: tar.TypeReg, Name: "var/lib/etcd/member/wal/0.tmp"},
		{Typeflag: tar.TypeReg, Name: "var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal"},
		{Typeflag: tar.TypeDir, Name: snaps},
		{Typeflag: tar.TypeReg, Name: "var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db"},
		{Typeflag: tar.TypeDir, Name: snaps + "12/"},
		{Typeflag: tar.TypeReg, Name: snaps + "12/fs/bin/sh"},
		{Typeflag: tar.TypeLink, Name: snaps + "12/fs/bin/ash", Linkname: snaps + "12/fs/bin/sh"},
		{Typeflag: tar.TypeDir, Name: snaps + "13/"},
		{Typeflag: tar.TypeDir, Name: snaps + "17/"},
		{Typeflag: tar.TypeReg, Name: snaps + "17/fs/etc/hosts"},
		{Typeflag: tar.TypeLink, Name: snaps + "17/fs/bin/sh", Linkname: snaps + "12/fs/bin/sh"},
	}
	var got []string
	for _, h := range in {
		for _, w := range v.rewrite(h) {
			s := string(w.Typeflag) + " " + w.Name
			if w.Linkname != "" {
				s += " -> " + w.Linkname
			}
			got = append(got, s)
		}
	}
	want := []string{
		"5 var/",
		"0 var/lib/etcd/member/wal/0000000000000000-0000000000000000.wal",
		"5 " + snaps,
		"0 var/lib/containerd/io.containerd.snapshotter.v1.overlayfs/metadata.db",
		"5 opt/", "5 opt/advent-preboot/", "5 opt/advent-preboot/snapshots/",
		"2 " + snaps + "12 -> /opt/advent-preboot/snapshots/12",
		"5 opt/advent-preboot/snapshots/12/",
		"0 opt/advent-preboot/snapshots/12/fs/bin/sh",
		"1 opt/advent-preboot/snapshots/12/fs/bin/ash -> opt/advent-preboot/snapshots/12/fs/bin/sh",
		"2 " + snaps + "13 -> /opt/advent-preboot/snapshots/13",
		"5 opt/advent-preboot/snapshots/13/",
		"5 " + snaps + "17/",
		"0 " + snaps + "17/fs/etc/hosts",
		"1 " + snaps + "17/fs/bin/sh -> opt/advent-preboot/snapshots/12/fs/bin/sh",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rewritten entries:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// clusterConfigArgs reads the extraArgs of a ClusterConfiguration patch in
// the shape of its kubeadm API version: a map in v1beta3, a list of
// name/value pairs in v1beta4. Keys are "component/flag".
func clusterConfigArgs(apiVersion string, p []byte) (map[string]string, error) {
	out := map[string]string{}
	switch apiVersion {
	case "kubeadm.k8s.io/v1beta3":
		type args struct{ ExtraArgs map[string]string }
		var doc struct {
			APIVersion, Kind  string
			ControllerManager args `json:"controllerManager"`
			Scheduler         args
			Etcd              struct{ Local args }
		}
		if err := yaml.UnmarshalStrict(p, &doc); err != nil {
			return nil, err
		}
		for comp, a := range map[string]args{"controllerManager": doc.ControllerManager, "scheduler": doc.Scheduler, "etcd": doc.Etcd.Local} {
			for k, v := range a.ExtraArgs {
				out[comp+"/"+k] = v
			}
		}
	case "kubeadm.k8s.io/v1beta4":
		type args struct {
			ExtraArgs []struct{ Name, Value string }
		}
		var doc struct {
			APIVersion, Kind  string
			ControllerManager args `json:"controllerManager"`
			Scheduler         args
			Etcd              struct{ Local args }
		}
		if err := yaml.UnmarshalStrict(p, &doc); err != nil {
			return nil, err
		}
		for comp, a := range map[string]args{"controllerManager": doc.ControllerManager, "scheduler": doc.Scheduler, "etcd": doc.Etcd.Local} {
			for _, kv := range a.ExtraArgs {
				out[comp+"/"+kv.Name] = kv.Value
			}
		}
	default:
		return nil, fmt.Errorf("unknown kubeadm API version %q", apiVersion)
	}
	return out, nil
}
