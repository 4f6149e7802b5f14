package page_test

import (
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/page"
	"github.com/sysadvent/advent/internal/report"
)

// A lab whose latest runs were all on Kubernetes releases past end of life
// says so in its badge and coverage line; one run on a supported release
// is enough to drop the flag, and Compute (no day) never sets it.
func TestPastEndOfLife(t *testing.T) {
	arts, labs := parse(t, article)
	l := labs[0]
	on := at("2026-12-06T12:00:00Z")
	run := func(k string) *report.Run {
		return &report.Run{Kubernetes: k, Started: at("2026-11-30T01:00:00Z"), Status: report.Pass, Mode: "online", Steps: steps(l, report.Pass, nil)}
	}
	for _, tc := range []struct {
		name string
		runs []*report.Run
		past bool
	}{
		{"only past end of life", []*report.Run{run("v1.33.13"), run("v1.34.4")}, true},
		{"one supported release", []*report.Run{run("v1.34.4"), run("v1.35.4")}, false},
		{"no Kubernetes", []*report.Run{run("")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := report.Store{"t": &report.File{Lab: "t", Source: "content/2000/01-test.md", Runs: tc.runs}}
			a := page.ComputeOn(arts, labs, st, on).Articles["content/2000/01-test.md"]
			says := strings.Contains(a.Coverage, "verified only on Kubernetes releases past end of life (supported on December 6, 2026: Kubernetes 1.35 to 1.37).")
			if a.PastEOL != tc.past || says != tc.past || (a.EOLBadge == "EOL") != tc.past {
				t.Errorf("past_eol %v, badge %q, coverage %q; want past_eol %v", a.PastEOL, a.Badge, a.Coverage, tc.past)
			}
			if b := page.Compute(arts, labs, st).Articles["content/2000/01-test.md"]; b.PastEOL || strings.Contains(b.Coverage, "end of life") {
				t.Errorf("Compute judged end of life: %+v", b)
			}
		})
	}
}
