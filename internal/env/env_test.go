package env

import (
	"context"
	"strings"
	"testing"

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
