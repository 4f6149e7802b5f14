package env_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/env"
	"github.com/sysadvent/advent/internal/lab"
)

// The backend's errors are what a reader of `make lab` sees: they must say
// what is wrong and how to fix it, not dump a stack.

func TestDockerMissingSaysHowToInstallIt(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := env.NewDockerBackend(context.Background(), env.DockerOptions{Mode: "air-gapped"})
	if err == nil || !strings.Contains(err.Error(), "Docker is not installed: run `make docker`") {
		t.Fatalf("err = %v", err)
	}
}

func TestDaemonDownSaysHowToStartIt(t *testing.T) {
	if _, err := exec.LookPath("docker"); err != nil {
		t.Skip("no docker CLI on this machine")
	}
	env.UseDockerHost(t, "unix://"+filepath.Join(t.TempDir(), "no.sock"))
	_, err := env.NewDockerBackend(context.Background(), env.DockerOptions{Mode: "air-gapped"})
	if err == nil || !strings.Contains(err.Error(), "the Docker daemon is not running or not reachable") || !strings.Contains(err.Error(), "make docker") {
		t.Fatalf("err = %v", err)
	}
}

func TestImagesNotBuiltSaysHowToBuildThem(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the Docker daemon (runs in .ci/run)")
	}
	cache := t.TempDir() // no tools, no manifest
	b, err := env.NewDockerBackend(context.Background(), env.DockerOptions{Mode: "air-gapped", CacheDir: cache})
	if err != nil {
		t.Fatal(err)
	}
	l := &lab.Lab{Name: "x", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "x"}}, Tools: []string{"helm"}}}
	_, err = b.Prepare(context.Background(), l, "")
	if err == nil || !strings.Contains(err.Error(), "run `make images`") {
		t.Fatalf("err = %v", err)
	}
	os.MkdirAll(filepath.Join(cache, "bin"), 0o755)
	for _, tool := range []string{"kind", "kubectl", "helm"} {
		os.WriteFile(filepath.Join(cache, "bin", tool), []byte("#!/bin/sh\n"), 0o755)
	}
	l.Resources.Images = []string{"advent-test/never-built:1"}
	_, err = b.Prepare(context.Background(), l, "v1.33.13")
	if err == nil || !strings.Contains(err.Error(), "is not in the Docker engine (docker image inspect: ") ||
		!strings.Contains(err.Error(), "No such image") || !strings.Contains(err.Error(), "run `make images`") {
		t.Fatalf("err = %v", err)
	}
	// A daemon that stops answering is not a missing image: the engine
	// client's error says which it is.
	env.UseDockerHost(t, env.StoppedDaemon(t))
	_, err = b.Prepare(context.Background(), l, "v1.33.13")
	if err == nil || !strings.Contains(err.Error(), "Cannot connect to the Docker daemon") || strings.Contains(err.Error(), "No such image") {
		t.Fatalf("err = %v", err)
	}
}
