package ci

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

const dir = "../../.github/workflows"

func workflows(t *testing.T) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.yml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no workflows in %s: %v", dir, err)
	}
	return files
}

func TestActionlint(t *testing.T) {
	var out bytes.Buffer
	// actionlint checks the run: scripts with shellcheck when it is
	// installed (apt-get install shellcheck; GitHub's runners have it).
	opts := &actionlint.LinterOptions{}
	if p, err := exec.LookPath("shellcheck"); err == nil {
		opts.Shellcheck = p
	} else {
		t.Log("shellcheck is not installed: run: scripts are not checked (apt-get install shellcheck)")
	}
	l, err := actionlint.NewLinter(&out, opts)
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.LintFiles(workflows(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%s:%d:%d: %s [%s]", e.Filepath, e.Line, e.Column, e.Message, e.Kind)
	}
}

var pinned = regexp.MustCompile(`^[\w.-]+/[\w./-]+@[0-9a-f]{40}$`)

type workflow struct {
	Permissions any `yaml:"permissions"`
	Jobs        map[string]struct {
		Timeout any `yaml:"timeout-minutes"`
		Steps   []struct {
			Uses string `yaml:"uses"`
		} `yaml:"steps"`
	} `yaml:"jobs"`
}

func TestPolicy(t *testing.T) {
	for _, f := range workflows(t) {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var w workflow
		if err := yaml.Unmarshal(b, &w); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		name := filepath.Base(f)
		if w.Permissions == nil {
			t.Errorf("%s: no top-level permissions (set least privileges, e.g. contents: read)", name)
		} else if m, ok := w.Permissions.(map[string]any); ok {
			for k, v := range m {
				if v == "write" {
					t.Errorf("%s: top-level permission %s: write (grant writes per job)", name, k)
				}
			}
		} else if w.Permissions != "read-all" && w.Permissions != "{}" {
			t.Errorf("%s: permissions %v", name, w.Permissions)
		}
		for job, j := range w.Jobs {
			if j.Timeout == nil {
				t.Errorf("%s: job %s has no timeout-minutes", name, job)
			}
			for _, s := range j.Steps {
				if s.Uses != "" && !strings.HasPrefix(s.Uses, "./") && !pinned.MatchString(s.Uses) {
					t.Errorf("%s: job %s uses %q: pin actions to a full commit SHA", name, job, s.Uses)
				}
			}
		}
	}
}
