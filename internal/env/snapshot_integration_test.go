package env

import (
	"context"
	"os/exec"
	"slices"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/images"
)

// A scoped leak check sees what its owner and its clusters left, volumes
// included, and nothing of anyone else's.
func TestScopedSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the Docker daemon and the images of `advent images build`")
	}
	if images.ImageSetAbsent() {
		t.Skip(images.ImageSetAbsentReason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	ours := Owner{Boot: bootID(), PID: 1, Start: "scoped-snapshot-test"}.String()
	scope := Scope{Owner: ours, Clusters: []string{"advent-scope-test"}}
	before, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	names := []string{"advent-scope-mine", "advent-scope-foreign", "advent-scope-test-control-plane"}
	t.Cleanup(func() {
		for _, n := range names {
			exec.Command("docker", "rm", "-f", "-v", n).Run()
		}
		exec.Command("docker", "network", "rm", "advent-scope-net", "advent-scope-foreign-net").Run()
		exec.Command("docker", "volume", "rm", "advent-scope-vol").Run()
	})
	docker(t, "network", "create", "--label", OwnerLabel+"="+ours, "advent-scope-net")
	docker(t, "network", "create", "advent-scope-foreign-net")
	docker(t, "run", "-d", "--name", names[0], "--label", OwnerLabel+"="+ours, "-v", "advent-scope-vol:/data", fakeBase, "sleep", "infinity")
	docker(t, "run", "-d", "--name", names[1], "--label", OwnerLabel+"=someone/else/1", fakeBase, "sleep", "infinity")
	fakeCluster(t, "advent-scope-test")

	after, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	got := after.Leaked(before)
	want := Snapshot{
		Containers: []string{"advent-scope-mine", "advent-scope-test-control-plane"},
		Networks:   []string{"advent-scope-net"},
		Volumes:    []string{"advent-scope-vol"},
		Clusters:   []string{"advent-scope-test"},
	}
	if got.String() != want.String() {
		t.Errorf("scoped leaks:\n got %s\nwant %s", got, want)
	}
	// Removed with its volume's container gone, a named volume is dangling:
	// still a leak.
	docker(t, "rm", "-f", names[0])
	after, err = TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !slices.Contains(leaked.Volumes, "advent-scope-vol") {
		t.Errorf("the dangling volume is not reported: %s", leaked)
	}
}
