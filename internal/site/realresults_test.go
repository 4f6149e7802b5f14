package site_test

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/site"
)

var realResults = flag.String("results", "", "check the badges against this directory of real lab results (make test passes it after running the labs)")

// TestBadgesMatchRealResults builds the real site with the results of real
// lab runs (make test runs the labs first, then this test with -results)
// and checks that every tutorial page says what its results say, read here
// from the files themselves: the state (failing when the latest run of a
// version failed, partial when a step of the newest run was not verified,
// else verified) on the page and in the calendar, the coverage line's
// counts, each block's status from the newest run, and the output the run
// printed in the block's output control.
func TestBadgesMatchRealResults(t *testing.T) {
	if *realResults == "" {
		t.Skip("no -results directory: make test runs this after the labs, with their results")
	}
	checkAgainstResults(t, repoRoot(t), *realResults)
}

// TestPageMatchesResultsFixture runs the same checks on the page model's
// results fixture (internal/page/testdata/results): helm verified on two
// versions with the commands' output, push-jobs partly verified,
// federated-job failing on the newer version.
func TestPageMatchesResultsFixture(t *testing.T) {
	checkAgainstResults(t, copyProject(t), filepath.Join(repoRoot(t), "internal", "page", "testdata", "results"))
}

// checkAgainstResults builds the site under root with the results in dir
// and checks every tutorial page against those files.
func checkAgainstResults(t *testing.T, root, dir string) {
	arts := loadArticles(t, root)
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no results in %s: %v", dir, err)
	}
	out := build(t, root, site.Options{Results: dir})
	home := parseFile(t, filepath.Join(out, "2017", "index.html"))
	for _, p := range files {
		f, err := report.Read(p)
		if err != nil || f == nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(f.Runs) == 0 {
			t.Fatalf("%s: no runs", p)
		}
		l := labOfResults(t, labs, p, f)
		a := articleByPath(t, arts, f.Source)
		doc := parseFile(t, filepath.Join(out, articlePage(a)))

		want, passed, counted, newest := expectedState(f, l)
		v, state := verification(t, doc)
		if state != want {
			t.Errorf("%s: page state %q, want %q (%s)", f.Lab, state, want, text(v))
		}
		if cov := fmt.Sprintf("%d of %d steps verified", passed, counted); !strings.Contains(text(v), cov) {
			t.Errorf("%s: coverage line %q does not say %q", f.Lab, text(v), cov)
		}
		if cal := calendarState(t, home, "/"+strings.TrimSuffix(articlePage(a), "index.html")); cal != want {
			t.Errorf("%s: calendar state %q, want %q", f.Lab, cal, want)
		}
		got := stepStatuses(t, doc)
		for _, s := range newest.Steps {
			status := s.Status
			if status == report.Unchanged {
				status = report.Pass
			}
			if got[s.Name] != string(status) {
				t.Errorf("%s: block %q shows %q, the newest run (Kubernetes %s) says %q", f.Lab, s.Name, got[s.Name], newest.Kubernetes, s.Status)
			}
		}
		checkRunOutputs(t, f.Lab, doc, newest)
		checkNoMatcherSyntax(t, f.Lab, doc)
		t.Logf("%s: %s; %d blocks match the newest run (Kubernetes %s, %s)", f.Lab, want, len(newest.Steps), newest.Kubernetes, newest.Mode)
	}
	if len(files) < 3 {
		t.Errorf("results for %d labs, want the three tutorials", len(files))
	}
}

// labOfResults is the lab the results file at path f was read from is
// about; the test fails when the articles have no such lab.
func labOfResults(t *testing.T, labs []*lab.Lab, path string, f *report.File) *lab.Lab {
	t.Helper()
	for _, l := range labs {
		if l.Name == f.Lab {
			return l
		}
	}
	t.Fatalf("%s: no lab %s in the articles", path, f.Lab)
	return nil
}

// expectedState is what a tutorial's page should say given its results
// file, read here on its own: failing when the latest run of a version
// failed, partial when a counted step (not a file block) of the newest run
// did not pass, else verified; and the coverage counts.
func expectedState(f *report.File, l *lab.Lab) (state string, passed, counted int, newest *report.Run) {
	runs := append([]*report.Run(nil), f.Runs...)
	sort.Slice(runs, func(i, j int) bool { return runs[i].Started.After(runs[j].Started) })
	newest = runs[0]
	byName := map[string]*report.Step{}
	for _, s := range newest.Steps {
		byName[s.Name] = s
	}
	for _, s := range l.Steps {
		if s.Kind == lab.KindFile {
			continue
		}
		counted++
		if st := byName[s.Name]; st != nil && (st.Status == report.Pass || st.Status == report.Unchanged) {
			passed++
		}
	}
	state = "verified"
	if passed < counted {
		state = "partial"
	}
	for _, r := range f.Runs {
		if r.Status == report.Fail {
			state = "failing"
		}
	}
	return state, passed, counted, newest
}
