package env

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/kind/pkg/cluster"
	"sigs.k8s.io/kind/pkg/log"
)

// fakeDocker puts a docker on PATH that lists one node of any cluster and
// fails its first `failures` removals the way Docker does when a kind node
// will not die in time. It returns the file counting the removals.
func fakeDocker(t *testing.T, failures int) string {
	t.Helper()
	dir := t.TempDir()
	count := filepath.Join(dir, "rm-count")
	script := `#!/bin/sh
case "$1" in
ps) echo flaky-control-plane ;;
rm) n=$(cat "` + count + `" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "` + count + `"
    if [ "$n" -le ` + strconv.Itoa(failures) + ` ]; then
      echo "Error response from daemon: Could not kill running container, cannot remove - tried to kill container, but did not receive an exit event" >&2
      exit 1
    fi ;;
esac
`
	if err := os.WriteFile(filepath.Join(dir, "docker"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return count
}

func removals(t *testing.T, count string) string {
	b, err := os.ReadFile(count)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(b))
}

func TestDeleteClusterTriesAgain(t *testing.T) {
	old := deleteRetries
	deleteRetries = []time.Duration{10 * time.Millisecond, 10 * time.Millisecond}
	defer func() { deleteRetries = old }()
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))

	t.Run("a removal that fails once", func(t *testing.T) {
		count := fakeDocker(t, 1)
		if err := deleteCluster(context.Background(), p, "flaky", ""); err != nil {
			t.Fatalf("deleteCluster gave up after a failed removal: %v", err)
		}
		if n := removals(t, count); n != "2" {
			t.Errorf("docker rm ran %s times, want 2", n)
		}
	})
	t.Run("a removal that always fails", func(t *testing.T) {
		count := fakeDocker(t, 9)
		if err := deleteCluster(context.Background(), p, "flaky", ""); err == nil {
			t.Fatal("deleteCluster succeeded although every removal failed")
		}
		if n := removals(t, count); n != "3" {
			t.Errorf("docker rm ran %s times, want 3 (one try and two retries)", n)
		}
	})
	t.Run("cancelled between tries", func(t *testing.T) {
		deleteRetries = []time.Duration{time.Hour}
		count := fakeDocker(t, 9)
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		start := time.Now()
		if err := deleteCluster(ctx, p, "flaky", ""); err == nil {
			t.Fatal("deleteCluster succeeded although the removal failed")
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Errorf("deleteCluster waited %s for its retry despite the cancelled context", d)
		}
		if n := removals(t, count); n != "1" {
			t.Errorf("docker rm ran %s times, want 1", n)
		}
	})
}

func TestThawNodesOnlyTheClusters(t *testing.T) {
	p := cluster.NewProvider(cluster.ProviderWithDocker(), cluster.ProviderWithLogger(log.NoopLogger{}))
	old := freezerRoot
	freezerRoot = t.TempDir()
	defer func() { freezerRoot = old }()
	node := strings.Repeat("a", 64)
	other := strings.Repeat("b", 64)
	for _, id := range []string{node, other} {
		d := filepath.Join(freezerRoot, "docker", id, "kubelet.slice", "pod")
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(d, "freezer.state"), []byte("FROZEN\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	state := func(id string) string {
		b, _ := os.ReadFile(filepath.Join(freezerRoot, "docker", id, "kubelet.slice", "pod", "freezer.state"))
		return strings.TrimSpace(string(b))
	}
	fakeDocker(t, 0)
	nodeID := ""
	fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/containers/flaky-control-plane/json") {
			json.NewEncoder(w).Encode(map[string]string{"Id": nodeID})
		}
	})
	if n := thawNodes(context.Background(), p, "flaky"); n != 0 || state(node) != "FROZEN" || state(other) != "FROZEN" {
		t.Errorf("with no node id thawNodes thawed %d (node %s, other %s); want nothing", n, state(node), state(other))
	}
	nodeID = node
	if n := thawNodes(context.Background(), p, "flaky"); n != 1 || state(node) != "THAWED" || state(other) != "FROZEN" {
		t.Errorf("thawNodes thawed %d (node %s, other %s); want the node's cgroup only", n, state(node), state(other))
	}
}
