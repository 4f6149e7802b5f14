// Package page is the page model: each article's code blocks joined with
// their lab steps (internal/lab), the latest results of those steps
// (internal/report) and what internal/lint finds in them, computed once in
// Go and handed to Hugo as site data. The templates in layouts/ only look a
// block or an article up and render what they find. A block is
// Model.Blocks[Key(path, line)], e.g. "content/2017/05-x.md#47" (the line
// of its opening fence, as a render hook's .Position.LineNumber gives); an
// article is Model.Articles[path].
package page

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/eol"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/report"
)

// Role is what a code block is on the page.
type Role string

// Roles of a block.
const (
	RoleStep      Role = "step"     // a lab step that runs commands (or has the runner do something)
	RoleFile      Role = "file"     // a lab step that writes a file
	RoleContains  Role = "contains" // a lab step that checks a file contains the block
	RoleOriginal  Role = "original" // a block as published in its year, never run
	RoleResources Role = "env"      // the lab's resources declaration (an article's role="env" block)
	RolePlain     Role = "plain"    // any other block
)

// Check is what a step's run compares.
type Check string

// Checks of a step, from its definition (lab.Step).
const (
	CheckOutput   Check = "output"   // the printed output is compared with the article's (or a match regexp)
	CheckExit     Check = "exit"     // only the exit code is checked: no expected line can fail
	CheckContains Check = "contains" // the file's YAML is compared with the block
	CheckWritten  Check = "written"  // the block is written to a file, nothing to compare
	CheckRunner   Check = "runner"   // the runner's environment does it (create or delete clusters)
)

// State is a tutorial's verification state, shown on its page and in the
// calendar and lists.
type State string

// States of a tutorial.
const (
	StateVerified   State = "verified"   // the latest run of every version passed, every step of the newest one included
	StatePartial    State = "partial"    // the runs passed, but some steps of the newest were not verified (or not run)
	StateFailing    State = "failing"    // the latest run of some version failed
	StateUnverified State = "unverified" // no results
)

// Evidence is how far advent checked an article's steps: a reader tells
// a tutorial whose steps ran from one that was only linted and one with
// nothing to check.
type Evidence string

// Evidence of an article.
const (
	EvidenceRun  Evidence = "run"    // a lab: its steps run on real clusters (see State)
	EvidenceLint Evidence = "linted" // no lab: its code was linted against today's tools, never run
	EvidenceNone Evidence = "none"   // no lab and no code to check
)

// stateBadges are the calendar and list badges of each state.
var stateIcons = map[State]string{
	StateVerified:   "✓",
	StatePartial:    "◐",
	StateFailing:    "✗",
	StateUnverified: "○",
}

var stateBadges = map[State]string{
	StateVerified:   "✓ verified",
	StatePartial:    "◐ partly verified",
	StateFailing:    "✗ failing",
	StateUnverified: "not yet verified",
}

// MaxOutput bounds the captured output of one command kept in the model
// (and in results files, see internal/runner).
const MaxOutput = report.MaxCommandOutput

// Model is the site data "page": hugo.Data.advent.page.
type Model struct {
	Blocks   map[string]*Block   `json:"blocks"`
	Articles map[string]*Article `json:"articles"`
}

// Key is the key of the block whose opening fence is at line of path.
func Key(path string, line int) string { return fmt.Sprintf("%s#%d", path, line) }

// Block is one fenced code block as the page shows it.
type Block struct {
	Role Role   `json:"role"`
	Lang string `json:"lang"`
	Lab  string `json:"lab,omitempty"`
	Step string `json:"step,omitempty"`
	// StepRole is setup, verify or cleanup for the hidden steps
	// (collapsed on the page), "" for main steps.
	StepRole string `json:"step_role,omitempty"`
	Hidden   bool   `json:"hidden,omitempty"`
	Anchor   string `json:"anchor,omitempty"` // id of a step block: "step-NAME", sanitized
	// File is the file name shown as the header of file and contains
	// blocks.
	File string `json:"file,omitempty"`
	// Display is the block's text as the page shows it, when it differs
	// from the article's: matcher syntax in expected output ("...",
	// "text...", "/regexp/") becomes a visible elision marker.
	Display string `json:"display,omitempty"`
	// Check is what the step's run compares, CheckText says it.
	Check     Check  `json:"check,omitempty"`
	CheckText string `json:"check_text,omitempty"`
	// Result is the step in the newest run; nil without results.
	Result *StepResult `json:"result,omitempty"`
	// Versions is the step's status in the latest run of each
	// Kubernetes version, in version order.
	Versions []VersionStatus `json:"versions,omitempty"`
	// VersionsLine says the step's status per version when the versions
	// disagree: "By Kubernetes version: v1.33.13 passed, v1.34.3 failed."
	VersionsLine string `json:"versions_line,omitempty"`
	// Broke is set when the step failed in the latest run of some
	// version: the lowest such version.
	Broke *Broke `json:"broke,omitempty"`
	// Updated labels the block that replaces an original: "Updated
	// since 2017".
	Updated string `json:"updated,omitempty"`
	// Original is set on a 2017 original.
	Original *Original `json:"original,omitempty"`
	// Notes are the lint findings about a 2017 original (AddLint), in
	// file order, shown in it.
	Notes []Note `json:"notes,omitempty"`
}

