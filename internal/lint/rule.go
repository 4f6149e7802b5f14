package lint

import (
	"slices"

	"github.com/sysadvent/advent/internal/content"
)

// Severity says whether a finding fails.
type Severity string

// Severities. Errors fail the lint (outside 2017 originals); warnings
// (deprecated, still working) are reported and fail only with Strict.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// RuleID names a rule in findings, SARIF and `advent lint -rules`.
type RuleID string

// Rule is one check, declared once as a value: what it finds, since when,
// where upstream says so, how it matches, and the examples that test it
// (TestRuleExamples). docs/writing-lint-rules.md shows how to add one.
type Rule struct {
	ID           RuleID   `json:"id"`
	Tool         string   `json:"tool"`
	Severity     Severity `json:"severity"`
	Summary      string   `json:"summary"`
	RemovedIn    string   `json:"removed_in"`
	DeprecatedIn string   `json:"deprecated_in"`
	Since        string   `json:"since"`
	Replacement  string   `json:"replacement"`
	Source       string   `json:"source"`

	// Command finds the rule in one command line run by a program of
	// Tool (see tools); nil for rules that are not about commands.
	Command func(c command) []hit `json:"-"`
	// Code finds the rule in a code block that is not shell (a
	// Chart.yaml's repository: line); usually nil.
	Code func(b *content.Block) []hit `json:"-"`
	// Gone names what went away with the command (Tiller with helm init,
	// the federation control plane with kubefed): a tutorial's prose
	// that tells the reader to use it is stale (RuleProseRemoved).
	Gone []string `json:"-"`
	// Examples are the rule's tests.
	Examples []Example `json:"-"`
}

// Example is a block the rule is tested on. Lint of Code, as a block of
// Lang ("sh" when empty), finds this rule and no other when Stale, and
// nothing at all otherwise. File means Code is a whole Markdown file,
// linted as Path (default "doc.md").
type Example struct {
	Code  string
	Lang  string
	Stale bool
	// Message and Replacement, when set, are the finding's exact text.
	Message, Replacement string
	// Kubernetes is the target release (default v1.34).
	Kubernetes string
	File       bool
	Path       string
}

// stale and current build a rule's examples of a command line.
func stale(cmd string) Example   { return Example{Code: cmd, Stale: true} }
func current(cmd string) Example { return Example{Code: cmd} }

// allRules is every rule, in the order Rules lists them: each table is
// declared in the file of its tool.
var allRules = slices.Concat(kubernetesRules, helm2Rules, kubectlRules, toolRules, helm4Rules, eolRules, fileRules, proseRules)

// Rules lists every rule: Kubernetes API rules, command-line rules, the
// rule about unreadable files, then the prose rules.
func Rules() []Rule {
	out := make([]Rule, len(allRules))
	for i, r := range allRules {
		out[i] = *r
	}
	return out
}

var ruleByID = func() map[RuleID]*Rule {
	m := map[RuleID]*Rule{}
	for _, r := range allRules {
		m[r.ID] = r
	}
	return m
}()

// commandRules are the rules with a Command matcher, by tool.
var commandRules = func() map[string][]*Rule {
	m := map[string][]*Rule{}
	for _, r := range allRules {
		if r.Command != nil {
			m[r.Tool] = append(m[r.Tool], r)
		}
	}
	return m
}()

// hit is a rule matched at a word.
type hit struct {
	rule        *Rule // set by checkCall
	at          word
	what        string // the stale usage, e.g. "helm init"
	msg         string // a fuller sentence than "WHAT was removed in ..."
	replacement string // specific to the command; "" means the rule's
	source      string // specific to the command; "" means the rule's
}
