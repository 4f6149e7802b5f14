package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

var t0 = time.Date(2026, 11, 1, 3, 17, 0, 0, time.UTC)

// day is the start of the nightly run n days after t0.
func day(n int) time.Time { return t0.Add(time.Duration(n) * 24 * time.Hour) }

// mkRun is a run of two steps, "install" and "check"; check passes with
// the given attempts, or fails when attempts is 0.
func mkRun(k8s string, started time.Time, attempts int) *Run {
	check := &Step{Name: "check", Kind: "transcript", Line: 40, Status: Pass, Attempts: attempts, DurationMS: 1500}
	if attempts == 0 {
		check.Status, check.Attempts, check.Reason = Fail, 1, "output differs"
		check.Diff = "-STATUS: deployed\n+STATUS: failed\n"
		check.OutputTail = []string{"Error: timed out"}
	}
	r := &Run{Kubernetes: k8s, Mode: "online", Started: started, DurationMS: 60000, Event: EventSchedule,
		Steps: []*Step{{Name: "install", Kind: "transcript", Line: 20, Status: Pass, Attempts: 1, DurationMS: 3000}, check}}
	r.Tally()
	return r
}

func file(lab string, runs ...*Run) *File {
	f := &File{Lab: lab, Title: "Lab " + lab, Source: "content/2017/05-" + lab + ".md"}
	for _, r := range runs {
		f.Merge(r)
	}
	return f
}

func versions(f *File) string {
	var vs []string
	for _, r := range f.Runs {
		vs = append(vs, r.Kubernetes+"@"+r.Started.Format("01-02"))
	}
	return strings.Join(vs, " ")
}

// A partial run (one lab, one version) over complete published results
// replaces only what it ran.
func TestMergePartialOverComplete(t *testing.T) {
	st := Store{}
	st.Add(file("helm", mkRun("v1.34.11", day(0), 1), mkRun("v1.35.8", day(0), 1), mkRun("v1.36.4", day(0), 1)))
	st.Add(file("push-jobs", mkRun("", day(0), 1)))

	st.Add(file("helm", mkRun("v1.35.8", day(1), 0)))

	if got, want := versions(st["helm"]), "v1.34.11@11-01 v1.35.8@11-02 v1.36.4@11-01"; got != want {
		t.Errorf("helm runs: %s, want %s", got, want)
	}
	if st["push-jobs"] == nil || len(st["push-jobs"].Runs) != 1 {
		t.Errorf("push-jobs erased by a run of helm: %+v", st["push-jobs"])
	}
	if got := st["helm"].FirstFailing; got != "v1.35.8" {
		t.Errorf("first_failing %q, want v1.35.8 (fails after v1.34.11 passes)", got)
	}
	h := st["helm"].Latest("v1.35.8").Steps[1].History
	if len(h) != 2 || h[0].Status != Pass || h[1].Status != Fail {
		t.Errorf("check's history on v1.35.8: %+v", h)
	}
	// An older run arriving late (a re-run artefact) does not replace the
	// newer one, but joins its history.
	st.Add(file("helm", mkRun("v1.35.8", day(0).Add(time.Hour), 2)))
	latest := st["helm"].Latest("v1.35.8")
	if !latest.Started.Equal(day(1)) || len(latest.Steps[1].History) != 3 {
		t.Errorf("late older run: latest %s, history %+v", latest.Started, latest.Steps[1].History)
	}
	// Merging the same results twice changes nothing.
	before := len(latest.Steps[1].History)
	st.Add(file("helm", mkRun("v1.35.8", day(1), 0)))
	if n := len(st["helm"].Latest("v1.35.8").Steps[1].History); n != before {
		t.Errorf("merging a run twice: history %d entries, want %d", n, before)
	}
}

// A Kubernetes version that was never published before joins in version
// order, and the others stay.
func TestMergeNewerVersionAppears(t *testing.T) {
	st := Store{}
	st.Add(file("helm", mkRun("v1.34.11", day(0), 1), mkRun("v1.9.0", day(0), 1)))
	st.Add(file("helm", mkRun("v1.37.0", day(1), 1)))
	if got, want := versions(st["helm"]), "v1.9.0@11-01 v1.34.11@11-01 v1.37.0@11-02"; got != want {
		t.Errorf("runs %s, want %s (semantic version order)", got, want)
	}
	if h := st["helm"].Latest("v1.37.0").Steps[0].History; len(h) != 1 {
		t.Errorf("a new version starts its own history: %+v", h)
	}
}