// Note is a lint finding about a block as its page shows it
// (internal/lint's Finding, shown where the block is).
type Note struct {
	Rule     string `json:"rule"`
	Severity string `json:"severity,omitempty"`
	Message  string `json:"message"`           // Markdown
	Instead  string `json:"instead,omitempty"` // Markdown: the replacement, a code span unless it brings its own
	Source   string `json:"source,omitempty"`  // an http(s) URL citing the rule; other sources are not links
	// Help is a source on this site ("/about/writing-labs/#fences" in
	// the finding), relative to the site's root: "about/writing-labs/#fences".
	Help string `json:"help,omitempty"`
	// Lead says, for a known-stale block of an article without a lab
	// (AddStale), what the finding means to a reader: "This command no
	// longer works".
	Lead string `json:"lead,omitempty"`
}

// AddLint attaches findings to the 2017 originals they are about (by the
// path and the block's fence line), where the page shows them. Findings
// about other blocks are `advent lint`'s to report, not the reader's, and
// are left out, as are those about no block of the model.
func (m *Model) AddLint(findings []lint.Finding) {
	for _, f := range findings {
		b := m.Blocks[Key(f.Path, f.BlockLine)]
		if b == nil || b.Role != RoleOriginal {
			continue
		}
		b.Notes = append(b.Notes, note(f))
	}
}

// note is a finding as the page shows it.
func note(f lint.Finding) Note {
	n := Note{Rule: string(f.Rule), Severity: string(f.Severity), Message: f.Message}
	if n.Message == "" {
		n.Message = n.Rule
	}
	if r := f.Replacement; r != "" {
		n.Instead = r
		if !strings.Contains(r, "`") {
			n.Instead = "`" + r + "`"
		}
	}
	switch src := f.Source; {
	case strings.HasPrefix(src, "https://") || strings.HasPrefix(src, "http://"):
		n.Source = src
	case strings.HasPrefix(src, "/about/"):
		n.Help = strings.TrimPrefix(src, "/")
	}
	return n
}

// StepResult is a step's outcome in the newest run of its lab.
type StepResult struct {
	Status report.Status `json:"status"` // report status; unchanged shows as pass
	Text   string        `json:"text"`   // "Passed: output compared", "Ran without an output check", ...
	// Line is the sentence the page shows: Text, the versions, the reason
	// and the step's record. Rest is Line after Text, so that a page can
	// link Text to Help, the site page that explains the status
	// ("about/verification/#passed", relative to the site's root).
	Line    string `json:"line"`
	Rest    string `json:"rest"`
	Help    string `json:"help"`
	Version string `json:"version,omitempty"`
	Date    string `json:"date,omitempty"` // the run's start, RFC 3339
	Reason  string `json:"reason,omitempty"`
	Record  string `json:"record,omitempty"` // report.Record text
	Flaky   bool   `json:"flaky,omitempty"`
	Growing bool   `json:"retries_growing,omitempty"`
	// Output is what the step's commands printed in that run (bounded by
	// MaxOutput), OutputLabel says which run it was.
	Output      string `json:"output,omitempty"`
	OutputLabel string `json:"output_label,omitempty"`
	Diff        string `json:"diff,omitempty"` // expected against actual, when it failed
}

// VersionStatus is a step's status in the latest run of one version.
type VersionStatus struct {
	Version string        `json:"version"`
	Status  report.Status `json:"status"`
}

// Broke says where a step broke.
type Broke struct {
	Version      string `json:"version"`
	Date         string `json:"date"`
	Reason       string `json:"reason,omitempty"`
	FirstFailing bool   `json:"first_failing,omitempty"`
}

