package page_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/page"
	"github.com/sysadvent/advent/internal/report"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// parse parses one article and extracts its lab.
func parse(t *testing.T, md string) ([]*content.Article, []*lab.Lab) {
	t.Helper()
	a, err := content.Parse("content/2000/01-test.md", []byte(md))
	if err != nil {
		t.Fatal(err)
	}
	arts := []*content.Article{a}
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatal(err)
	}
	return arts, labs
}

const article = "---\ntitle: T\ndate: 2000-12-01\nlab: t\n---\n" + // lines 1-5
	"\n" + // 6
	"```console {original=\"2017\" note=\"run became app\"}\n" + // 7
	"$ kubectl run x\nrun: x\nsame\n" + // 8-10
	"```\n" + // 11
	"\n" + // 12
	"```console {step=\"out\"}\n" + // 13
	"$ kubectl get x\napp: x\nsame\n" + // 14-16
	"```\n" + // 17
	"\n" + // 18
	"```console {step=\"dots\"}\n" + // 19
	"$ kind create cluster\n...\n" + // 20-21
	"```\n" + // 22
	"\n" + // 23
	"```console {step=\"prefix\"}\n" + // 24
	"$ kind version\nkind v0.33.0...\n/re+/\nexact\n" + // 25-28
	"```\n" + // 29
	"\n" + // 30
	"```console {step=\"bare\" exit=\"1\"}\n" + // 31
	"$ false\n" + // 32
	"```\n" + // 33
	"\n" + // 34
	"```yaml {file=\"a.yaml\"}\n" + // 35
	"a: 1\n" + // 36
	"```\n" + // 37
	"\n" + // 38
	"```console {step=\"image\" needs=\"chef/inspec:5\"}\n" + // 39
	"$ inspec exec .\nProfile: x\n" + // 40-41
	"```\n" + // 42
	"\n" + // 43
	"```text\nplain\n```\n" // 44-46

func TestBlocks(t *testing.T) {
	arts, labs := parse(t, article)
	m := page.Compute(arts, labs, nil)
	key := func(line int) *page.Block {
		b := m.Blocks[page.Key("content/2000/01-test.md", line)]
		if b == nil {
			t.Fatalf("no block at line %d", line)
		}
		return b
	}
	for _, tc := range []struct {
		line    int
		role    page.Role
		step    string
		check   page.Check
		display string
	}{
		{7, page.RoleOriginal, "", "", ""},
		{13, page.RoleStep, "out", page.CheckOutput, ""},
		{19, page.RoleStep, "dots", page.CheckExit, "$ kind create cluster\n⋯ output elided\n"},
		{24, page.RoleStep, "prefix", page.CheckOutput, "$ kind version\nkind v0.33.0 ⋯\n⋯ output elided\nexact\n"},
		{31, page.RoleStep, "bare", page.CheckExit, ""},
		{35, page.RoleFile, "write a.yaml", page.CheckWritten, ""},
		{39, page.RoleStep, "image", page.CheckOutput, ""},
		{44, page.RolePlain, "", "", ""},
	} {
		b := key(tc.line)
		if b.Role != tc.role || b.Step != tc.step || b.Check != tc.check || b.Display != tc.display {
			t.Errorf("line %d: got role %q step %q check %q display %q, want %q %q %q %q",
				tc.line, b.Role, b.Step, b.Check, b.Display, tc.role, tc.step, tc.check, tc.display)
		}
		if b.Result != nil {
			t.Errorf("line %d: a result without results", tc.line)
		}
	}
	if f := key(35).File; f != "a.yaml" {
		t.Errorf("file block header %q, want a.yaml", f)
	}
	if u := key(13).Updated; u != "Updated since 2017" {
		t.Errorf("update of an original labelled %q", u)
	}
	if u := key(19).Updated; u != "" {
		t.Errorf("a block after a step labelled %q", u)
	}
	o := key(7).Original
	if o == nil || o.Summary != "Changed since 2017: run became app" || o.UpdateLine != 13 {
		t.Fatalf("original: %+v", o)
	}
	var diff []string
	for _, d := range o.Diff {
		diff = append(diff, string(d.Op)+" "+d.Text)
	}
	want := []string{"del $ kubectl run x", "del run: x", "ins $ kubectl get x", "ins app: x", "same same"}
	if strings.Join(diff, "|") != strings.Join(want, "|") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(diff, "\n"), strings.Join(want, "\n"))
	}
	a := m.Articles["content/2000/01-test.md"]
	if a.State != page.StateUnverified || a.Steps != 5 || a.Coverage != "Not yet verified: none of its 5 steps has run." {
		t.Errorf("article without results: %+v", a)
	}
}