// An advent.results/v1 file (no history, no event) is read, merged (its
// run becomes the first history entry) and written back as v2.
func TestMergeV1File(t *testing.T) {
	dir := t.TempDir()
	pub, art, out := filepath.Join(dir, "published"), filepath.Join(dir, "artefacts"), filepath.Join(dir, "out")
	for _, d := range []string{pub, art} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	v1, err := os.ReadFile("testdata/helm-v1.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(pub, "helm.json"), v1, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := Read(filepath.Join(pub, "helm.json"))
	if err != nil || f.Schema != SchemaV1 || len(f.Runs) != 2 {
		t.Fatalf("read v1: %+v, %v", f, err)
	}
	r := mkRun("v1.34.4", day(30), 3)
	r.Event = "" // a CI job's run: the merge knows the event
	newer := file("helm", r)
	StampEvent(newer, "push")
	if err := Write(filepath.Join(art, "helm-v1.34.4.json"), newer); err != nil {
		t.Fatal(err)
	}

	st, err := LoadStore(pub)
	if err != nil {
		t.Fatal(err)
	}
	more, err := LoadStore(art)
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range more.Labs() {
		st.Add(more[n])
	}
	if err := st.Write(out); err != nil {
		t.Fatal(err)
	}
	got, err := Read(filepath.Join(out, "helm.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got.Schema != Schema {
		t.Errorf("written schema %q", got.Schema)
	}
	if got.Title != "Lab helm" || len(got.Runs) != 2 {
		t.Fatalf("merged file: %s, %d runs", got.Title, len(got.Runs))
	}
	check := got.Latest("v1.34.4").Steps[1]
	if len(check.History) != 2 || check.History[0].Event != "" || check.History[1].Event != "push" {
		t.Errorf("history of check on v1.34.4: %+v", check.History)
	}
	if check.Record == nil || check.Record.Text != "passed in 2 of the last 2 runs; needed a retry in 1" {
		t.Errorf("record: %+v", check.Record)
	}
	// The v1.33.13 run of the v1 file is kept, its outcome the first of
	// its history.
	if r := got.Latest("v1.33.13"); r == nil || r.Status != Pass || len(r.Steps[0].History) != 1 || r.Steps[0].Record.Text != "passed in the last run" {
		t.Errorf("v1.33.13 run: %+v", r)
	}
	checkGolden(t, "merged-v2.json", mustRead(t, filepath.Join(out, "helm.json")))
}

func TestReadRefusesUnknownSchema(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.json")
	if err := os.WriteFile(p, []byte(`{"schema":"advent.results/v9","lab":"x","runs":[]}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(p); err == nil || err.Error() != p+`: schema "advent.results/v9", want "advent.results/v2" (or "advent.results/v1")` {
		t.Errorf("err = %v", err)
	}
	if err := os.WriteFile(p, []byte("{\n  \"schema\": \"advent.results/v2\",\n  \"runs\": 3\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Read(p); err == nil || !strings.HasPrefix(err.Error(), p+":3:") {
		t.Errorf("a wrong type should be reported at its line: %v", err)
	}
}

// The history keeps the last HistoryLen runs; the record counts them.
func TestHistoryWindow(t *testing.T) {
	f := &File{Lab: "helm"}
	for n := 0; n < 40; n++ {
		attempts := 1
		switch {
		case n == 12 || n == 25: // failures, the first one outside the window
			attempts = 0
		case n == 20 || n == 31 || n == 38: // retries
			attempts = 2
		}
		f.Merge(mkRun("v1.34.11", day(n), attempts))
	}
	h := f.Runs[0].Steps[1].History
	if len(h) != HistoryLen || !h[0].Started.Equal(day(10)) || !h[len(h)-1].Started.Equal(day(39)) {
		t.Fatalf("history: %d entries from %s to %s, want 30 from day 10 to day 39", len(h), h[0].Started, h[len(h)-1].Started)
	}
	r := Summarize(h)
	want := &Record{Runs: 30, Passed: 28, Retried: 3, Nightly: true, Flaky: true,
		Text: "passed in 28 of the last 30 nightly runs; needed a retry in 3"}
	if *r != *want {
		t.Errorf("record %+v\nwant   %+v", *r, *want)
	}
	if rec := Summarize(f.Runs[0].Steps[0].History); rec.Flaky || rec.Text != "passed in 30 of the last 30 nightly runs" {
		t.Errorf("install: %+v", rec)
	}
}

func TestSummarizeWording(t *testing.T) {
	for _, c := range []struct {
		h    []Outcome
		want string
	}{
		{[]Outcome{{Status: Pass, Event: "push"}}, "passed in the last run"},
		{[]Outcome{{Status: Fail, Event: EventSchedule}}, "failed in the last nightly run"},
		{[]Outcome{{Status: Pass, Event: EventSchedule}, {Status: Pass, Event: "push", Attempts: 3}}, "passed in 2 of the last 2 runs; needed a retry in 1"},
		{[]Outcome{{Status: NotRun}, {Status: Skipped}}, ""},
	} {
		got := ""
		if r := Summarize(c.h); r != nil {
			got = r.Text
		}
		if got != c.want {
			t.Errorf("%+v: %q, want %q", c.h, got, c.want)
		}
	}
}

func TestRetriesGrowing(t *testing.T) {
	f := &File{Lab: "helm"}
	for n, a := range []int{1, 1, 2, 1, 1, 2, 2, 3} {
		f.Merge(mkRun("v1.34.11", day(n), a))
	}
	w := RetryWarnings(f.Runs[0])
	if len(w) != 1 || !strings.Contains(w[0], `step "check" needs retries more often`) || !strings.Contains(w[0], "(3 attempts this time)") {
		t.Errorf("warnings %q", w)
	}
	// Retries that are getting rarer, or a latest run without one, are not flagged.
	for _, as := range [][]int{{2, 2, 3, 1, 1, 2}, {1, 2, 2, 2, 2, 1}} {
		f := &File{Lab: "helm"}
		for n, a := range as {
			f.Merge(mkRun("v1.34.11", day(n), a))
		}
		if w := RetryWarnings(f.Runs[0]); len(w) != 0 {
			t.Errorf("%v: flagged %q", as, w)
		}
	}
}

func TestBisect(t *testing.T) {
	r := func(k string, status Status) *Run { return &Run{Kubernetes: k, Status: status} }
	for _, c := range []struct {
		runs []*Run
		want string
	}{
		{[]*Run{r("v1.35.8", Fail), r("v1.34.11", Pass), r("v1.36.4", Fail)}, "v1.35.8"},
		{[]*Run{r("v1.34.11", Fail), r("v1.35.8", Pass)}, ""}, // fails below a pass: no boundary
		{[]*Run{r("v1.10.0", Fail), r("v1.9.0", Pass)}, "v1.10.0"},
		{[]*Run{r("v1.34.11", Pass), r("v1.35.8", NotRun), r("v1.36.4", Fail)}, "v1.36.4"},
		{nil, ""},
	} {
		if got := Bisect(c.runs); got != c.want {
			t.Errorf("Bisect(%v) = %q, want %q", c.runs, got, c.want)
		}
	}
}

func TestJUnitGolden(t *testing.T) {
	ok := mkRun("v1.34.11", day(0), 2)
	ok.StandIns = []string{"nginx:alpine"}
	bad := mkRun("v1.35.8", day(0), 0)
	bad.Leaks = []string{"container advent-helm-web"}
	bad.Steps = append(bad.Steps, &Step{Name: "cleanup", Status: NotRun, Reason: "an earlier step failed"})
	bad.Tally()
	p := filepath.Join(t.TempDir(), "junit.xml")
	if err := WriteJUnit(p, []Suite{{Lab: "helm", Run: ok}, {Lab: "helm", Run: bad}}); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "junit.xml", mustRead(t, p))
}

func TestSummaryGolden(t *testing.T) {
	st := Store{}
	st.Add(file("helm", mkRun("v1.34.11", day(0), 1), mkRun("v1.35.8", day(0), 1)))
	st.Add(file("helm", mkRun("v1.34.11", day(1), 2), mkRun("v1.35.8", day(1), 0)))
	f := st["helm"]
	f.Runs[1].Steps[1].Diff = "-a | b\n+```\n+<b>x</b>\n"
	var md, gh bytes.Buffer
	if err := WriteMarkdown(&md, st); err != nil {
		t.Fatal(err)
	}
	if err := WriteAnnotations(&gh, st); err != nil {
		t.Fatal(err)
	}
	checkGolden(t, "summary.md", md.Bytes())
	checkGolden(t, "annotations.txt", gh.Bytes())
	if !st.Failed() {
		t.Error("Failed() = false with a failed run")
	}
	if strings.Contains(md.String(), "<b>x</b>\n") && !strings.Contains(md.String(), "````diff") {
		t.Error("a diff containing ``` must get a longer fence")
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
