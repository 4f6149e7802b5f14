package runnertest

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/runner"
)

// start starts the container called name on f.
func start(t *testing.T, f *Fake, name string) *runner.Container {
	t.Helper()
	c, err := f.StartContainer(context.Background(), lab.Container{Name: name, Image: "x"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func execIn(t *testing.T, f *Fake, container, cmd string) (string, int) {
	t.Helper()
	var out strings.Builder
	code, err := f.Exec(context.Background(), start(t, f, container), runner.Script(runner.ContainerStateDir, cmd, true), &out)
	if err != nil {
		t.Fatalf("exec %q in %s: %v", cmd, container, err)
	}
	return out.String(), code
}

// A container's shell state (its working directory) stays with that
// container of that Fake: a test that leaves a container in a directory
// it then deletes does not break the next test's container of the same
// name (it did when every container shared one state directory on the
// host).
func TestContainersDoNotShareState(t *testing.T) {
	first := New(t.TempDir())
	if out, code := execIn(t, first, "node1", "mkdir gone && cd gone && pwd"); code != 0 || !strings.HasSuffix(strings.TrimSpace(out), "/node1/gone") {
		t.Fatalf("first container: exit %d, output %q", code, out)
	}
	if out, code := execIn(t, first, "node2", "pwd"); code != 0 || strings.Contains(out, "gone") {
		t.Errorf("another container of the same Fake sees node1's cwd: exit %d, output %q", code, out)
	}
	if err := os.RemoveAll(first.dir); err != nil {
		t.Fatal(err)
	}

	second := New(t.TempDir())
	out, code := execIn(t, second, "node1", "echo inside")
	if code != 0 || out != "inside\n" {
		t.Fatalf("a later Fake's container inherited the deleted cwd: exit %d, output %q", code, out)
	}
	if _, err := os.Stat(filepath.Join(second.dir, "node1", ".advent-state", "cwd")); err != nil {
		t.Errorf("the container's state is not in its own directory: %v", err)
	}
}

// A Fake without a directory refuses to run container commands rather
// than keep their state in a shared place.
func TestExecNeedsADirectory(t *testing.T) {
	var out strings.Builder
	f := New("")
	_, err := f.Exec(context.Background(), start(t, f, "node1"), runner.Script(runner.ContainerStateDir, "true", true), &out)
	if err == nil || !strings.Contains(err.Error(), "absolute directory") {
		t.Fatalf("err = %v, want a refusal", err)
	}
}
