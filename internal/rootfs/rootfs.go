// Package rootfs writes files and directories whole or not at all, never
// through a symbolic link: a file in an os.Root goes to a new temporary
// file beside it, synced and renamed over it; a directory is built beside
// the one it replaces and swapped in. A reader sees the old content or the
// new, never half.
package rootfs

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
)

// ErrSymlink is the error (in an *fs.PathError) for a name that is a
// symbolic link where a file or directory is to be written.
var ErrSymlink = errors.New("symbolic link")

// WriteFile writes b to name (slash-separated) in root with mode perm. A
// failure leaves name as it was and no temporary file behind; a name that
// is a symbolic link is refused with ErrSymlink, and its target is not
// touched.
func WriteFile(root *os.Root, name string, b []byte, perm fs.FileMode) error {
	if fi, err := root.Lstat(name); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return &fs.PathError{Op: "write", Path: name, Err: ErrSymlink}
	}
	tmp, f, err := createNew(root, path.Join(path.Dir(name), "."+path.Base(name)+".tmp-"))
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	if err := errors.Join(werr, f.Chmod(perm), f.Sync(), f.Close()); err != nil {
		root.Remove(tmp)
		return err
	}
	if err := root.Rename(tmp, name); err != nil {
		root.Remove(tmp)
		return err
	}
	return nil
}

// WritePath is WriteFile for a file that is in no root: name's directory
// serves as one. Errors name the whole path.
func WritePath(name string, b []byte, perm fs.FileMode) error {
	dir := filepath.Dir(name)
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	err = WriteFile(root, filepath.Base(name), b, perm)
	var pe *fs.PathError
	if errors.As(err, &pe) {
		pe.Path = filepath.Join(dir, pe.Path)
	}
	return err
}

// createNew creates a file named prefix + random letters in root that did
// not exist before (O_EXCL: never a link or a file put there by another).
func createNew(root *os.Root, prefix string) (string, *os.File, error) {
	for {
		name := prefix + rand.Text()[:10]
		f, err := root.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		return name, f, err
	}
}

// ReplaceDir replaces the directory dir with tmp, a directory beside it:
// dir, when there is one, is moved aside, tmp is moved in (on failure the
// old dir is put back) and the old one removed. A dir that is a symbolic
// link is refused with ErrSymlink.
func ReplaceDir(tmp, dir string) error {
	old := ""
	fi, err := os.Lstat(dir)
	switch {
	case err == nil && fi.Mode()&fs.ModeSymlink != 0:
		return &fs.PathError{Op: "replace", Path: dir, Err: ErrSymlink}
	case err == nil:
		old = tmp + ".old"
		if err := os.Rename(dir, old); err != nil {
			return fmt.Errorf("replace %s: %w", dir, err)
		}
	case !errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return fmt.Errorf("replace %s: %w", dir, err)
	}
	if old != "" {
		return os.RemoveAll(old)
	}
	return nil
}
