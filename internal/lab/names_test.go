package lab_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"helm", "push-jobs", "a1", "0"} {
		if err := lab.ValidName(lab.NameLab, ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "..", "../x", "x/y", "/etc", "X", "-x", "a.b", "a\\b", "a\x00", strings.Repeat("a", 64)} {
		if err := lab.ValidName(lab.NameLab, bad); err == nil {
			t.Errorf("ValidName(%q) accepted it", bad)
		}
	}
}

func TestWorkPath(t *testing.T) {
	for _, ok := range []string{"values.yaml", "templates/service.yaml", "~/.config/x", ".hidden"} {
		if err := lab.WorkPath(ok, false); err != nil {
			t.Errorf("WorkPath(%q) = %v", ok, err)
		}
	}
	if err := lab.WorkPath("/etc/motd", true); err != nil {
		t.Errorf("WorkPath(/etc/motd) in a container = %v", err)
	}
	for _, bad := range []string{"", "/etc/passwd-test", "..", "../x", "a/../../b", "~/../x", "a//b", "./a", "~/", "a\x00b", "/../etc/x"} {
		if err := lab.WorkPath(bad, false); err == nil {
			t.Errorf("WorkPath(%q) accepted it", bad)
		}
	}
	for _, bad := range []string{"/../etc/x", "//etc", "/"} {
		if err := lab.WorkPath(bad, true); err == nil {
			t.Errorf("WorkPath(%q) in a container accepted it", bad)
		}
	}
}

// TestLoadChecksTheManifest: a hand-edited lab.yaml is checked as an
// article is: a bad pattern is reported when the lab is loaded (not by a
// panic at run time), and no path, name or stored content may lead out of
// the work directory or labs/<name>/.
func TestLoadChecksTheManifest(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "secret"), []byte("s"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, manifest, want string }{{
		name:     "match",
		manifest: "name: x\nsteps:\n  - name: a\n    kind: run\n    line: 1\n    match: \"(\"\n",
		want:     `step "a": match "(": error parsing regexp: missing closing ): ` + "`(`",
	}, {
		name:     "absolute path",
		manifest: "name: x\nsteps:\n  - name: a\n    kind: file\n    line: 1\n    path: /etc/passwd-test\n    content: files/01/a\n",
		want:     `step "a": path "/etc/passwd-test" is absolute`,
	}, {
		name:     "content outside",
		manifest: "name: x\nsteps:\n  - name: a\n    kind: file\n    line: 1\n    path: a\n    content: ../../secret\n",
		want:     `step "a": content ../../secret: `,
	}, {
		name:     "cluster",
		manifest: "name: x\nsteps:\n  - name: a\n    kind: run\n    line: 1\n    cluster: ../k\n",
		want:     `step "a": cluster name "../k"`,
	}, {
		name:     "name",
		manifest: "name: y\nsteps: []\n",
		want:     `lab "y" is in directory "x"`,
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			labs := filepath.Join(dir, tt.name)
			writeFile(t, filepath.Join(labs, "x", lab.ManifestName), []byte(tt.manifest))
			_, err := lab.Load(labs, "x")
			if err == nil || !strings.Contains(err.Error(), tt.want) || !diag.IsInput(err) {
				t.Errorf("Load: %v\nwant an input error containing %q", err, tt.want)
			}
		})
	}
	if _, err := lab.Load(dir, "../x"); err == nil || !diag.IsInput(err) {
		t.Errorf("Load(../x) = %v, want an input error", err)
	}
}

// TestLoadNeverReadsThroughALink: a manifest, a step's content or the
// lab's directory that is a symbolic link is refused (an input error), so
// a link in labs/ cannot make a lab read a file from elsewhere.
func TestLoadNeverReadsThroughALink(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "secret")
	writeFile(t, secret, []byte("name: x\nsteps: []\n"))
	manifest := "name: x\nsteps:\n  - name: a\n    kind: file\n    line: 1\n    path: a\n    content: files/01/a\n"
	for _, c := range []struct{ name, link, want string }{
		{"manifest", "x/" + lab.ManifestName, "lab.yaml: symbolic link"},
		{"content", "x/files/01/a", "files/01/a: symbolic link"},
		{"directory", "x", "x: symbolic link"},
	} {
		t.Run(c.name, func(t *testing.T) {
			labs := filepath.Join(dir, c.name)
			if c.link != "x/"+lab.ManifestName && c.link != "x" {
				writeFile(t, filepath.Join(labs, "x", lab.ManifestName), []byte(manifest))
			}
			link := filepath.Join(labs, filepath.FromSlash(c.link))
			if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
				t.Fatal(err)
			}
			target := secret
			if c.link == "x" {
				target = filepath.Join(dir, "content", "x")
			}
			if err := os.Symlink(target, link); err != nil {
				t.Fatal(err)
			}
			_, err := lab.Load(labs, "x")
			if err == nil || !strings.Contains(err.Error(), c.want) || !diag.IsInput(err) {
				t.Errorf("Load: %v\nwant an input error containing %q", err, c.want)
			}
		})
	}
}

// TestWriteRefusesALinkedDir: labs/ that is a symbolic link is refused (an
// input error) and what it points at stays as it was.
func TestWriteRefusesALinkedDir(t *testing.T) {
	dir, elsewhere := t.TempDir(), t.TempDir()
	victim := filepath.Join(elsewhere, "keep")
	writeFile(t, victim, []byte("keep\n"))
	labs := filepath.Join(dir, "labs")
	if err := os.Symlink(elsewhere, labs); err != nil {
		t.Fatal(err)
	}
	err := lab.Write(labs, []*lab.Lab{{Name: "x", Source: "content/x.md"}})
	if err == nil || !strings.Contains(err.Error(), "labs: symbolic link") || !diag.IsInput(err) {
		t.Errorf("Write: %v\nwant an input error at labs/", err)
	}
	if b, err := os.ReadFile(victim); err != nil || string(b) != "keep\n" {
		t.Errorf("the link's target changed: %q %v", b, err)
	}
	if fi, err := os.Lstat(labs); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("labs/ is no longer the link: %v", err)
	}
}
