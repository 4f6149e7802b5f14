package ci

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/images"
)

// job is the part of a workflow job the publishing policy reads.
type job struct {
	If          string         `yaml:"if"`
	Needs       any            `yaml:"needs"` // a name or a list
	Permissions map[string]any `yaml:"permissions"`
	Strategy    struct {
		Matrix map[string]any `yaml:"matrix"`
	} `yaml:"strategy"`
}

type triggers struct {
	On   map[string]any `yaml:"on"`
	Jobs map[string]job `yaml:"jobs"`
}

func load(t *testing.T, name string) triggers {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	var w triggers
	if err := yaml.Unmarshal(b, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return w
}

func needs(j job) []string {
	switch n := j.Needs.(type) {
	case string:
		return []string{n}
	case []any:
		var out []string
		for _, v := range n {
			out = append(out, v.(string))
		}
		return out
	}
	return nil
}

// pagesGuard are the conditions every job of pages.yml depends on: a labs
// run is published only when it ran on this repository's main branch and
// not for a pull request.
var pagesGuard = []string{
	"github.event.workflow_run.event != 'pull_request'",
	"github.event.workflow_run.event != 'pull_request_target'",
	"github.event.workflow_run.head_branch == 'main'",
	"github.event.workflow_run.head_repository.full_name == github.repository",
	"github.event_name == 'workflow_dispatch' && github.ref == 'refs/heads/main'",
}

// pagesProblems says how a pages workflow could deploy what a pull
// request's run (or a fork's) produced: a trigger other than workflow_run
// (of labs on main) and workflow_dispatch, a workflow_run trigger not
// limited to main, a job that runs without depending on one guarded by
// pagesGuard, or contents: write outside that guarded job.
func pagesProblems(w triggers) []string {
	var out []string
	for ev := range w.On {
		if ev != "workflow_run" && ev != "workflow_dispatch" {
			out = append(out, "triggers on "+ev)
		}
	}
	wr, _ := w.On["workflow_run"].(map[string]any)
	if br, _ := wr["branches"].([]any); len(br) != 1 || br[0] != "main" {
		out = append(out, fmt.Sprintf("workflow_run branches %v, want [main]", wr["branches"]))
	}
	guarded := map[string]bool{}
	for _, name := range slices.Sorted(maps.Keys(w.Jobs)) {
		j := w.Jobs[name]
		if len(needs(j)) > 0 {
			continue
		}
		cond := strings.Join(strings.Fields(j.If), " ")
		ok := true
		for _, g := range pagesGuard {
			if !strings.Contains(cond, g) {
				out = append(out, fmt.Sprintf("job %s needs no other job and its if lacks %q", name, g))
				ok = false
			}
		}
		guarded[name] = ok
	}
	// Every other job needs (transitively) a guarded one: a skipped job
	// skips the jobs that need it.
	var reaches func(name string, seen map[string]bool) bool
	reaches = func(name string, seen map[string]bool) bool {
		if guarded[name] {
			return true
		}
		if seen[name] {
			return false
		}
		seen[name] = true
		for _, n := range needs(w.Jobs[name]) {
			if reaches(n, seen) {
				return true
			}
		}
		return false
	}
	var writers []string
	for _, name := range slices.Sorted(maps.Keys(w.Jobs)) {
		if !reaches(name, map[string]bool{}) {
			out = append(out, fmt.Sprintf("job %s does not depend on a guarded job", name))
		}
		if w.Jobs[name].Permissions["contents"] == "write" {
			writers = append(writers, name)
		}
	}
	// Writing the repository's contents (the results branch) is one
	// guarded job's privilege.
	if len(writers) > 1 || (len(writers) == 1 && !guarded[writers[0]]) {
		out = append(out, fmt.Sprintf("jobs with contents: write: %v; at most one, the guarded one", writers))
	}
	return out
}

// Pages never deploys what a pull request's run (or a fork's) produced.
func TestPagesNeverPublishesPullRequests(t *testing.T) {
	for _, p := range pagesProblems(load(t, "pages.yml")) {
		t.Errorf("pages.yml: %s", p)
	}
}

// The policy catches the pages.yml this project had before (deployed
// after every labs run, pull requests included) and small slips.
func TestPagesPolicyCatchesUnguardedDeploys(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(dir, "pages.yml"))
	if err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		yaml string
		want string
	}{
		"before": {"on:\n  workflow_run:\n    workflows: [labs]\n    types: [completed]\njobs:\n  build:\n    runs-on: ubuntu-24.04\n  deploy:\n    needs: build\n",
			"job build needs no other job and its if lacks"},
		"no fork check": {strings.Replace(string(good), "github.event.workflow_run.head_repository.full_name == github.repository", "true", 1),
			"lacks \"github.event.workflow_run.head_repository.full_name == github.repository\""},
		"pull_request trigger": {strings.Replace(string(good), "on:\n", "on:\n  pull_request:\n", 1), "triggers on pull_request"},
		"unguarded job":        {string(good) + "  extra:\n    runs-on: ubuntu-24.04\n    steps: []\n", "job extra needs no other job"},
	} {
		var w triggers
		if err := yaml.Unmarshal([]byte(c.yaml), &w); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := strings.Join(pagesProblems(w), "\n")
		if !strings.Contains(got, c.want) {
			t.Errorf("%s: problems %q, want one containing %q", name, got, c.want)
		}
	}
}

// A workflow that pull requests trigger never gets write permissions.
func TestPullRequestWorkflowsOnlyRead(t *testing.T) {
	for _, f := range workflows(t) {
		w := load(t, filepath.Base(f))
		if _, ok := w.On["pull_request"]; !ok {
			if _, ok := w.On["pull_request_target"]; !ok {
				continue
			}
		}
		for name, j := range w.Jobs {
			for k, v := range j.Permissions {
				if v == "write" {
					t.Errorf("%s: job %s has %s: write and runs for pull requests", filepath.Base(f), name, k)
				}
			}
		}
	}
}

// labs.yml runs exactly the node images kind publishes (images.KindNodeImages).
func TestLabsMatrixIsKindNodeImages(t *testing.T) {
	w := load(t, "labs.yml")
	raw, _ := w.Jobs["run"].Strategy.Matrix["kubernetes"].([]any)
	var got []string
	for _, v := range raw {
		got = append(got, v.(string))
	}
	if want := images.OnlineK8sVersions(); !slices.Equal(got, want) {
		t.Errorf("labs.yml matrix kubernetes: %v; kind %s publishes node images for %v (internal/images/kindnodes.go)", got, images.KindVersion, want)
	}
}
