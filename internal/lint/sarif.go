package lint

import (
	"encoding/json"
	"io"
	"strings"
)

// SARIF 2.1.0 (https://docs.oasis-open.org/sarif/sarif/v2.1.0/), the
// format GitHub code scanning reads: `advent lint -format sarif` writes one
// run whose rules are Rules() and whose results are the findings, with
// paths relative to the repository root (uriBaseId %SRCROOT%). Expected
// findings (2017 originals) are results with an in-source suppression, so
// code scanning shows them as closed.

const sarifSchema = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool       sarifTool      `json:"tool"`
	Results    []sarifResult  `json:"results"`
	ColumnKind string         `json:"columnKind"`
	Properties map[string]any `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string          `json:"id"`
	Name                 string          `json:"name"`
	ShortDescription     sarifText       `json:"shortDescription"`
	FullDescription      sarifText       `json:"fullDescription"`
	Help                 sarifText       `json:"help"`
	HelpURI              string          `json:"helpUri"`
	DefaultConfiguration sarifRuleConfig `json:"defaultConfiguration"`
	Properties           map[string]any  `json:"properties,omitempty"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifactLoc `json:"artifactLocation"`
	Region           *sarifRegion     `json:"region,omitempty"`
}

type sarifArtifactLoc struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId,omitempty"`
}

type sarifRegion struct {
	StartLine   int `json:"startLine"`
	StartColumn int `json:"startColumn,omitempty"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification"`
}

// SARIFOptions describe the run.
type SARIFOptions struct {
	Version    string // of advent, for the driver; may be empty
	Kubernetes string // the target release, recorded in the run's properties
}

// WriteSARIF writes findings as a SARIF 2.1.0 log.
func WriteSARIF(w io.Writer, findings []Finding, opts SARIFOptions) error {
	rules := Rules()
	index := map[RuleID]int{}
	driver := sarifDriver{
		Name:           "advent lint",
		InformationURI: "https://github.com/sysadvent/advent#linting-stale-steps",
		Version:        opts.Version,
		Rules:          make([]sarifRule, 0, len(rules)),
	}
	for i, r := range rules {
		index[r.ID] = i
		short, _, _ := strings.Cut(r.Summary, ": ")
		help := r.Summary
		if r.Replacement != "" {
			help += "\n\nInstead: " + r.Replacement
		}
		help += "\n\nSource: " + r.Source
		driver.Rules = append(driver.Rules, sarifRule{
			ID:                   string(r.ID),
			Name:                 ruleName(r.ID),
			ShortDescription:     sarifText{short},
			FullDescription:      sarifText{r.Summary},
			Help:                 sarifText{help},
			HelpURI:              r.Source,
			DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(r.Severity)},
			Properties:           map[string]any{"tags": []string{"stale-docs", r.Tool}},
		})
	}
	results := make([]sarifResult, 0, len(findings))
	for _, f := range findings {
		msg := f.Message
		if f.Replacement != "" {
			msg += ". Instead: " + f.Replacement
		}
		if f.Source != "" {
			msg += " (" + f.Source + ")"
		}
		res := sarifResult{
			RuleID:    string(f.Rule),
			RuleIndex: index[f.Rule],
			Level:     sarifLevel(f.Severity),
			Message:   sarifText{msg},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysical{
				ArtifactLocation: sarifArtifactLoc{URI: f.Path, URIBaseID: "%SRCROOT%"},
			}}},
		}
		if f.Line > 0 {
			res.Locations[0].PhysicalLocation.Region = &sarifRegion{StartLine: f.Line, StartColumn: f.Col}
		}
		if f.Expected {
			res.Suppressions = []sarifSuppression{{Kind: "inSource", Justification: "the " + f.Original + " original, kept on purpose beside its updated version"}}
		}
		props := map[string]any{}
		for k, v := range map[string]string{"removedIn": f.RemovedIn, "deprecatedIn": f.DeprecatedIn, "replacement": f.Replacement, "source": f.Source} {
			if v != "" {
				props[k] = v
			}
		}
		if len(props) > 0 {
			res.Properties = props
		}
		results = append(results, res)
	}
	log := sarifLog{
		Schema:  sarifSchema,
		Version: "2.1.0",
		Runs: []sarifRun{{
			Tool:       sarifTool{Driver: driver},
			Results:    results,
			ColumnKind: "unicodeCodePoints",
			Properties: map[string]any{"kubernetes": opts.Kubernetes},
		}},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(log)
}

func sarifLevel(s Severity) string {
	if s == SeverityWarning {
		return "warning"
	}
	return "error"
}

// ruleName is a rule ID in PascalCase, as SARIF viewers show rule names.
func ruleName(id RuleID) string {
	var b strings.Builder
	for _, p := range strings.Split(string(id), "-") {
		if p != "" {
			b.WriteString(strings.ToUpper(p[:1]) + p[1:])
		}
	}
	return b.String()
}
