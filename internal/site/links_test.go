package site_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/site"
)

// A build writes its generated data (.advent/) and the site (public/)
// only into real directories: a symbolic link there, which would make it
// write page.json elsewhere and delete the other *.json files there, or
// replace another directory, is refused and what it points at stays as
// it was.
func TestBuildNeverWritesThroughALink(t *testing.T) {
	root := copyProject(t)
	for _, c := range []struct{ name, link, want string }{
		{"advent", ".advent", ".advent: symbolic link: advent writes its generated files only into a real directory; remove it"},
		{"advent data", ".advent/data", "data: symbolic link: advent writes its generated files only into a real directory; remove it"},
		{"page data", ".advent/data/page.json", "page.json: symbolic link: advent does not write through it; remove it"},
		{"public", "public", "public: symbolic link: the site is written only into a real directory; remove it"},
	} {
		t.Run(c.name, func(t *testing.T) {
			os.RemoveAll(filepath.Join(root, ".advent"))
			os.RemoveAll(filepath.Join(root, "public"))
			elsewhere := t.TempDir()
			victim := filepath.Join(elsewhere, "other.json")
			write(t, victim, []byte("keep\n"))
			target := elsewhere
			if strings.HasSuffix(c.link, ".json") {
				target = victim
			}
			link := filepath.Join(root, c.link)
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			_, err := site.Build(context.Background(), site.Options{Root: root, Quiet: true})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("build: %v\nwant an error ending %q", err, c.want)
			}
			entries, _ := os.ReadDir(elsewhere)
			if b, rerr := os.ReadFile(victim); rerr != nil || string(b) != "keep\n" || len(entries) != 1 {
				t.Errorf("the link's target changed: %d entries, other.json %q %v", len(entries), b, rerr)
			}
			if m, _ := filepath.Glob(filepath.Join(root, ".public.tmp-*")); len(m) > 0 {
				t.Errorf("left behind: %v", m)
			}
		})
	}
}