// Original is a 2017 block and how it changed.
type Original struct {
	Year    string `json:"year"`
	Note    string `json:"note,omitempty"`
	Summary string `json:"summary"` // "Changed since 2017: NOTE"
	// Diff is the line diff from the original to its update (the next
	// block), "-" and "+" lines; empty when there is no update.
	Diff []DiffLine `json:"diff,omitempty"`
	// UpdateLine is the fence line of the update.
	UpdateLine int `json:"update_line,omitempty"`
}

// DiffLine is one line of an original's diff.
type DiffLine struct {
	Op   DiffOp `json:"op"`
	Text string `json:"text"`
}

// DiffOp is what a diff line does.
type DiffOp string

// Diff line operations.
const (
	DiffSame DiffOp = "same"
	DiffDel  DiffOp = "del"  // only in the original
	DiffIns  DiffOp = "ins"  // only in the update
	DiffSkip DiffOp = "skip" // unchanged lines left out: Text says how many
)

// diffContext is how many unchanged lines a diff keeps around a change.
const diffContext = 2

// Article is a tutorial's verification record, or (without a lab) what
// lint knows about its steps (AddStale).
type Article struct {
	Path string `json:"path"`
	Lab  string `json:"lab,omitempty"`
	// Evidence is how far advent checked the article's steps.
	Evidence Evidence `json:"evidence"`
	// Stale is the number of known-outdated commands and manifests of an
	// article without a lab, StaleLine the header's sentence about them.
	Stale     int    `json:"stale,omitempty"`
	StaleLine string `json:"stale_line,omitempty"`
	State     State  `json:"state,omitempty"`
	Icon      string `json:"icon"`  // ✓ ◐ ✗ ○
	Badge     string `json:"badge"` // calendar and list badge text
	// Coverage: "N of M steps verified on Kubernetes vX and vY (DATE); ...".
	Coverage string `json:"coverage"`
	// Help is the site page that explains the states and statuses,
	// relative to the site's root.
	Help string `json:"help"`
	// Counts behind Coverage.
	Steps       int      `json:"steps"`
	Verified    int      `json:"verified"`
	ExitOnly    int      `json:"exit_only"`
	NotVerified int      `json:"not_verified"` // not verified in the newest run (needs an image it lacked)
	NotRun      int      `json:"not_run"`      // not run or skipped in the newest run
	Failed      int      `json:"failed"`
	Needs       []string `json:"needs,omitempty"`
	Passing     []string `json:"passing,omitempty"` // versions whose latest run passed, in order
	Date        string   `json:"date,omitempty"`    // newest run, RFC 3339
	Mode        string   `json:"mode,omitempty"`    // of the newest run: online, air-gapped ...
	StandIns    []string `json:"stand_ins,omitempty"`
	// Failing lists the versions whose latest run failed, in order.
	Failing      []Failure `json:"failing,omitempty"`
	FirstFailing string    `json:"first_failing,omitempty"`
	// PastEOL: the latest runs were all on Kubernetes releases past end of
	// life on the day the model was computed (internal/eol); Badge and
	// Coverage say so.
	PastEOL bool `json:"past_eol,omitempty"`
	// EOLBadge is the calendar's second badge for such a record ("EOL"),
	// beside Badge so that each fits its tile on a phone.
	EOLBadge string `json:"eol_badge,omitempty"`
	// VerifiedWith is what the latest runs ran with; nil without results.
	VerifiedWith *VerifiedWith `json:"verified_with,omitempty"`
}

// Failure is a version whose latest run failed.
type Failure struct {
	Version string     `json:"version"`
	Date    string     `json:"date"`
	Reason  string     `json:"reason,omitempty"`
	Steps   []StepLink `json:"steps,omitempty"`
	First   bool       `json:"first,omitempty"` // the first failing version
}

// StepLink names a failed step and the anchor of its block.
type StepLink struct {
	Name   string `json:"name"`
	Anchor string `json:"anchor,omitempty"` // "" when the article has no such step
}

// Compute builds the model of arts, whose labs are labs (lab.Extract of
// arts), with the results in st (report.LoadStore; nil for none), judging
// no end of life (see ComputeOn).
func Compute(arts []*content.Article, labs []*lab.Lab, st report.Store) *Model {
	return ComputeOn(arts, labs, st, time.Time{})
}

// ComputeOn is Compute that also flags, on day on (zero: not at all), the
// labs verified only on Kubernetes releases past end of life.
func ComputeOn(arts []*content.Article, labs []*lab.Lab, st report.Store, on time.Time) *Model {
	m := &Model{Blocks: map[string]*Block{}, Articles: map[string]*Article{}}
	bySource := map[string]*lab.Lab{}
	for _, l := range labs {
		bySource[l.Source] = l
	}
	for _, a := range arts {
		l := bySource[a.Path]
		var f *report.File
		if l != nil {
			f = st[l.Name]
		}
		res := newResults(f)
		m.blocks(a, l, res)
		if l != nil {
			m.Articles[a.Path] = article(a, l, res, on)
		}
	}
	return m
}