func TestCannotFail(t *testing.T) {
	_, labs := parse(t, article)
	var got []string
	for i := range labs[0].Steps {
		if page.CannotFail(&labs[0].Steps[i]) {
			got = append(got, labs[0].Steps[i].Name)
		}
	}
	// "bare" expects exit 1: that check can fail.
	if strings.Join(got, ",") != "dots" {
		t.Errorf("steps whose check cannot fail: %v, want [dots]", got)
	}
}

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// steps makes a run's steps: every step of l with status, unless set.
func steps(l *lab.Lab, status report.Status, set map[string]report.Status) []*report.Step {
	var out []*report.Step
	for _, s := range l.Steps {
		st := status
		if v, ok := set[s.Name]; ok {
			st = v
		}
		out = append(out, &report.Step{Name: s.Name, Kind: s.Kind, Line: s.Line, Status: st})
	}
	return out
}

func TestStates(t *testing.T) {
	arts, labs := parse(t, article)
	l := labs[0]
	run := func(k, started string, status report.Status, st []*report.Step) *report.Run {
		return &report.Run{Kubernetes: k, Started: at(started), Status: status, Mode: "online", Steps: st}
	}
	allPass := map[string]report.Status{"dots": report.Pass}
	for _, tc := range []struct {
		name     string
		runs     []*report.Run
		state    page.State
		coverage string
	}{
		{"no runs", nil, page.StateUnverified, "Not yet verified: none of its 5 steps has run."},
		{"exit-only and not verified", []*report.Run{
			run("v1.34.1", "2026-11-30T01:00:00Z", report.Pass, steps(l, report.Pass, map[string]report.Status{"image": report.NotVerified})),
		}, page.StatePartial, "4 of 5 steps verified on Kubernetes v1.34.1 (November 30, 2026, online); 2 ran without an output check; 1 not verified: needs chef/inspec:5."},
		{"failing on the newer version", []*report.Run{
			run("v1.34.1", "2026-11-30T02:00:00Z", report.Fail, steps(l, report.Pass, map[string]report.Status{"out": report.Fail})),
			run("v1.33.2", "2026-11-30T01:00:00Z", report.Pass, steps(l, report.Pass, allPass)),
		}, page.StateFailing, "4 of 5 steps verified on Kubernetes v1.34.1 (November 30, 2026, online); 2 ran without an output check; 1 failed; the lab passes on Kubernetes v1.33.2."},
		{"a step not run is partial, not verified", []*report.Run{
			run("v1.34.1", "2026-11-30T01:00:00Z", report.Pass, steps(l, report.Pass, map[string]report.Status{"image": report.NotRun})),
		}, page.StatePartial, "4 of 5 steps verified on Kubernetes v1.34.1 (November 30, 2026, online); 2 ran without an output check; 1 not run."},
		{"versions ordered by semver, not by string", []*report.Run{
			run("v1.9.0", "2026-11-29T01:00:00Z", report.Pass, steps(l, report.Pass, allPass)),
			run("v1.10.0", "2026-11-30T01:00:00Z", report.Pass, steps(l, report.Pass, allPass)),
		}, page.StateVerified, "5 of 5 steps verified on Kubernetes v1.9.0 and v1.10.0 (November 30, 2026, online); 2 ran without an output check."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			st := report.Store{}
			if tc.runs != nil {
				st["t"] = &report.File{Lab: "t", Source: "content/2000/01-test.md", Runs: tc.runs}
			}
			m := page.Compute(arts, labs, st)
			a := m.Articles["content/2000/01-test.md"]
			if a.State != tc.state || a.Coverage != tc.coverage {
				t.Errorf("state %q, coverage\n  %q\nwant %q,\n  %q", a.State, a.Coverage, tc.state, tc.coverage)
			}
		})
	}
}

func TestVerifiedNeedsEveryCheckToBeAbleToFail(t *testing.T) {
	arts, labs := parse(t, "---\ntitle: T\ndate: 2000-12-01\nlab: t\n---\n\n```console {step=\"a\"}\n$ echo hi\nhi\n```\n")
	st := report.Store{"t": {Lab: "t", Runs: []*report.Run{{Kubernetes: "v1.34.1", Started: at("2026-11-30T01:00:00Z"), Status: report.Pass,
		Steps: []*report.Step{{Name: "a", Status: report.Pass, Outputs: []report.CommandOutput{{Cmd: "echo hi", Output: "hi\n"}}}}}}}}
	m := page.Compute(arts, labs, st)
	a := m.Articles["content/2000/01-test.md"]
	if a.State != page.StateVerified || a.Badge != "✓ verified" {
		t.Errorf("state %q badge %q", a.State, a.Badge)
	}
	b := m.Blocks[page.Key("content/2000/01-test.md", 7)]
	if b.Result == nil || b.Result.Text != "Passed: output compared" || b.Result.Output != "$ echo hi\nhi" ||
		b.Result.OutputLabel != "What the run on November 30, 2026, Kubernetes v1.34.1, printed" {
		t.Errorf("result: %+v", b.Result)
	}
}

