package site_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/sysadvent/advent/internal/site"
)

// repoRoot is the project root (two levels above this package).
func repoRoot(t testing.TB) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("no caller information")
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// projectParts are what a build reads from the project root.
var projectParts = []string{"site.toml", "layouts", "assets", "content", "static", "data"}

// copyProject copies the parts of the real project a build reads into a
// fresh temporary root, so a test never writes into the repository (its
// .advent/, results/ or public/).
func copyProject(t testing.TB) string {
	t.Helper()
	src := repoRoot(t)
	dst := t.TempDir()
	for _, part := range projectParts {
		if err := copyTree(filepath.Join(src, part), filepath.Join(dst, part)); err != nil && !os.IsNotExist(err) {
			t.Fatalf("copy %s: %v", part, err)
		}
	}
	return dst
}

// copyProjectWithFixture is copyProject plus the fixture tutorial of
// testdata/content (a 2099 section with lab "fixture-lab").
func copyProjectWithFixture(t testing.TB) string {
	t.Helper()
	root := copyProject(t)
	if err := copyTree(filepath.Join(repoRoot(t), "internal", "site", "testdata", "content"), filepath.Join(root, "content")); err != nil {
		t.Fatalf("copy fixture: %v", err)
	}
	return root
}

func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// build builds the project at root into a fresh temporary directory and
// returns it. opts.Root and opts.Destination are set here.
func build(t testing.TB, root string, opts site.Options) string {
	t.Helper()
	opts.Root = root
	opts.Destination = filepath.Join(t.TempDir(), "public")
	opts.Quiet = true
	if _, err := site.Build(context.Background(), opts); err != nil {
		t.Fatalf("build: %v", err)
	}
	return opts.Destination
}