// results is one lab's merged results: the latest run of each version.
type results struct {
	file   *report.File
	runs   []*report.Run // latest per version, in version order
	newest *report.Run
	steps  map[string]*report.Step // of the newest run
	broke  map[string]*Broke
}

func newResults(f *report.File) *results {
	r := &results{file: f, steps: map[string]*report.Step{}, broke: map[string]*Broke{}}
	if f == nil {
		return r
	}
	latest := map[string]*report.Run{}
	for _, run := range f.Runs {
		if p := latest[run.Kubernetes]; p == nil || run.Started.After(p.Started) {
			latest[run.Kubernetes] = run
		}
	}
	for _, run := range latest {
		r.runs = append(r.runs, run)
	}
	report.SortRuns(r.runs)
	for _, run := range r.runs {
		if r.newest == nil || run.Started.After(r.newest.Started) {
			r.newest = run
		}
	}
	if r.newest != nil {
		for _, s := range r.newest.Steps {
			r.steps[s.Name] = s
		}
	}
	ff := r.firstFailing()
	for _, run := range r.runs {
		if run.Status != report.Fail {
			continue
		}
		for _, s := range run.Steps {
			if s.Status == report.Fail && r.broke[s.Name] == nil {
				r.broke[s.Name] = &Broke{Version: run.Kubernetes, Date: date(run.Started), Reason: s.Reason, FirstFailing: run.Kubernetes == ff}
			}
		}
	}
	return r
}

// firstFailing is the file's bisection, else report.Bisect of its runs.
func (r *results) firstFailing() string {
	if r.file != nil && r.file.FirstFailing != "" {
		return r.file.FirstFailing
	}
	return report.Bisect(r.runs)
}

