package lint_test

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/rhysd/actionlint"
	"go.yaml.in/yaml/v3"
)

// readmeSection returns docs/lint.md, the "Linting stale steps" page.
func readmeSection(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(repoRoot, "docs", "lint.md"))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

var yamlBlock = regexp.MustCompile("(?s)```yaml\n(.*?)```")

// TestREADMEWorkflowStep: the two-line GitHub workflow step README gives
// for code scanning is a valid step (actionlint, with the job around it)
// that runs advent lint with SARIF output and uploads that file.
func TestREADMEWorkflowStep(t *testing.T) {
	var step string
	for _, m := range yamlBlock.FindAllStringSubmatch(readmeSection(t), -1) {
		if strings.Contains(m[1], "upload-sarif") {
			step = m[1]
		}
	}
	lines := strings.Split(strings.TrimRight(step, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("the workflow step is %d lines, want 2:\n%s", len(lines), step)
	}
	if !strings.Contains(lines[0], "cmd/advent@latest lint -format sarif . > advent-lint.sarif") ||
		!strings.Contains(lines[1], "sarif_file: advent-lint.sarif") {
		t.Errorf("the step does not lint to a SARIF file and upload it:\n%s", step)
	}
	workflow := "name: docs\non: [pull_request]\npermissions:\n  security-events: write\njobs:\n  lint:\n    runs-on: ubuntu-latest\n    steps:\n" +
		"      - uses: actions/checkout@v4\n" + step
	var out bytes.Buffer
	l, err := actionlint.NewLinter(&out, &actionlint.LinterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	errs, err := l.Lint("docs.yml", []byte(workflow), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range errs {
		t.Errorf("%d:%d: %s [%s]\n%s", e.Line, e.Column, e.Message, e.Kind, workflow)
	}
}

// TestPreCommitHook: .pre-commit-hooks.yaml runs advent lint on the
// Markdown files of a commit, and its entry works with file names appended
// as pre-commit appends them.
func TestPreCommitHook(t *testing.T) {
	b, err := os.ReadFile(filepath.Join(repoRoot, ".pre-commit-hooks.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID       string   `yaml:"id"`
		Entry    string   `yaml:"entry"`
		Language string   `yaml:"language"`
		Types    []string `yaml:"types"`
	}
	if err := yaml.Unmarshal(b, &hooks); err != nil {
		t.Fatal(err)
	}
	if len(hooks) != 1 || hooks[0].ID != "advent-lint" || hooks[0].Language != "golang" || strings.Join(hooks[0].Types, ",") != "markdown" {
		t.Fatalf("hooks: %+v", hooks)
	}
	entry := strings.Fields(hooks[0].Entry)
	if len(entry) < 2 || entry[0] != "advent" {
		t.Fatalf("entry %q does not run advent", hooks[0].Entry)
	}
	dir := t.TempDir()
	write(t, dir, "stale.md", "```sh\nhelm init\n```\n")
	write(t, dir, "ok.md", "```sh\nhelm repo update\n```\n")
	args := append(entry[1:], "-root", dir)
	if code, stdout, _ := advent(t, append(args, "ok.md")...); code != 0 {
		t.Errorf("modern file: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := advent(t, append(args, "ok.md", "stale.md")...); code != 1 || !strings.Contains(stdout, "stale.md:2:6: helm init") {
		t.Errorf("stale file: exit %d\n%s", code, stdout)
	}
}
