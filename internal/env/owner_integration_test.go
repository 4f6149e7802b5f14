package env

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/log"

	"github.com/sysadvent/advent/internal/images"
)

// fakeBase is a small image of `advent images build`; the fake kind nodes
// and lab containers below only sleep.
const fakeBase = "advent.local/debian:bookworm"

func docker(t *testing.T, args ...string) string {
	t.Helper()
	out, err := exec.Command("docker", args...).CombinedOutput()
	if err != nil {
		t.Fatalf("docker %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return strings.TrimSpace(string(out))
}

func exists(t *testing.T, what, name string) bool {
	t.Helper()
	return exec.Command("docker", what, "inspect", name).Run() == nil
}

// deadOwner is an advent process that exited.
func deadOwner(t *testing.T) Owner {
	t.Helper()
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	return Owner{Boot: bootID(), PID: c.ProcessState.Pid(), Start: "1"}
}

// fakeCluster starts a container that kind lists as a one-node cluster.
func fakeCluster(t *testing.T, name string) {
	t.Helper()
	// Removal is registered first: a run that fails after creating the
	// container must not leave it behind.
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", "-v", name+"-control-plane").Run() })
	docker(t, "run", "-d", "--name", name+"-control-plane", "--label", kindClusterLabel+"="+name,
		fakeBase, "sleep", "infinity")
}

func writeRecord(t *testing.T, name string, o Owner) {
	t.Helper()
	if err := writeClusterRecord(name, "", o); err != nil {
		t.Fatal(err)
	}
}

// reapTest skips under -short, gives the test its own state directory
// (cluster records) and a context that ends with it.
func reapTest(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("needs the Docker daemon and the images of `advent images build`")
	}
	if images.ImageSetAbsent() {
		t.Skip(images.ImageSetAbsentReason)
	}
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// What an advent run killed before its clean-up left is removed by the
// next run; what a live run owns, and what advent did not make, stays.
func TestReapStaleRemovesOnlyWhatDeadRunsLeft(t *testing.T) {
	ctx := reapTest(t)
	dead, self := deadOwner(t), Self()

	fakeCluster(t, "advent-reap-dead")
	writeRecord(t, "advent-reap-dead", dead)
	fakeCluster(t, "advent-reap-live")
	writeRecord(t, "advent-reap-live", self)
	fakeCluster(t, "advent-reap-foreign") // no record: not advent's
	writeRecord(t, "advent-reap-gone", dead)

	for name, o := range map[string]Owner{"advent-reap-ctr-dead": dead, "advent-reap-ctr-live": self} {
		t.Cleanup(func() {
			exec.Command("docker", "rm", "-f", "-v", name).Run()
			exec.Command("docker", "network", "rm", name+"-net").Run()
		})
		docker(t, "network", "create", "--label", OwnerLabel+"="+o.String(), name+"-net")
		docker(t, "run", "-d", "--name", name, "--network", name+"-net", "--label", OwnerLabel+"="+o.String(),
			fakeBase, "sleep", "infinity")
	}

	r, err := ReapStale(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.Clusters, "advent-reap-dead") || slices.Contains(r.Clusters, "advent-reap-live") ||
		slices.Contains(r.Clusters, "advent-reap-foreign") {
		t.Errorf("reaped clusters %v", r.Clusters)
	}
	if !slices.Contains(r.Containers, "advent-reap-ctr-dead") || slices.Contains(r.Containers, "advent-reap-ctr-live") {
		t.Errorf("reaped containers %v", r.Containers)
	}
	if !slices.Contains(r.Networks, "advent-reap-ctr-dead-net") || slices.Contains(r.Networks, "advent-reap-ctr-live-net") {
		t.Errorf("reaped networks %v", r.Networks)
	}
	for what, names := range map[string][]string{
		"container": {"advent-reap-dead-control-plane", "advent-reap-ctr-dead"},
		"network":   {"advent-reap-ctr-dead-net"},
	} {
		for _, n := range names {
			if exists(t, what, n) {
				t.Errorf("%s %s is still there", what, n)
			}
		}
	}
	for what, names := range map[string][]string{
		"container": {"advent-reap-live-control-plane", "advent-reap-foreign-control-plane", "advent-reap-ctr-live"},
		"network":   {"advent-reap-ctr-live-net"},
	} {
		for _, n := range names {
			if !exists(t, what, n) {
				t.Errorf("%s %s was removed", what, n)
			}
		}
	}
	for name, want := range map[string]bool{"advent-reap-dead": false, "advent-reap-gone": false, "advent-reap-live": true} {
		if _, err := os.Stat(clusterRecordPath(name)); (err == nil) != want {
			t.Errorf("record of %s: exists = %v, want %v", name, err == nil, want)
		}
	}
	if s := r.String(); !strings.Contains(s, "kind clusters: ") || !strings.Contains(s, "containers: ") {
		t.Errorf("String() = %q", s)
	}
}

// CreateCluster's check of a name that is taken: a dead run's cluster is
// removed (and said so), anything else is an error naming its owner.
func TestClaimExistingCluster(t *testing.T) {
	ctx := reapTest(t)
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))

	fakeCluster(t, "advent-claim")
	err := claimExisting(ctx, p, "advent-claim", nil)
	if err == nil || !strings.Contains(err.Error(), "advent did not create it: delete it with `kind delete cluster --name advent-claim`") {
		t.Errorf("no record: err = %v", err)
	}
	writeRecord(t, "advent-claim", Self())
	err = claimExisting(ctx, p, "advent-claim", nil)
	if err == nil || !strings.Contains(err.Error(), "is using it") {
		t.Errorf("live owner: err = %v", err)
	}
	dead := deadOwner(t)
	writeRecord(t, "advent-claim", dead)
	var said bytes.Buffer
	if err := claimExisting(ctx, p, "advent-claim", &said); err != nil {
		t.Fatalf("dead owner: %v", err)
	}
	if !strings.Contains(said.String(), "Removed kind cluster advent-claim, left behind by advent process") {
		t.Errorf("said %q", said.String())
	}
	if exists(t, "container", "advent-claim-control-plane") {
		t.Error("the dead run's node is still there")
	}
	if _, err := os.Stat(clusterRecordPath("advent-claim")); err == nil {
		t.Error("the dead run's record is still there")
	}
}

