package images

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// The cincproject/auditor stand-in behaves like cinc-auditor: version,
// archive PROFILE, and exec ARCHIVE -t docker://NAME --input k=v against
// throwaway containers, passing (exit 0) and failing (exit 100) controls.
func TestAuditorStandIn(t *testing.T) {
	m := builtImageSet(t, "runs the cincproject/auditor stand-in of `advent images build`")
	e, ok := m.Image(AuditorImage)
	if !ok {
		t.Fatalf("%s is not in the manifest: %s", AuditorImage, InSpecSourcesHint())
	}
	if !e.StandIn || e.Artefact != inspecStepID || len(e.Sources.Archives) != len(inspecArchives) || e.Sources.Debian["ruby-docker-api"] == "" {
		t.Errorf("manifest entry %+v: want a stand-in made by step %s from %d archives and Debian's ruby-docker-api", e, inspecStepID, len(inspecArchives))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// docker runs the docker CLI: its standard output and exit code.
	docker := func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		out, err := xexec.Command("docker", args...).WithTimeout(2 * time.Minute).Output(ctx)
		var xe *xexec.Error
		if errors.As(err, &xe) && xe.ExitCode > 0 {
			return string(out), xe.ExitCode
		}
		if err != nil {
			t.Fatal(err)
		}
		return string(out), 0
	}
	if labels, _ := docker(t, "image", "inspect", "--format", `{{index .Config.Labels "io.advent.stand-in"}} {{index .Config.Labels "io.advent.key"}}`, AuditorImage); strings.TrimSpace(labels) != "true "+e.Key {
		t.Errorf("labels %q, want stand-in true and key %s", labels, e.Key)
	}
	if out, code := docker(t, "run", "--rm", AuditorImage, "version"); code != 0 || out != inspecArchives[0].version+"\n" {
		t.Errorf("version: exit %d, %q; want exactly %s (no warning)", code, out, inspecArchives[0].version)
	}

	// A profile like the push-jobs lab's: one command control, one input.
	dir := t.TempDir()
	for name, text := range map[string]string{
		"profile/inspec.yml": "name: profile\nversion: 0.3.0\ninputs:\n  - name: env\n    required: true\n",
		"profile/controls/node.rb": `control 'ruby' do
  describe command('ruby --version') do
    its('stdout') { should match(/^ruby 3\./) }
  end
end
control 'env' do
  describe input('env') do
    it { should cmp 'production' }
  end
end
`,
	} {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if out, code := docker(t, "run", "--rm", "-v", dir+":/share", AuditorImage, "archive", "profile", "--overwrite"); code != 0 {
		t.Fatalf("archive: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(filepath.Join(dir, "profile-0.3.0.tar.gz")); err != nil {
		t.Fatalf("archive did not write profile-0.3.0.tar.gz: %v", err)
	}

	// Throwaway nodes: Ruby 3.1 (the lab's node image), and Debian without Ruby.
	node := func(image string) string {
		name := fmt.Sprintf("advent-auditor-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		t.Cleanup(func() {
			_ = xexec.Command("docker", "rm", "-f", "-v", name).WithTimeout(time.Minute).Run(context.Background())
		})
		if out, code := docker(t, "run", "-d", "--name", name, image, "sleep", "infinity"); code != 0 {
			t.Fatalf("start %s: exit %d %s", image, code, out)
		}
		return name
	}
	withRuby, noRuby := node("ruby:3.1-bookworm"), node(debianImage)

	for _, c := range []struct {
		name, node, env string
		code            int
		summary, failed string
	}{
		{"pass", withRuby, "production", 0, "Profile Summary: 2 successful controls, 0 control failures, 0 controls skipped", ""},
		{"wrong input", withRuby, "staging", 100, "Profile Summary: 1 successful control, 1 control failure, 0 controls skipped", "×  env"},
		{"no ruby", noRuby, "production", 100, "Profile Summary: 1 successful control, 1 control failure, 0 controls skipped", "×  ruby"},
	} {
		t.Run(c.name, func(t *testing.T) {
			out, code := docker(t, "run", "--rm", "-v", "/var/run/docker.sock:/var/run/docker.sock", "-v", dir+":/share",
				AuditorImage, "exec", "profile-0.3.0.tar.gz", "-t", "docker://"+c.node, "--input", "env="+c.env, "--no-color")
			if code != c.code || !strings.Contains(out, "\n"+c.summary+"\n") {
				t.Errorf("exit %d, want %d; want the line %q in\n%s", code, c.code, c.summary, out)
			}
			if c.failed != "" && !strings.Contains(out, c.failed) {
				t.Errorf("the failing control (%q) is not marked:\n%s", c.failed, out)
			}
		})
	}
}
