package runner_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/env"
)

// The interrupt tests drive the real advent binary on the real Docker
// engine: a lab with a kind cluster and a container is stopped mid-step,
// and nothing may be left behind.

const interruptArticle = "---\n" +
	"title: Interrupt me\ndate: 2099-12-01\nday: 1\nyear: 2099\nauthors: [\"T\"]\nhandles: {\"T\": \"t\"}\nlab: interrupt\n---\n\n" +
	"```yaml {role=\"env\"}\ntimeout: 10m\nimages: [\"nginx:alpine\"]\nclusters:\n  - name: advent-interrupt\n" +
	"networks:\n  - name: advent-interrupt-net\ncontainers:\n  - name: advent-interrupt-box\n    image: \"ruby:3.1-bookworm\"\n    networks: [advent-interrupt-net]\n    command: [\"sleep\", \"infinity\"]\n```\n\n" +
	"```sh {step=\"wait\" timeout=\"5m\"}\necho $$ > MARK\nsleep 300\n```\n\n" +
	"```sh {step=\"after\"}\ntrue\n```\n\n" +
	"```sh {step=\"tidy\" role=\"cleanup\"}\necho cleaned > MARK.cleanup\n```\n"

func buildAdvent(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "advent")
	cmd := exec.Command("go", "build", "-o", bin, "../../cmd/advent")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// interruptProject writes the fixture article; its steps write to mark
// (the lab's environment is isolated: the path is in the article).
func interruptProject(t *testing.T, bin, mark string) string {
	t.Helper()
	root := t.TempDir()
	art := filepath.Join(root, "content", "2099", "01-interrupt.md")
	if err := os.MkdirAll(filepath.Dir(art), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(art, []byte(strings.ReplaceAll(interruptArticle, "MARK", mark)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A year needs its section page.
	if err := os.WriteFile(filepath.Join(filepath.Dir(art), "_index.md"), []byte("---\ntitle: \"SysAdvent 2099\"\nyear: 2099\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(bin, "labs", "extract", "-root", root).CombinedOutput(); err != nil {
		t.Fatalf("labs extract: %v\n%s", err, out)
	}
	return root
}

// interruptClusters are the kind clusters of interruptArticle.
var interruptClusters = []string{"advent-interrupt"}

// stopMidStep starts the lab, waits until its long step runs, calls stop
// with the step's shell pid and the runner's process, and returns the
// runner's exit code and output, and the leak check's scope: the
// runner's own containers and networks (its env.OwnerLabel) and clusters.
func stopMidStep(t *testing.T, bin, mark string, stop func(stepPid int, runner *os.Process)) (int, string, env.Scope) {
	t.Helper()
	root := interruptProject(t, bin, mark)
	var out bytes.Buffer
	cmd := exec.Command(bin, "lab", "run", "-root", root, "-results", t.TempDir(), "interrupt")
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	scope := env.Scope{Owner: env.OwnerOf(cmd.Process.Pid).String(), Clusters: interruptClusters}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	deadline := time.After(6 * time.Minute)
	for {
		b, err := os.ReadFile(mark)
		if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && perr == nil {
			stop(pid, cmd.Process)
			break
		}
		select {
		case err := <-done:
			t.Fatalf("runner ended before the step started: %v\n%s", err, out.String())
		case <-deadline:
			cmd.Process.Kill()
			t.Fatalf("the step never started\n%s", out.String())
		case <-time.After(200 * time.Millisecond):
		}
	}
	select {
	case err := <-done:
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		}
		if _, err := os.Stat(mark + ".cleanup"); err != nil {
			t.Errorf("the cleanup step did not run")
		}
		return code, out.String(), scope
	case <-time.After(5 * time.Minute):
		cmd.Process.Kill()
		t.Fatalf("runner did not stop\n%s", out.String())
	}
	return 0, "", scope
}

// beforeInterrupt is the leak check's first snapshot: the lab's clusters
// (the runner, whose label scopes the rest, has not started yet).
func beforeInterrupt(t *testing.T) env.Snapshot {
	t.Helper()
	before, err := env.TakeScopedSnapshot(context.Background(), env.Scope{Clusters: interruptClusters})
	if err != nil {
		t.Fatal(err)
	}
	return before
}

// checkNothingLeft fails the test when what the runner owned, or the lab's
// clusters, outlived it. Other work on the same Docker engine is out of
// scope.
func checkNothingLeft(t *testing.T, before env.Snapshot, scope env.Scope) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	after, err := env.TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if left := after.Leaked(before); !left.Empty() {
		t.Errorf("left behind: %s", left)
	}
}

func TestInterruptLeavesNothingBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Docker and the image set (runs in .ci/run)")
	}
	bin := buildAdvent(t)

	t.Run("SIGINT to the runner", func(t *testing.T) {
		before := beforeInterrupt(t)
		code, out, scope := stopMidStep(t, bin, filepath.Join(t.TempDir(), "mark"), func(_ int, runner *os.Process) {
			runner.Signal(syscall.SIGINT)
		})
		if code != 1 || !strings.Contains(out, "interrupted") {
			t.Errorf("exit %d, want 1 and \"interrupted\":\n%s", code, out)
		}
		if !strings.Contains(out, "[2/3] after - not-run") {
			t.Errorf("the step after the interruption should not run:\n%s", out)
		}
		checkNothingLeft(t, before, scope)
	})

	t.Run("SIGKILL to a step", func(t *testing.T) {
		before := beforeInterrupt(t)
		code, out, scope := stopMidStep(t, bin, filepath.Join(t.TempDir(), "mark"), func(step int, _ *os.Process) {
			syscall.Kill(step, syscall.SIGKILL)
		})
		if code != 1 || !strings.Contains(out, "exited with status 137") {
			t.Errorf("exit %d, want 1 and the step killed (137):\n%s", code, out)
		}
		checkNothingLeft(t, before, scope)
	})
}