// What a kept environment holds survives the reaper although the process
// that created it is gone; once its record is removed (lab down did not
// finish, say) the reaper removes it.
func TestReapStaleSparesKeptEnvironments(t *testing.T) {
	ctx := reapTest(t)
	dead := deadOwner(t)
	fakeCluster(t, "advent-kept")
	writeRecord(t, "advent-kept", dead)
	t.Cleanup(func() { exec.Command("docker", "rm", "-f", "-v", "advent-kept-box").Run() })
	docker(t, "run", "-d", "--name", "advent-kept-box", "--label", OwnerLabel+"="+dead.String(), fakeBase, "sleep", "infinity")
	writeKeptRecord(t, "kept-lab", dead.String())

	r, err := ReapStale(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Contains(r.Clusters, "advent-kept") || slices.Contains(r.Containers, "advent-kept-box") {
		t.Errorf("reaped a kept environment: %s", r)
	}
	if !exists(t, "container", "advent-kept-control-plane") || !exists(t, "container", "advent-kept-box") {
		t.Fatal("the kept environment is gone")
	}
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))
	if err := claimExisting(ctx, p, "advent-kept", nil); err == nil || !strings.Contains(err.Error(), "a kept environment holds it") {
		t.Errorf("claim a kept cluster: %v", err)
	}

	os.Remove(filepath.Join(StateDir("kept"), "kept-lab.json"))
	r, err = ReapStale(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(r.Clusters, "advent-kept") || !slices.Contains(r.Containers, "advent-kept-box") {
		t.Errorf("without its record, reaped %s", r)
	}
}
