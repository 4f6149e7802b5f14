package rootfs_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sysadvent/advent/internal/rootfs"
)

func openRoot(t *testing.T, dir string) *os.Root {
	t.Helper()
	root, err := os.OpenRoot(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { root.Close() })
	return root
}

// holds fails unless dir holds exactly the names want.
func holds(t *testing.T, dir string, want ...string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, want) {
		t.Errorf("%s holds %v, want %v", filepath.Base(dir), names, want)
	}
}

func TestWriteFileReplacesWhole(t *testing.T) {
	dir := t.TempDir()
	root := openRoot(t, dir)
	for _, b := range []string{"first\n", "second\n"} {
		if err := rootfs.WriteFile(root, "a.json", []byte(b), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(dir, "a.json"))
		if err != nil || string(got) != b {
			t.Errorf("a.json = %q, %v; want %q", got, err, b)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, "a.json")); err != nil || fi.Mode().Perm() != 0o640 {
		t.Errorf("mode: %v %v, want 0640", fi.Mode(), err)
	}
	holds(t, dir, "a.json")
}

// A failed rename (the name is a directory) leaves the name as it was and
// no temporary file.
func TestWriteFileFailureLeavesNothing(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "a.json", "x"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rootfs.WriteFile(openRoot(t, dir), "a.json", []byte("new\n"), 0o644); err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	holds(t, dir, "a.json")
}

func TestWriteFileRefusesALink(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	victim := filepath.Join(elsewhere, "v")
	if err := os.WriteFile(victim, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(dir, "a.json")); err != nil {
		t.Fatal(err)
	}
	err := rootfs.WriteFile(openRoot(t, dir), "a.json", []byte("new\n"), 0o644)
	if !errors.Is(err, rootfs.ErrSymlink) {
		t.Errorf("err = %v, want ErrSymlink", err)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep\n" {
		t.Errorf("the link's target = %q, %v", b, err)
	}
}

// WritePath writes like WriteFile, with the file's directory as the root,
// and its errors name the whole path.
func TestWritePath(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	p := filepath.Join(dir, "a.json")
	for _, b := range []string{"first\n", "second\n"} {
		if err := rootfs.WritePath(p, []byte(b), 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := os.ReadFile(p); err != nil || string(got) != b {
			t.Errorf("a.json = %q, %v; want %q", got, err, b)
		}
	}
	holds(t, dir, "a.json")
	link := filepath.Join(dir, "b.json")
	if err := os.Symlink(filepath.Join(elsewhere, "v"), link); err != nil {
		t.Fatal(err)
	}
	var pe *fs.PathError
	err := rootfs.WritePath(link, []byte("new\n"), 0o644)
	if !errors.Is(err, rootfs.ErrSymlink) || !errors.As(err, &pe) || pe.Path != link {
		t.Errorf("err = %v, want ErrSymlink naming %s", err, link)
	}
	holds(t, elsewhere)
}

func TestReplaceDir(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	for _, want := range []string{"one", "two"} {
		tmp, err := os.MkdirTemp(parent, ".out.tmp-")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tmp, want), nil, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := rootfs.ReplaceDir(tmp, dir); err != nil {
			t.Fatal(err)
		}
		holds(t, dir, want)
		holds(t, parent, "out")
	}
}

// A failed swap (tmp is gone) puts the old directory back.
func TestReplaceDirFailureKeepsTheOld(t *testing.T) {
	parent := t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := os.MkdirAll(filepath.Join(dir, "old"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := rootfs.ReplaceDir(filepath.Join(parent, ".gone"), dir); err == nil {
		t.Fatal("ReplaceDir from a missing directory succeeded")
	}
	holds(t, dir, "old")
}

func TestReplaceDirRefusesALink(t *testing.T) {
	parent, elsewhere := t.TempDir(), t.TempDir()
	dir := filepath.Join(parent, "out")
	if err := os.Symlink(elsewhere, dir); err != nil {
		t.Fatal(err)
	}
	tmp, err := os.MkdirTemp(parent, ".out.tmp-")
	if err != nil {
		t.Fatal(err)
	}
	if err := rootfs.ReplaceDir(tmp, dir); !errors.Is(err, rootfs.ErrSymlink) {
		t.Errorf("err = %v, want ErrSymlink", err)
	}
	if fi, err := os.Lstat(dir); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("out is no longer the link: %v %v", fi, err)
	}
}