func TestBrokeAndFirstFailing(t *testing.T) {
	arts, labs := parse(t, article)
	l := labs[0]
	st := report.Store{"t": {Lab: "t", Runs: []*report.Run{
		{Kubernetes: "v1.33.2", Started: at("2026-11-30T01:00:00Z"), Status: report.Pass, Steps: steps(l, report.Pass, nil)},
		{Kubernetes: "v1.34.1", Started: at("2026-11-30T02:00:00Z"), Status: report.Fail, Steps: steps(l, report.Pass, map[string]report.Status{"out": report.Fail, "dots": report.NotRun})},
		{Kubernetes: "v1.35.0", Started: at("2026-11-29T02:00:00Z"), Status: report.Fail, Steps: steps(l, report.Pass, map[string]report.Status{"out": report.Fail})},
	}}}
	m := page.Compute(arts, labs, st)
	a := m.Articles["content/2000/01-test.md"]
	if a.FirstFailing != "v1.34.1" || len(a.Failing) != 2 || !a.Failing[0].First || a.Failing[1].First {
		t.Fatalf("failing: %+v first %q", a.Failing, a.FirstFailing)
	}
	if s := a.Failing[0].Steps; len(s) != 1 || s[0].Name != "out" || s[0].Anchor != "step-out" {
		t.Errorf("failed steps: %+v", s)
	}
	b := m.Blocks[page.Key("content/2000/01-test.md", 13)]
	if b.Broke == nil || b.Broke.Version != "v1.34.1" || !b.Broke.FirstFailing {
		t.Errorf("broke: %+v", b.Broke)
	}
	if b.Result.Status != report.Fail || b.Result.Version != "v1.34.1" {
		t.Errorf("newest result: %+v", b.Result)
	}
	var vs []string
	for _, v := range b.Versions {
		vs = append(vs, v.Version+"="+string(v.Status))
	}
	if got := strings.Join(vs, " "); got != "v1.33.2=pass v1.34.1=fail v1.35.0=fail" {
		t.Errorf("versions: %s", got)
	}
	if got := b.VersionsLine; got != "By Kubernetes version: v1.33.2 passed, v1.34.1 failed, v1.35.0 failed." {
		t.Errorf("versions line: %q", got)
	}
	if got := b.Result.Line; got != "Failed on Kubernetes v1.34.1." {
		t.Errorf("status line of a step whose versions disagree: %q", got)
	}
	if got := b.Result.Help; got != page.HelpVerification+"#failed" {
		t.Errorf("help of a failed step: %q", got)
	}
	same := m.Blocks[page.Key("content/2000/01-test.md", 24)]
	if got := same.VersionsLine; got != "" {
		t.Errorf("a step that passed on every version has a versions line: %q", got)
	}
	// A step with the same status everywhere names every version it ran on.
	if r := same.Result; r.Line != r.Text+" on Kubernetes v1.33.2, v1.34.1 and v1.35.0." || r.Rest != strings.TrimPrefix(r.Line, r.Text) {
		t.Errorf("status line of a step that passed on every version: %q (rest %q)", r.Line, r.Rest)
	}
}

// TestGolden is the model of the real content with the results fixture in
// testdata/results (go test -update rewrites testdata/model.golden.json).
func TestGolden(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	if err := os.Chdir(root); err != nil {
		t.Fatal(err)
	}
	arts, err := content.LoadSite(".")
	os.Chdir(wd)
	if err != nil {
		t.Fatal(err)
	}
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatal(err)
	}
	st, err := report.LoadStore("testdata/results")
	if err != nil {
		t.Fatal(err)
	}
	m := page.Compute(arts, labs, st)
	got, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	got = append(got, '\n')
	golden := filepath.Join("testdata", "model.golden.json")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("model differs from %s (go test -update to accept)", golden)
	}
	// Whatever the golden says: the fixture's states and counts.
	for path, want := range map[string]page.State{
		"content/2017/05-helm-chart.md":                page.StateVerified,
		"content/2017/07-inspec-push-jobs.md":          page.StatePartial,
		"content/2017/09-multi-provider-batch-jobs.md": page.StateFailing,
	} {
		if a := m.Articles[path]; a == nil || a.State != want {
			t.Errorf("%s: %+v, want state %s", path, a, want)
		}
	}
}

