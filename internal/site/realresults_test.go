package site_test

import (
	"flag"
	"path/filepath"
	"sort"
	"testing"

	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/site"
)

var realResults = flag.String("results", "", "check the badges against this directory of real lab results (make test passes it after running the labs)")

// TestBadgesMatchRealResults builds the real site with the results of real
// lab runs (make test runs the labs first, then this test with -results)
// and checks that every tutorial page says what its results say: verified
// or failing, and each block's status from the newest run.
func TestBadgesMatchRealResults(t *testing.T) {
	if *realResults == "" {
		t.Skip("no -results directory: make test runs this after the labs, with their results")
	}
	root := repoRoot(t)
	arts := loadArticles(t, root)
	files, err := filepath.Glob(filepath.Join(*realResults, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no results in %s: %v", *realResults, err)
	}
	out := build(t, root, site.Options{Results: *realResults})
	for _, p := range files {
		f, err := report.Read(p)
		if err != nil || f == nil {
			t.Fatalf("%s: %v", p, err)
		}
		if len(f.Runs) == 0 {
			t.Fatalf("%s: no runs", p)
		}
		a := articleByPath(t, arts, f.Source)
		doc := parseFile(t, filepath.Join(out, articlePage(a)))

		want := "verified"
		for _, r := range f.Runs {
			if r.Status == report.Fail {
				want = "failing"
			}
		}
		if v, state := verification(t, doc); state != want {
			t.Errorf("%s: badge state %q, want %q (%s)", f.Lab, state, want, text(v))
		}
		runs := append([]*report.Run(nil), f.Runs...)
		sort.Slice(runs, func(i, j int) bool { return runs[i].Started.After(runs[j].Started) })
		newest := runs[0]
		got := stepStatuses(t, doc)
		for _, s := range newest.Steps {
			if got[s.Name] != s.Status {
				t.Errorf("%s: block %q shows %q, the newest run (Kubernetes %s) says %q", f.Lab, s.Name, got[s.Name], newest.Kubernetes, s.Status)
			}
		}
		t.Logf("%s: %s; %d blocks match the newest run (Kubernetes %s, %s)", f.Lab, want, len(newest.Steps), newest.Kubernetes, newest.Mode)
	}
	if len(files) < 3 {
		t.Errorf("results for %d labs, want the three tutorials", len(files))
	}
}
