package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// A slim image (files copied out of Debian packages onto an empty base)
// has no dpkg: its Debian versions come from PackagesFile. An image with
// neither is an error, and so is a package the list lacks.
func TestDebVersionsOfAnImageWithoutDpkg(t *testing.T) {
	if testing.Short() {
		t.Skip("builds images with Docker")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	d, err := newDocker("docker")
	if err != nil {
		t.Fatal(err)
	}
	build := func(files map[string]string) string {
		dir := t.TempDir()
		df := "FROM scratch\n"
		for name, text := range files {
			if err := os.WriteFile(filepath.Join(dir, filepath.Base(name)), []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			df += fmt.Sprintf("COPY %s %s\n", filepath.Base(name), name)
		}
		if err := os.WriteFile(filepath.Join(dir, "Dockerfile"), []byte(df), 0o644); err != nil {
			t.Fatal(err)
		}
		tag := fmt.Sprintf("advent.local/tmp:debversions-%d-%d", os.Getpid(), time.Now().UnixNano())
		t.Cleanup(func() {
			_ = xexec.Command("docker", "rmi", "-f", tag).WithTimeout(time.Minute).Run(context.Background())
		})
		if err := d.build(ctx, dir, tag, nil, 2*time.Minute); err != nil {
			t.Fatal(err)
		}
		return tag
	}
	slim := build(map[string]string{PackagesFile: "nginx-light\t1.22.1-9+deb12u11\tii \ncurl\t7.88.1-10+deb12u15\tii \nwget\t1.21\trc \n"})
	got, err := d.debVersions(ctx, slim, []string{"nginx-light", "curl"})
	if err != nil {
		t.Fatal(err)
	}
	if got["nginx-light"] != "1.22.1-9+deb12u11" || got["curl"] != "7.88.1-10+deb12u15" || len(got) != 2 {
		t.Errorf("debVersions = %v", got)
	}
	// Removed (rc) is not installed.
	if _, err := d.debVersions(ctx, slim, []string{"wget"}); err == nil || !strings.Contains(err.Error(), "wget is not installed") {
		t.Errorf("a removed package: err = %v", err)
	}
	bare := build(map[string]string{"/etc/hostname": "bare\n"})
	if _, err := d.debVersions(ctx, bare, []string{"curl"}); err == nil {
		t.Error("an image without dpkg or a packages file gave versions")
	}
	// No container is left behind.
	out, err := xexec.Command("docker", "ps", "-a", "-q", "--filter", "ancestor="+slim).OutputString(ctx)
	if err != nil || out != "" {
		t.Errorf("containers of %s left behind: %q %v", slim, out, err)
	}
}