// TestDiffLeavesOutUnchangedLines: a 20-line manifest whose one line
// changed shows that line, two lines around it and how many were left out.
func TestDiffLeavesOutUnchangedLines(t *testing.T) {
	var old, upd []string
	for i := 1; i <= 20; i++ {
		old = append(old, fmt.Sprintf("line%d: x", i))
	}
	upd = append(upd, old...)
	old[9], upd[9] = "run: web", "app: web"
	md := "---\ntitle: T\ndate: 2000-12-01\n---\n\n~~~yaml {original=\"2017\"}\n" + strings.Join(old, "\n") + "\n~~~\n\n```yaml\n" + strings.Join(upd, "\n") + "\n```\n"
	arts, labs := parse(t, md)
	m := page.Compute(arts, labs, nil)
	o := m.Blocks[page.Key("content/2000/01-test.md", 6)].Original
	var got []string
	for _, d := range o.Diff {
		got = append(got, string(d.Op)+" "+d.Text)
	}
	want := []string{"skip ⋯ 7 unchanged lines", "same line8: x", "same line9: x", "del run: web", "ins app: web", "same line11: x", "same line12: x", "skip ⋯ 8 unchanged lines"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("diff:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestElisionCountsTheRunsLines: with the newest run's output, a "..."
// line says how many lines it stood for; a "text..." line shows its text.
func TestElisionCountsTheRunsLines(t *testing.T) {
	arts, labs := parse(t, "---\ntitle: T\ndate: 2000-12-01\nlab: t\n---\n\n```console {step=\"a\"}\n$ seq 4\n1\n...\n$ kind version\nkind v0...\n...\n```\n")
	run := &report.Run{Kubernetes: "v1.34.1", Started: at("2026-11-30T01:00:00Z"), Status: report.Pass, Steps: []*report.Step{{
		Name: "a", Status: report.Pass, Outputs: []report.CommandOutput{{Cmd: "seq 4", Output: "1\n2\n3\n4\n"}, {Cmd: "kind version", Output: "kind v0.33.0\n"}},
	}}}
	for _, tc := range []struct {
		name string
		st   report.Store
		want string
	}{
		{"with the run's output", report.Store{"t": {Lab: "t", Runs: []*report.Run{run}}}, "$ seq 4\n1\n⋯ 3 more lines\n$ kind version\nkind v0 ⋯\n⋯ output elided\n"},
		{"without results", nil, "$ seq 4\n1\n⋯ output elided\n$ kind version\nkind v0 ⋯\n⋯ output elided\n"},
	} {
		m := page.Compute(arts, labs, tc.st)
		if got := m.Blocks[page.Key("content/2000/01-test.md", 7)].Display; got != tc.want {
			t.Errorf("%s: display\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

// A lint finding goes to the 2017 original at its path and fence line, as
// the page shows it: the message (the rule when it has none), the
// replacement as a code span unless it brings its own, and the source
// only when it is a web address or a page of the site's About section. A finding about another block, or about
// no block of the model, is left out.
func TestAddLint(t *testing.T) {
	arts, labs := parse(t, article)
	m := page.Compute(arts, labs, nil)
	m.AddLint([]lint.Finding{
		{Path: "content/2000/01-test.md", Line: 8, BlockLine: 7, Rule: "kubectl-run-deployment", Severity: lint.SeverityError,
			Message: "`kubectl run` makes a Pod", Replacement: "kubectl create deployment x", Source: "https://example.org/run"},
		{Path: "content/2000/01-test.md", Line: 8, BlockLine: 7, Rule: "helm-init", Severity: lint.SeverityWarning,
			Replacement: "nothing: use `helm repo add`", Source: "internal/lint/rules.go"},
		{Path: "content/2000/01-test.md", Line: 8, BlockLine: 7, Rule: "fence", Message: "m", Source: "/about/writing-labs/#fences"},
		{Path: "content/2000/01-test.md", Line: 3, BlockLine: 3, Rule: "decoy-line", Message: "not a fence"},
		{Path: "content/2000/01-test.md", Line: 14, BlockLine: 13, Rule: "decoy-step", Message: "a step, not an original"},
		{Path: "content/2000/02-other.md", Line: 8, BlockLine: 7, Rule: "decoy-path", Message: "another file"},
	})
	got, _ := json.Marshal(m.Blocks[page.Key("content/2000/01-test.md", 7)].Notes)
	want := `[{"rule":"kubectl-run-deployment","severity":"error","message":"` + "`kubectl run`" + ` makes a Pod","instead":"` + "`kubectl create deployment x`" + `","source":"https://example.org/run"},` +
		`{"rule":"helm-init","severity":"warning","message":"helm-init","instead":"nothing: use ` + "`helm repo add`" + `"},` +
		`{"rule":"fence","message":"m","help":"about/writing-labs/#fences"}]`
	if string(got) != want {
		t.Errorf("notes of the original:\n got %s\nwant %s", got, want)
	}
	for key, b := range m.Blocks {
		if key != page.Key("content/2000/01-test.md", 7) && len(b.Notes) > 0 {
			t.Errorf("block %s has notes %v", key, b.Notes)
		}
	}
}
