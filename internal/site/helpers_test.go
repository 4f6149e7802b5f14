package site_test

import (
	"context"
	"errors"
	"fmt"
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

// copyProject copies the parts of the real project a build reads into a
// fresh temporary root, so a test never writes into the repository (its
// .advent/, results/ or public/).
func copyProject(t testing.TB) string {
	t.Helper()
	dst := t.TempDir()
	if err := copyParts(repoRoot(t), dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

// copyProjectWithFixture is copyProject plus the fixture tutorial of
// testdata/content (a 2000 section with lab "fixture-lab").
func copyProjectWithFixture(t testing.TB) string {
	t.Helper()
	root := copyProject(t)
	if err := addFixture(repoRoot(t), root); err != nil {
		t.Fatal(err)
	}
	return root
}

// copyParts copies what a build reads from the project at src (site.toml,
// layouts, assets, content, static, data: those there are) into dst.
func copyParts(src, dst string) error {
	b, err := os.ReadFile(filepath.Join(src, "site.toml"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dst, "site.toml"), b, 0o644); err != nil {
		return err
	}
	for _, part := range []string{"layouts", "assets", "content", "static", "data"} {
		err := os.CopyFS(filepath.Join(dst, part), os.DirFS(filepath.Join(src, part)))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("copy %s: %w", part, err)
		}
	}
	return nil
}

// addFixture adds the fixture tutorial of testdata/content to the content
// of the copy at root.
func addFixture(src, root string) error {
	return os.CopyFS(filepath.Join(root, "content"), os.DirFS(filepath.Join(src, "internal", "site", "testdata", "content")))
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
