package images

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startFake starts a long-running process whose name (comm) is name.
func startFake(t *testing.T, name string) (*exec.Cmd, <-chan struct{}) {
	t.Helper()
	dir := t.TempDir()
	prog := filepath.Join(dir, name)
	script := "#!/bin/bash\ntrap 'exit 0' TERM\nwhile :; do sleep 0.1; done\n"
	if err := os.WriteFile(prog, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(prog)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }() // reap it, or kill -0 sees a zombie
	t.Cleanup(func() { cmd.Process.Kill(); <-done })
	time.Sleep(200 * time.Millisecond)
	return cmd, done
}

func dockerDown(t *testing.T, pidfile string) string {
	t.Helper()
	cmd := exec.Command("bash", "../../.ci/docker-down")
	cmd.Env = append(os.Environ(), "ADVENT_DOCKERD_PIDFILE="+pidfile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("docker-down: %v\n%s", err, out)
	}
	return string(out)
}

func TestDockerDownStopsOnlyItsDaemon(t *testing.T) {
	pidfile := filepath.Join(t.TempDir(), "advent-dockerd.pid")
	if out := dockerDown(t, pidfile); !strings.Contains(out, "nothing to stop") {
		t.Errorf("no pid file: %s", out)
	}

	// The pid file names a process that is not dockerd: leave it alone.
	other, otherDone := startFake(t, "not-dockerd")
	os.WriteFile(pidfile, []byte(strconv.Itoa(other.Process.Pid)), 0o644)
	if out := dockerDown(t, pidfile); !strings.Contains(out, "not dockerd") {
		t.Errorf("foreign pid: %s", out)
	}
	select {
	case <-otherDone:
		t.Error("docker-down stopped a process that is not dockerd")
	default:
	}
	if _, err := os.Stat(pidfile); err == nil {
		t.Error("stale pid file kept")
	}

	// A "dockerd" it started: stopped, waited for, pid file removed.
	d, dDone := startFake(t, "dockerd")
	os.WriteFile(pidfile, []byte(strconv.Itoa(d.Process.Pid)), 0o644)
	out := dockerDown(t, pidfile)
	select {
	case <-dDone:
	case <-time.After(5 * time.Second):
		t.Fatalf("dockerd still running after docker-down:\n%s", out)
	}
	if !strings.Contains(out, "dockerd exited") {
		t.Errorf("output: %s", out)
	}
	if _, err := os.Stat(pidfile); err == nil {
		t.Error("pid file kept after stopping")
	}
	if err := d.Process.Signal(syscall.Signal(0)); err == nil {
		t.Error("process still exists")
	}
}
