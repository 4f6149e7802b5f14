package page

import (
	"slices"
	"strings"

	"golang.org/x/mod/semver"

	"github.com/sysadvent/advent/internal/report"
)

// VerifiedWith says what a tutorial's latest verification ran with: the date
// of the newest run, the tools (each with the versions the latest runs
// used, in report.Tools order) and the Kubernetes versions, oldest first.
type VerifiedWith struct {
	Date       string        `json:"date"` // newest run, RFC 3339
	Tools      []ToolVersion `json:"tools,omitempty"`
	Kubernetes []string      `json:"kubernetes,omitempty"`
	// Line is the sentence the page shows: "Verified on 6 December 2026
	// with kind v0.33.0, Helm v4.3.2 and kubectl v1.37.2, on Kubernetes
	// v1.35.4 and v1.37.2."
	Line string `json:"line"`
}

// ToolVersion is a tool and the versions the latest runs used (one,
// unless the runs of different Kubernetes versions used different ones;
// the sentence joins them with "/").
type ToolVersion struct {
	Tool     report.Tool `json:"tool"`
	Label    string      `json:"label"` // "Helm"
	Versions []string    `json:"versions"`
}

// verifiedWith is the VerifiedWith of res's latest runs; nil without runs.
func verifiedWith(res *results) *VerifiedWith {
	if res.newest == nil {
		return nil
	}
	v := &VerifiedWith{Date: date(res.newest.Started)}
	for _, t := range report.Tools {
		if t == report.ToolKubernetes {
			continue // the runs' own versions, below
		}
		var vs []string
		for _, run := range res.runs {
			if s := run.Versions.Get(t); s != "" && !slices.Contains(vs, s) {
				vs = append(vs, s)
			}
		}
		if len(vs) > 0 {
			semver.Sort(vs)
			v.Tools = append(v.Tools, ToolVersion{Tool: t, Label: t.Label(), Versions: vs})
		}
	}
	for _, run := range res.runs {
		if run.Kubernetes != "" && !slices.Contains(v.Kubernetes, run.Kubernetes) {
			v.Kubernetes = append(v.Kubernetes, run.Kubernetes)
		}
	}
	v.Line = "Verified on " + day(res.newest.Started)
	var tools []string
	for _, t := range v.Tools {
		tools = append(tools, t.Label+" "+strings.Join(t.Versions, "/"))
	}
	if len(tools) > 0 {
		v.Line += " with " + and(tools)
	}
	if len(v.Kubernetes) > 0 {
		if len(tools) > 0 {
			v.Line += ","
		}
		v.Line += " on Kubernetes " + and(v.Kubernetes)
	}
	v.Line += "."
	return v
}

// and joins words as a sentence lists them: "a", "a and b", "a, b and c".
func and(words []string) string {
	if len(words) <= 1 {
		return strings.Join(words, "")
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
