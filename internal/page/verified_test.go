package page_test

import (
	"testing"

	"github.com/sysadvent/advent/internal/page"
	"github.com/sysadvent/advent/internal/report"
)

// The article names the tools and Kubernetes versions of the latest run of
// each version, with the newest run's date.
func TestVerifiedWith(t *testing.T) {
	arts, labs := parse(t, article)
	l := labs[0]
	tools := report.Versions{Kind: "v0.33.0", Helm: "v4.3.2", Kubectl: "v1.37.2"}
	old := report.Versions{Kind: "v0.33.0", Helm: "v3.22.0", Kubectl: "v1.37.0", Kubernetes: "v1.35.4"}
	withK := func(v report.Versions, k string) report.Versions { v.Kubernetes = k; return v }
	for _, tc := range []struct {
		name string
		runs []*report.Run
		want string
	}{
		{"two versions, same tools", []*report.Run{
			{Kubernetes: "v1.37.2", Versions: withK(tools, "v1.37.2"), Started: at("2026-12-06T01:00:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
			{Kubernetes: "v1.35.4", Versions: withK(tools, "v1.35.4"), Started: at("2026-12-06T00:30:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
			// superseded by the run of 01:00 on the same version
			{Kubernetes: "v1.37.2", Versions: old, Started: at("2026-12-05T01:00:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
		}, "Verified on December 6, 2026 with kind v0.33.0, Helm v4.3.2 and kubectl v1.37.2, on Kubernetes v1.35.4 and v1.37.2."},
		{"tools differ between versions", []*report.Run{
			{Kubernetes: "v1.37.2", Versions: withK(tools, "v1.37.2"), Started: at("2026-12-06T01:00:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
			{Kubernetes: "v1.35.4", Versions: old, Started: at("2026-12-05T00:30:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
		}, "Verified on December 6, 2026 with kind v0.33.0, Helm v3.22.0/v4.3.2 and kubectl v1.37.0/v1.37.2, on Kubernetes v1.35.4 and v1.37.2."},
		{"no tools recorded, no clusters", []*report.Run{
			{Started: at("2026-12-01T10:00:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
		}, "Verified on December 1, 2026."},
		{"InSpec", []*report.Run{
			{Versions: report.Versions{InSpec: "v5.22.33"}, Started: at("2026-12-01T10:00:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
		}, "Verified on December 1, 2026 with InSpec v5.22.33."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := report.Store{"t": {Lab: "t", Source: "content/2000/01-test.md", Runs: tc.runs}}
			a := page.Compute(arts, labs, st).Articles["content/2000/01-test.md"]
			if a.VerifiedWith == nil || a.VerifiedWith.Line != tc.want {
				t.Errorf("verified with %+v\nwant line %q", a.VerifiedWith, tc.want)
			}
		})
	}
	if a := page.Compute(arts, labs, nil).Articles["content/2000/01-test.md"]; a.VerifiedWith != nil {
		t.Errorf("no results, verified with %+v", a.VerifiedWith)
	}
}
