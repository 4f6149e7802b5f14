package env

import (
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
