package images

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeArchives writes fake release archives (their content is only
// hashed) named as inspecStep expects.
func writeArchives(t *testing.T, dir string, content string) {
	t.Helper()
	for _, a := range inspecArchives {
		if err := os.WriteFile(filepath.Join(dir, a.file()), []byte(a.name+content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestInSpecSources(t *testing.T) {
	if _, err := inspecSources(""); !errors.Is(err, ErrNoInSpecSources) {
		t.Errorf("no directory: %v, want ErrNoInSpecSources", err)
	}
	dir := t.TempDir()
	_, err := inspecSources(dir)
	if err == nil || errors.Is(err, ErrNoInSpecSources) {
		t.Fatalf("empty directory: %v, want an error naming the archives", err)
	}
	for _, a := range inspecArchives {
		if !strings.Contains(err.Error(), a.file()) {
			t.Errorf("empty directory: %q does not name %s", err, a.file())
		}
	}
	writeArchives(t, dir, "1")
	os.Remove(filepath.Join(dir, "train-3.12.13.tar.gz"))
	if _, err := inspecSources(dir); err == nil || !strings.Contains(err.Error(), "lack train-3.12.13.tar.gz") ||
		strings.Contains(err.Error(), "inspec-5.22.33.tar.gz") {
		t.Errorf("one archive missing: %v, want it (and only it) named", err)
	}
	writeArchives(t, dir, "1")
	sums, err := inspecSources(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(sums) != 3 || !strings.HasPrefix(sums["inspec-5.22.33.tar.gz"], "sha256:") || len(sums["inspec-5.22.33.tar.gz"]) != 71 {
		t.Errorf("sums = %v", sums)
	}
}

// The stand-in's key follows the archives' content, not just their names;
// without sources the step is planned but unavailable, with the one hint.
func TestInSpecStepKeyAndUnavailable(t *testing.T) {
	dir := t.TempDir()
	writeArchives(t, dir, "1")
	base := &step{id: "debian", key: "sha256:base"}
	b := &builder{o: Options{CacheDir: t.TempDir(), InSpecSrc: dir}}
	s1, err := b.inspecStep(base)
	if err != nil || s1.unavailable != nil {
		t.Fatalf("with sources: %v, %v", err, s1.unavailable)
	}
	if s1.id != "inspec" || strings.Join(s1.images, ",") != AuditorImage {
		t.Errorf("step %s builds %v", s1.id, s1.images)
	}
	if s, _ := b.inspecStep(base); s.key != s1.key {
		t.Errorf("same archives, different keys")
	}
	os.WriteFile(filepath.Join(dir, "train-3.12.13.tar.gz"), []byte("train, patched"), 0o644)
	s2, err := b.inspecStep(base)
	if err != nil {
		t.Fatal(err)
	}
	if s2.key == s1.key {
		t.Errorf("train archive changed but the key did not")
	}
	base.key = "sha256:base2"
	if s, _ := b.inspecStep(base); s.key == s2.key {
		t.Errorf("base image changed but the key did not")
	}

	os.Remove(filepath.Join(dir, "license-acceptance-2.2.1.tar.gz"))
	var se *StepError
	if _, err := b.inspecStep(base); !errors.As(err, &se) || !strings.Contains(se.Reason, "license-acceptance-2.2.1.tar.gz") ||
		!strings.Contains(se.Fix, "-inspec-src") {
		t.Errorf("named directory lacking an archive: %v, want a StepError naming it and the fix", err)
	}

	b.o.InSpecSrc = ""
	s3, err := b.inspecStep(base)
	if err != nil || !errors.Is(s3.unavailable, ErrNoInSpecSources) {
		t.Fatalf("no sources: %v, unavailable %v", err, s3.unavailable)
	}
	hint := s3.unavailable.Error()
	for _, want := range []string{"-inspec-src DIR", InSpecSrcEnv, "inspec-5.22.33.tar.gz", "train-3.12.13.tar.gz", "license-acceptance-2.2.1.tar.gz"} {
		if !strings.Contains(hint, want) {
			t.Errorf("hint %q lacks %q", hint, want)
		}
	}
	if BuildHint("cincproject/auditor") != InSpecSourcesHint() || !strings.Contains(BuildHint("nginx:alpine"), "make images") {
		t.Errorf("BuildHint: %q / %q", BuildHint("cincproject/auditor"), BuildHint("nginx:alpine"))
	}
	if !IsStandIn("cincproject/auditor") || !IsStandIn("docker.io/cincproject/auditor:latest") || IsStandIn("cincproject/auditor:6") {
		t.Errorf("IsStandIn does not know the auditor stand-in by its upstream name only")
	}
}

// StepIDs, which the CLI checks -only against before building, lists
// exactly the steps of a real plan, in build order. It needs go (go.mod's
// module list), not Docker.
func TestStepIDsMatchPlan(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	versions := []string{"v1.33.13", "v1.34.4"}
	for _, src := range []string{"", t.TempDir()} {
		if src != "" {
			writeArchives(t, src, "x")
		}
		b := plannedBuilder(t, ctx, Options{CacheDir: t.TempDir(), K8sVersions: versions, InSpecSrc: src})
		if got, want := strings.Join(stepIDs(b.steps), " "), strings.Join(StepIDs(versions), " "); got != want {
			t.Errorf("InSpec sources %q: plan has\n  %s\nStepIDs says\n  %s", src, got, want)
		}
	}
}