func date(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// day is t as the page writes dates: "November 30, 2026".
func day(t time.Time) string { return t.UTC().Format("January 2, 2006") }

// anchor is the id of a step's block.
func anchor(step string) string {
	var b strings.Builder
	b.WriteString("step-")
	for _, r := range strings.ToLower(step) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// blocks adds the blocks of a.
func (m *Model) blocks(a *content.Article, l *lab.Lab, res *results) {
	steps := map[int]*lab.Step{}
	if l != nil {
		for i := range l.Steps {
			steps[l.Steps[i].Line] = &l.Steps[i]
		}
	}
	var pending *Block // an original waiting for its update
	var pendingCode string
	for _, b := range a.Blocks {
		blk := &Block{Role: RolePlain, Lang: b.Lang}
		m.Blocks[Key(a.Path, b.Line)] = blk
		if lab.IsOriginal(b) {
			year, _ := b.Attr("original")
			note, _ := b.Attr("note")
			blk.Role = RoleOriginal
			blk.Original = &Original{Year: year, Note: note, Summary: "Changed since " + year}
			if note != "" {
				blk.Original.Summary += ": " + note
			}
			pending, pendingCode = blk, b.Code
			continue
		}
		if role, _ := b.Attr("role"); role == "env" && l != nil {
			blk.Role, blk.Lab, blk.Hidden = RoleResources, l.Name, true
		} else if s := steps[b.Line]; s != nil {
			stepBlock(blk, b, l, s, res)
		}
		if pending != nil {
			// Against the update as the page shows it: its elision
			// markers, not matcher syntax.
			upd := b.Code
			if blk.Display != "" {
				upd = blk.Display
			}
			pending.Original.Diff = lineDiff(pendingCode, upd)
			pending.Original.UpdateLine = b.Line
			blk.Updated = "Updated since " + pending.Original.Year
			pending = nil
		}
	}
}

// stepBlock fills the block of step s.
func stepBlock(blk *Block, b *content.Block, l *lab.Lab, s *lab.Step, res *results) {
	blk.Lab, blk.Step, blk.StepRole, blk.Hidden = l.Name, s.Name, string(s.Role), s.Hidden
	blk.Anchor = anchor(s.Name)
	switch s.Kind {
	case lab.KindFile:
		blk.Role, blk.File = RoleFile, s.Path
	case lab.KindContains:
		blk.Role, blk.File = RoleContains, s.Path
	default:
		blk.Role = RoleStep
	}
	blk.Check, blk.CheckText = CheckOf(s)
	var outs []report.CommandOutput
	if rs := res.steps[s.Name]; rs != nil {
		outs = rs.Outputs
	}
	blk.Display = display(b, s, outs)
	for _, run := range res.runs {
		for _, rs := range run.Steps {
			if rs.Name == s.Name {
				blk.Versions = append(blk.Versions, VersionStatus{Version: run.Kubernetes, Status: shown(rs.Status)})
			}
		}
	}
	blk.VersionsLine = versionsLine(blk.Versions)
	blk.Broke = res.broke[s.Name]
	if res.newest == nil {
		return
	}
	rs := res.steps[s.Name]
	r := &StepResult{Status: report.NotRun, Version: res.newest.Kubernetes, Date: date(res.newest.Started)}
	if rs != nil {
		r.Status, r.Reason, r.Diff = shown(rs.Status), rs.Reason, rs.Diff
		if rec := rs.Record; rec != nil || len(rs.History) > 0 {
			if rec == nil {
				rec = report.Summarize(rs.History)
			}
			if rec != nil && rec.Runs > 1 {
				r.Record, r.Flaky, r.Growing = rec.Text, rec.Flaky, rec.RetriesGrowing
			}
		}
		if out := stepOutput(rs); out != "" {
			r.Output = out
			r.OutputLabel = "What the run on " + day(res.newest.Started)
			if res.newest.Kubernetes != "" {
				r.OutputLabel += ", Kubernetes " + res.newest.Kubernetes
			}
			r.OutputLabel += ", printed"
		}
	}
	r.Text = statusText(r.Status, blk.Check, rs)
	r.Help = statusHelp(r.Status, blk.Check)
	// Every version the step ran on when they agree; else the newest
	// (VersionsLine then says each version's status).
	if vs := ranOn(blk.Versions); blk.VersionsLine == "" && len(vs) > 0 {
		r.Rest = " on " + versionList(vs)
	} else if r.Version != "" {
		r.Rest = " on Kubernetes " + r.Version
	}
	if r.Reason != "" {
		r.Rest += ": " + r.Reason
	}
	r.Rest += "."
	if r.Record != "" {
		r.Rest += " Record: " + r.Record + "."
	}
	r.Line = r.Text + r.Rest
	blk.Result = r
}

// ranOn is the versions of vs the step ran on (passed or failed).
func ranOn(vs []VersionStatus) []string {
	var out []string
	for _, v := range vs {
		if v.Version != "" && (v.Status == report.Pass || v.Status == report.Fail) {
			out = append(out, v.Version)
		}
	}
	return out
}

// Help pages: the site's explanation of verification and of writing labs,
// relative to the site's root (content/about/).
const (
	HelpVerification = "about/verification/"
	HelpWritingLabs  = "about/writing-labs/"
)

// statusHelp is the part of HelpVerification that explains a status.
func statusHelp(status report.Status, c Check) string {
	anchor := map[report.Status]string{
		report.Pass: "passed", report.Fail: "failed", report.NotVerified: "not-verified",
		report.Skipped: "skipped", report.NotRun: "not-run",
	}[status]
	if status == report.Pass && c == CheckExit {
		anchor = "no-output-check"
	}
	if anchor == "" {
		anchor = "statuses"
	}
	return HelpVerification + "#" + anchor
}

// statusWords are the per-version words of versionsLine.
var statusWords = map[report.Status]string{
	report.Pass: "passed", report.Fail: "failed", report.NotVerified: "not verified",
	report.Skipped: "skipped", report.NotRun: "not run",
}

// versionsLine says each version's status when they are not all the same.
func versionsLine(vs []VersionStatus) string {
	differ := false
	for _, v := range vs {
		differ = differ || v.Status != vs[0].Status
	}
	if !differ {
		return ""
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = v.Version + " " + statusWords[v.Status]
	}
	return "By Kubernetes version: " + strings.Join(parts, ", ") + "."
}

// shown is the status a page shows: a lab skipped as unchanged since its
// last pass shows its steps as passed.
func shown(status report.Status) report.Status {
	switch status {
	case report.Unchanged:
		return report.Pass
	case report.Pass, report.Fail, report.NotVerified, report.Skipped:
		return status
	}
	return report.NotRun
}

// statusText says what a step's status means, given its check.
func statusText(status report.Status, c Check, rs *report.Step) string {
	switch status {
	case report.Pass:
		switch c {
		case CheckExit:
			return "Ran without an output check (exit code only)"
		case CheckWritten:
			return "Written"
		case CheckRunner:
			return "Done by the lab's runner"
		case CheckContains:
			return "Passed: the file contains this block"
		}
		if rs != nil && rs.Status == report.Unchanged {
			return "Passed (unchanged since its last run)"
		}
		return "Passed: output compared"
	case report.Fail:
		return "Failed"
	case report.NotVerified:
		return "Not verified"
	case report.Skipped:
		return "Skipped"
	}
	return "Not run"
}

// CheckOf says what a run of s compares, and in words. A command whose
// expected output is empty or only "..." checks only its exit code.
func CheckOf(s *lab.Step) (Check, string) {
	switch s.Kind {
	case lab.KindFile:
		return CheckWritten, "written to " + s.Path
	case lab.KindContains:
		return CheckContains, s.Path + " is checked to contain this block"
	case lab.KindCluster:
		return CheckRunner, "done by the lab's runner"
	}
	if s.Match != "" {
		return CheckOutput, "output matched against /" + s.Match + "/"
	}
	for _, c := range s.Commands {
		for _, e := range c.Expect {
			if strings.TrimSpace(e) != "..." && strings.TrimSpace(e) != "" {
				return CheckOutput, "output compared with the article's"
			}
		}
	}
	if s.Exit != 0 {
		return CheckExit, fmt.Sprintf("exit code %d only, no output check", s.Exit)
	}
	return CheckExit, "exit code only, no output check"
}

// CannotFail reports whether s's check passes whatever its commands print
// as long as they exit 0: a run step with no expected line other than
// "...", no match and no expected exit code.
func CannotFail(s *lab.Step) bool {
	c, _ := CheckOf(s)
	return c == CheckExit && s.Exit == 0
}

// stepOutput is what a step's commands printed, bounded by MaxOutput.
func stepOutput(rs *report.Step) string {
	var b strings.Builder
	if len(rs.Outputs) > 0 {
		for i, o := range rs.Outputs {
			if i > 0 {
				b.WriteString("\n")
			}
			b.WriteString("$ " + o.Cmd + "\n")
			b.WriteString(strings.TrimRight(o.Output, "\n"))
			if o.Truncated {
				b.WriteString("\n⋯ output cut at 64 KiB")
			}
		}
	} else if len(rs.OutputTail) > 0 {
		b.WriteString(strings.Join(rs.OutputTail, "\n"))
	}
	out := b.String()
	if len(out) > MaxOutput {
		out = out[:MaxOutput] + "\n⋯ output cut at 64 KiB"
	}
	return out
}

// display is a step block's text with matcher syntax in its expected
// output shown as elision markers; "" when nothing changes. With the
// commands' output of the newest run (outs), a "..." line says how many
// lines it stood for there ("⋯ 12 more lines"); else "⋯ output elided".
func display(b *content.Block, s *lab.Step, outs []report.CommandOutput) string {
	if (s.Kind != lab.KindRun && s.Kind != lab.KindCluster) || !lab.IsTranscriptLang(b.Lang) || len(s.Commands) == 0 {
		return ""
	}
	lines := strings.Split(strings.TrimRight(b.Code, "\n"), "\n")
	type expectLine struct{ cmd, k int }
	expect := map[int]expectLine{} // index in lines -> command and expected line
	for ci, c := range s.Commands {
		start := c.Line - b.FirstLine + strings.Count(c.Cmd, "\n") + 1
		for k := range c.Expect {
			expect[start+k] = expectLine{ci, k}
		}
	}
	spans := make([][]int, len(s.Commands))
	if len(outs) == len(s.Commands) {
		for ci, c := range s.Commands {
			if outs[ci].Cmd == c.Cmd && !outs[ci].Truncated {
				spans[ci] = lab.Spans(c.Expect, outs[ci].Output)
			}
		}
	}
	changed := false
	for i, line := range lines {
		e, ok := expect[i]
		if !ok {
			continue
		}
		shown, elided := lab.Elision(line)
		if !elided {
			continue
		}
		changed = true
		switch {
		case shown != "":
			lines[i] = shown + " ⋯"
		case strings.TrimSpace(line) == "..." && spans[e.cmd] != nil && spans[e.cmd][e.k] == 1:
			lines[i] = "⋯ 1 more line"
		case strings.TrimSpace(line) == "..." && spans[e.cmd] != nil && spans[e.cmd][e.k] > 1:
			lines[i] = fmt.Sprintf("⋯ %d more lines", spans[e.cmd][e.k])
		default:
			lines[i] = "⋯ output elided"
		}
	}
	if !changed {
		return ""
	}
	return strings.Join(lines, "\n") + "\n"
}

// lineDiff is the line diff from an original to its update (go-internal's
// diff, which the lab package uses too), unchanged lines away from a
// change left out.
func lineDiff(from, to string) []DiffLine {
	a := strings.Split(strings.TrimRight(from, "\n"), "\n")
	ud := diff.Diff("original", []byte(strings.Join(a, "\n")+"\n"), "update", []byte(strings.TrimRight(to, "\n")+"\n"))
	var all []DiffLine
	i := 0 // the next line of a not yet in all
	inHunk := false
	for _, l := range strings.Split(strings.TrimSuffix(string(ud), "\n"), "\n") {
		var op DiffOp
		switch {
		case strings.HasPrefix(l, "@@ "):
			inHunk = true
			var x, n int
			fmt.Sscanf(l, "@@ -%d,%d", &x, &n)
			if n > 0 {
				x-- // 1-based, except for an empty side
			}
			for ; i < x && i < len(a); i++ {
				all = append(all, DiffLine{Op: DiffSame, Text: a[i]})
			}
			continue
		case !inHunk || l == "": // the header
			continue
		case l[0] == ' ':
			op = DiffSame
		case l[0] == '-':
			op = DiffDel
		case l[0] == '+':
			op = DiffIns
		default:
			continue
		}
		if op != DiffIns {
			i++
		}
		all = append(all, DiffLine{Op: op, Text: l[1:]})
	}
	for ; i < len(a); i++ {
		all = append(all, DiffLine{Op: DiffSame, Text: a[i]})
	}
	// Keep diffContext unchanged lines around each change; say how many
	// others were left out.
	keep := make([]bool, len(all))
	for i, l := range all {
		if l.Op == DiffSame {
			continue
		}
		for j := max(0, i-diffContext); j <= min(len(all)-1, i+diffContext); j++ {
			keep[j] = true
		}
	}
	var out []DiffLine
	for i := 0; i < len(all); {
		if keep[i] {
			out = append(out, all[i])
			i++
			continue
		}
		j := i
		for j < len(all) && !keep[j] {
			j++
		}
		if n := j - i; n == 1 {
			out = append(out, all[i])
		} else {
			out = append(out, DiffLine{Op: DiffSkip, Text: fmt.Sprintf("⋯ %d unchanged lines", n)})
		}
		i = j
	}
	return out
}

// counted reports whether a step counts in a tutorial's coverage: the
// steps that check something (a file written is the input of one).
func counted(s *lab.Step) bool { return s.Kind != lab.KindFile }

// article computes a tutorial's record; on is the day end of life is
// judged on (zero: not judged).
func article(a *content.Article, l *lab.Lab, res *results, on time.Time) *Article {
	ar := &Article{Path: a.Path, Lab: l.Name, Evidence: EvidenceRun, State: StateUnverified, Help: HelpVerification + "#statuses"}
	ff := res.firstFailing()
	passed := false
	for _, run := range res.runs {
		switch run.Status {
		case report.Pass, report.Unchanged:
			ar.Passing = append(ar.Passing, run.Kubernetes)
			passed = true
		case report.Fail:
			f := Failure{Version: run.Kubernetes, Date: date(run.Started), Reason: run.Reason, First: run.Kubernetes == ff && passed}
			for _, s := range run.Steps {
				if s.Status == report.Fail {
					link := StepLink{Name: s.Name}
					if l.Step(s.Name) != nil {
						link.Anchor = anchor(s.Name)
					}
					f.Steps = append(f.Steps, link)
				}
			}
			ar.Failing = append(ar.Failing, f)
		}
		ar.StandIns = append(ar.StandIns, run.StandIns...)
	}
	ar.StandIns = uniq(ar.StandIns)
	if ff != "" {
		ar.FirstFailing = ff
	}
	needs := map[string]bool{}
	for i := range l.Steps {
		s := &l.Steps[i]
		if !counted(s) {
			continue
		}
		ar.Steps++
		c, _ := CheckOf(s)
		status := report.NotRun
		if rs := res.steps[s.Name]; rs != nil {
			status = shown(rs.Status)
		}
		switch status {
		case report.Pass:
			ar.Verified++
			if c == CheckExit {
				ar.ExitOnly++
			}
		case report.Fail:
			ar.Failed++
		case report.NotVerified:
			ar.NotVerified++
			if s.Needs != "" {
				needs[s.Needs] = true
			}
		default:
			if res.newest != nil {
				ar.NotRun++
			}
		}
	}
	for n := range needs {
		ar.Needs = append(ar.Needs, n)
	}
	sort.Strings(ar.Needs)
	if res.newest != nil {
		ar.Date = date(res.newest.Started)
		ar.Mode = string(res.newest.Mode)
	}
	switch {
	case res.newest == nil:
		ar.State = StateUnverified
	case len(ar.Failing) > 0:
		ar.State = StateFailing
	case len(ar.Passing) == 0:
		ar.State = StateUnverified
	case ar.NotVerified > 0 || ar.NotRun > 0:
		ar.State = StatePartial
	default:
		ar.State = StateVerified
	}
	ar.Badge, ar.Icon = stateBadges[ar.State], stateIcons[ar.State]
	ar.Coverage = coverage(ar, res)
	flagPastEOL(ar, res, on)
	ar.VerifiedWith = verifiedWith(res)
	return ar
}

// flagPastEOL marks a record whose latest runs were all on Kubernetes
// releases past end of life on day on (zero: not judged), in its badge and
// coverage line too.
func flagPastEOL(ar *Article, res *results, on time.Time) {
	if on.IsZero() || !eol.OnlyPastEOL(eol.Kubernetes, res.versions(), on) {
		return
	}
	ar.PastEOL = true
	ar.EOLBadge = pastEOLBadge
	ar.Coverage = strings.TrimSuffix(ar.Coverage, ".") + "; " + pastEOLText +
		fmt.Sprintf(" (supported on %s: %s).", day(on), eol.SupportedRange(eol.Kubernetes, on))
}

// What the badge and the coverage line add for a lab verified only on
// Kubernetes releases past end of life.
const (
	pastEOLBadge = "EOL"
	pastEOLText  = "verified only on Kubernetes releases past end of life"
)

// versions are the Kubernetes versions of the latest runs.
func (r *results) versions() []string {
	var vs []string
	for _, run := range r.runs {
		if run.Kubernetes != "" {
			vs = append(vs, run.Kubernetes)
		}
	}
	return vs
}

// coverage says how much of a tutorial the runs verified.
func coverage(ar *Article, res *results) string {
	if res.newest == nil {
		return fmt.Sprintf("Not yet verified: none of its %d steps has run.", ar.Steps)
	}
	// The counts are the newest run's: on a failing lab, name its version
	// and say where the lab passes.
	var b strings.Builder
	fmt.Fprintf(&b, "%d of %d steps verified", ar.Verified, ar.Steps)
	vs := versionList(ar.Passing)
	if len(ar.Failing) > 0 && res.newest.Kubernetes != "" {
		vs = "Kubernetes " + res.newest.Kubernetes
	}
	if vs != "" {
		fmt.Fprintf(&b, " on %s", vs)
	}
	fmt.Fprintf(&b, " (%s", day(res.newest.Started))
	if ar.Mode == "air-gapped" && len(ar.StandIns) > 0 {
		fmt.Fprintf(&b, ", air-gapped with stand-in images: %s", strings.Join(ar.StandIns, ", "))
	} else if ar.Mode != "" {
		fmt.Fprintf(&b, ", %s", ar.Mode)
	}
	b.WriteString(")")
	if ar.ExitOnly > 0 {
		fmt.Fprintf(&b, "; %d ran without an output check", ar.ExitOnly)
	}
	if ar.Failed > 0 {
		fmt.Fprintf(&b, "; %d failed", ar.Failed)
	}
	if ar.NotRun > 0 {
		fmt.Fprintf(&b, "; %d not run", ar.NotRun)
	}
	if ar.NotVerified > 0 {
		fmt.Fprintf(&b, "; %d not verified", ar.NotVerified)
		if len(ar.Needs) > 0 {
			fmt.Fprintf(&b, ": needs %s", strings.Join(ar.Needs, ", "))
		}
	}
	if len(ar.Failing) > 0 && len(ar.Passing) > 0 {
		fmt.Fprintf(&b, "; the lab passes on %s", versionList(ar.Passing))
	}
	b.WriteString(".")
	return b.String()
}

// versionList names every version of vs, in order: "Kubernetes v1.35.4
// and v1.37.2" (a range would claim the versions between).
func versionList(vs []string) string {
	var named []string
	for _, v := range vs {
		if v != "" {
			named = append(named, v)
		}
	}
	switch len(named) {
	case 0:
		return ""
	case 1:
		return "Kubernetes " + named[0]
	}
	return "Kubernetes " + strings.Join(named[:len(named)-1], ", ") + " and " + named[len(named)-1]
}

func uniq(s []string) []string {
	sort.Strings(s)
	out := s[:0]
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
