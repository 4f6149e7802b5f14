package images

import (
	"archive/tar"
	"context"
	"crypto/md5"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// The steps' engine calls, on the engine: import a root file system with
// changes, start a privileged container, exec in it (with input, and
// failing), commit it with changes, and save images to an archive.
func TestEngineImportExecCommitSave(t *testing.T) {
	if testing.Short() {
		t.Skip("needs the Docker daemon")
	}
	if ImageSetAbsent() {
		t.Skip(ImageSetAbsentReason)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := newDocker("docker")
	if err != nil {
		t.Fatal(err)
	}
	tag := func(what string) string {
		ref := fmt.Sprintf("%s:enginetest-%s-%d-%s", tmpRepo, what, os.Getpid(), randHex(4))
		t.Cleanup(func() { d.rmi(context.Background(), ref) })
		return ref
	}

	dir := t.TempDir()
	tarball := filepath.Join(dir, "rootfs.tar")
	writeTar(t, tarball, map[string]string{"etc/advent-test": "imported\n"})
	imported := tag("import")
	if err := d.importTar(ctx, tarball, imported, `ENTRYPOINT ["/pause"]`, "ENV A=b"); err != nil {
		t.Fatal(err)
	}
	res, err := d.api.ImageInspect(ctx, imported)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(res.Config.Entrypoint, []string{"/pause"}) || !slices.Contains(res.Config.Env, "A=b") {
		t.Errorf("imported image's config: entrypoint %q, env %q", res.Config.Entrypoint, res.Config.Env)
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.tar"), []byte("not a tar archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := d.importTar(ctx, filepath.Join(dir, "bad.tar"), tag("bad")); err == nil {
		t.Error("importing what is not an archive gave no error")
	}

	ctr := "advent-enginetest-" + randHex(4)
	t.Cleanup(func() { d.remove(context.Background(), ctr) })
	if err := d.startPrivileged(ctx, ctr, debianImage, "sleep", "infinity"); err != nil {
		t.Fatal(err)
	}
	// Input larger than the connection's buffers, as an image archive is.
	input := strings.Repeat("12345678", 1<<19)
	out, err := d.exec(ctx, ctr, strings.NewReader(input), time.Minute, "bash", "-c", "cd /etc && cat >advent-test && wc -c <advent-test")
	if err != nil || strings.TrimSpace(string(out)) != "4194304" {
		t.Errorf("exec with 4 MiB of input: %q, %v", out, err)
	}
	if _, err := d.exec(ctx, ctr, nil, time.Minute, "bash", "-c", "echo why >&2; exit 3"); err == nil ||
		!strings.Contains(err.Error(), "exited with status 3: why") {
		t.Errorf("a failing exec: err = %v", err)
	}
	committed := tag("commit")
	if err := d.commit(ctx, ctr, committed, `ENTRYPOINT ["/bin/cat"]`, `CMD ["/etc/advent-test"]`); err != nil {
		t.Fatal(err)
	}
	got, err := d.output(ctx, committed, "md5sum", "/etc/advent-test")
	if want := fmt.Sprintf("%x  /etc/advent-test\n", md5.Sum([]byte(input))); err != nil || string(got) != want {
		t.Errorf("the committed image holds %q (%v), want %q: what the exec wrote", got, err, want)
	}

	archive := filepath.Join(dir, "images.tar")
	if err := d.save(ctx, archive, imported, committed); err != nil {
		t.Fatal(err)
	}
	if names := tarNames(t, archive); !slices.Contains(names, "manifest.json") {
		t.Errorf("saved archive lacks manifest.json: %q", names)
	}
}

// writeTar writes files (path: text) into a new tar archive at name.
func writeTar(t *testing.T, name string, files map[string]string) {
	t.Helper()
	f, err := os.Create(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for p, text := range files {
		if err := tw.WriteHeader(&tar.Header{Name: p, Mode: 0o644, Size: int64(len(text)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(text)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}

// tarNames lists the entries of the tar archive name.
func tarNames(t *testing.T, name string) []string {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []string
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
	}
}
