package site_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/site"
)

const fixturePage = "2000/01-fixture-lab/index.html"

func testdata(t *testing.T, elem ...string) string {
	t.Helper()
	return filepath.Join(append([]string{repoRoot(t), "internal", "site", "testdata"}, elem...)...)
}

// verification returns the page's p.verification and its state.
func verification(t *testing.T, doc *html.Node) (*html.Node, string) {
	t.Helper()
	v := find(doc, sel("p", "verification"))
	if v == nil {
		t.Fatal("no p.verification")
	}
	return v, attrOr(v, "data-state")
}

// stepStatuses maps each lab block's data-step to its .step-status
// data-status ("" when the block shows none).
func stepStatuses(t *testing.T, doc *html.Node) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, b := range findAll(doc, and(sel("div", "code-block"), withAttr("data-step", ""))) {
		step := attrOr(b, "data-step")
		if _, dup := out[step]; dup {
			t.Errorf("two blocks with data-step %q", step)
		}
		st := find(b, sel("", "step-status"))
		if st == nil {
			// Hidden steps show their status in the <summary>.
			if d := ancestor(b, sel("details", "lab-hidden")); d != nil {
				st = find(d, sel("", "step-status"))
			}
		}
		out[step] = ""
		if st != nil {
			out[step] = attrOr(st, "data-status")
		}
	}
	return out
}

// calendarState is the data-lab-state of a day in a calendar page.
func calendarState(t *testing.T, doc *html.Node, href string) string {
	t.Helper()
	for _, a := range findAll(doc, sel("a", "day-link")) {
		if attrOr(a, "href") == href {
			li := ancestor(a, sel("li", "day"))
			return attrOr(li, "data-lab-state")
		}
	}
	t.Fatalf("no calendar day links to %s", href)
	return ""
}

// TestStepNamesMatchTheExtractor checks that every lab block's data-step
// is the name internal/lab gives the step (results are matched on it),
// and that non-step blocks carry none.
func TestStepNamesMatchTheExtractor(t *testing.T) {
	root, out := sharedSite(t)
	arts := loadArticles(t, root)
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]*lab.Lab{}
	for _, l := range labs {
		byPath[l.Source] = l
	}
	if byPath["content/2000/01-fixture-lab.md"] == nil {
		t.Fatal("the fixture lab was not extracted")
	}
	for _, a := range arts {
		l := byPath[a.Path]
		doc := parseFile(t, filepath.Join(out, articlePage(a)))
		var got []string
		for _, b := range findAll(doc, and(sel("div", "code-block"), withAttr("data-step", ""))) {
			got = append(got, attrOr(b, "data-step"))
		}
		var want []string
		if l != nil {
			for _, s := range l.Steps {
				want = append(want, s.Name)
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: data-step of the blocks\n  %q\nsteps of the lab\n  %q", a.Path, got, want)
		}
	}
}

func TestVerifiedFromResults(t *testing.T) {
	root := copyProjectWithFixture(t)
	arts := loadArticles(t, root)
	// The real labs pass too (generated results), the fixture lab from
	// testdata/results/pass: two versions, air-gapped, one step not
	// verified, and an older failing run of v1.34.1 that a newer run
	// supersedes.
	results := t.TempDir()
	labs := writeAllPassing(t, root, results, arts)
	fixture, err := os.ReadFile(testdata(t, "results", "pass", "fixture-lab.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(results, "fixture-lab.json"), fixture, 0o644); err != nil {
		t.Fatal(err)
	}
	out := build(t, root, site.Options{Results: results})

	doc := parseFile(t, filepath.Join(out, fixturePage))
	v, state := verification(t, doc)
	// One step was not verified: partly verified, never a plain ✓.
	if state != "partial" {
		t.Fatalf("fixture lab: data-state %q, want partial (%s)", state, text(v))
	}
	for _, want := range []string{
		"4 of 5 steps verified",
		"on Kubernetes v1.33.4 and v1.34.1",
		"(November 21, 2026, air-gapped with stand-in images: httpd:alpine, nginx:alpine)",
		"1 not verified",
	} {
		if !strings.Contains(text(v), want) {
			t.Errorf("coverage %q does not say %q", text(v), want)
		}
	}
	want := map[string]string{
		"hello": "pass", "write web.yaml": "pass", "write web.yaml (2)": "pass", "check web.yaml": "pass",
		"check-hello": "pass", "broken": "pass", "never": "not-verified",
	}
	got := stepStatuses(t, doc)
	for step, status := range want {
		if got[step] != status {
			t.Errorf("step %q: status %q, want %q", step, got[step], status)
		}
	}
	if len(got) != len(want) {
		t.Errorf("steps on the page: %v, want %v", got, want)
	}
	for _, st := range findAll(doc, sel("", "step-status")) {
		if attrOr(st, "data-status") == "pass" && !strings.Contains(text(st), "on Kubernetes v1.33.4 and v1.34.1") {
			t.Errorf("step status %q does not name every Kubernetes version it ran on", text(st))
		}
		if !strings.Contains(text(st), "v1.34.1") {
			t.Errorf("step status %q does not name the Kubernetes version of the newest run", text(st))
		}
		if st.Data != "p" {
			continue // the summary of a hidden step: no link inside a control
		}
		if a := find(st, sel("a", "")); a == nil || !strings.HasPrefix(attrOr(a, "href"), "/about/verification/#") {
			t.Errorf("step status %q does not link to the page that explains it", text(st))
		}
	}
	if n := find(doc, sel("", "broke-notice")); n != nil {
		t.Errorf("a passing lab shows a broke notice: %q", text(n))
	}

	// Every real lab: verified, and every step block shows ✓.
	for _, l := range labs {
		if l.Name == "fixture-lab" {
			continue
		}
		a := articleByPath(t, arts, l.Source)
		doc := parseFile(t, filepath.Join(out, articlePage(a)))
		if _, state := verification(t, doc); state != "verified" {
			t.Errorf("%s: data-state %q, want verified", a.Path, state)
		}
		for step, status := range stepStatuses(t, doc) {
			if status != "pass" {
				t.Errorf("%s: step %q shows %q, want pass", a.Path, step, status)
			}
		}
		if v, _ := verification(t, doc); !strings.Contains(text(v), "Kubernetes v1.33.4 and v1.34.1") || !strings.Contains(text(v), ", online)") {
			t.Errorf("%s: badge %q", a.Path, text(v))
		}
	}

	home := parseFile(t, filepath.Join(out, "index.html"))
	if s := calendarState(t, home, "/2000/01-fixture-lab/"); s != "partial" {
		t.Errorf("home calendar: fixture lab is %q, want partial", s)
	}
	if b := find(home, and(sel("span", "badge"), withAttr("data-state", "partial"))); b == nil || !strings.Contains(text(b), "◐ partly verified") {
		t.Errorf("home calendar shows no ◐ partly verified badge")
	}
	if b := find(home, and(sel("span", "badge"), withAttr("data-state", "verified"))); b == nil || !strings.Contains(text(b), "✓ verified") {
		t.Errorf("home calendar shows no ✓ verified badge")
	}
}

func TestBrokenStep(t *testing.T) {
	// testdata/results/broken: two CI artefacts of the fixture lab, one per
	// version; "broken" passed on v1.33.4 and failed on v1.34.1.
	root := copyProjectWithFixture(t)
	out := build(t, root, site.Options{Results: testdata(t, "results", "broken")})
	doc := parseFile(t, filepath.Join(out, fixturePage))
	v, state := verification(t, doc)
	if state != "failing" {
		t.Fatalf("data-state %q, want failing (%s)", state, text(v))
	}
	if !hasClass(v, "verification--failing") {
		t.Errorf("badge is not red (no verification--failing)")
	}
	if strings.Contains(text(v), "Verified") {
		t.Errorf("failing badge says verified: %q", text(v))
	}
	box := ancestor(v, sel("div", "verification-box"))
	top := find(box, sel("p", "broke-notice"))
	if top == nil {
		t.Fatal("no broke notice at the top of the page")
	}
	for _, want := range []string{"“broken” broke on Kubernetes v1.34.1 on November 21, 2026", "First failing version: v1.34.1"} {
		if !strings.Contains(text(top), want) {
			t.Errorf("top notice %q does not say %q", text(top), want)
		}
	}
	if a := find(top, sel("a", "")); a == nil || attrOr(a, "href") != "#step-broken" {
		t.Errorf("top notice does not link to the block #step-broken")
	}

	block := find(doc, and(sel("div", "code-block"), withAttr("data-step", "broken")))
	if block == nil {
		t.Fatal("no block for step broken")
	}
	if attrOr(block, "id") != "step-broken" {
		t.Errorf("the failing block has id %q, want step-broken", attrOr(block, "id"))
	}
	st := find(block, sel("", "step-status"))
	if st == nil || attrOr(st, "data-status") != "fail" {
		t.Fatalf("failing block: status %v, want fail", st)
	}
	if !strings.Contains(text(st), "Failed on Kubernetes v1.34.1") {
		t.Errorf("status %q", text(st))
	}
	notice := nextElement(block)
	if notice == nil || !hasClass(notice, "broke-notice") {
		t.Fatal("no broke notice beside the failing block")
	}
	if !strings.Contains(text(notice), "This step broke on Kubernetes v1.34.1 on November 21, 2026") || attrOr(notice, "data-version") != "v1.34.1" {
		t.Errorf("notice beside the block: %q", text(notice))
	}
	got := stepStatuses(t, doc)
	if got["hello"] != "pass" || got["never"] != "not-run" {
		t.Errorf("statuses %v: want hello pass, never not-run", got)
	}
	if n := len(findAll(doc, sel("p", "broke-notice"))); n != 2 {
		t.Errorf("%d broke notices, want 2 (top, beside the block)", n)
	}

	for _, cal := range []string{"index.html", "2000/index.html"} {
		if s := calendarState(t, parseFile(t, filepath.Join(out, cal)), "/2000/01-fixture-lab/"); s != "failing" {
			t.Errorf("%s calendar: %q, want failing", cal, s)
		}
	}
	checkLinks(t, out)
}

func TestNoResults(t *testing.T) {
	// The default results directory (<root>/results) does not exist in the
	// copy: no lab is verified.
	root := copyProjectWithFixture(t)
	out := build(t, root, site.Options{})
	arts := loadArticles(t, root)
	labs := 0
	for _, a := range arts {
		if a.Lab == "" {
			continue
		}
		labs++
		doc := parseFile(t, filepath.Join(out, articlePage(a)))
		v, state := verification(t, doc)
		if state != "unverified" || !strings.Contains(strings.ToLower(text(v)), "not yet verified") {
			t.Errorf("%s: %q %q, want unverified, not yet verified", a.Path, state, text(v))
		}
		if find(doc, sel("", "verification--verified")) != nil || find(doc, sel("", "step-status")) != nil || find(doc, sel("", "broke-notice")) != nil {
			t.Errorf("%s: shows a verified state or step statuses without results", a.Path)
		}
	}
	if labs == 0 {
		t.Fatal("no lab articles")
	}
	home := parseFile(t, filepath.Join(out, "index.html"))
	if n := findAll(home, and(sel("", "badge"), withAttr("data-state", "verified"))); len(n) > 0 {
		t.Errorf("home calendar shows %d verified badges without results", len(n))
	}
	if s := calendarState(t, home, "/2000/01-fixture-lab/"); s != "unverified" {
		t.Errorf("home calendar: %q, want unverified", s)
	}
}

func TestResultsOfOtherLabsAndBadFiles(t *testing.T) {
	// A results directory holding only other labs' files leaves the
	// fixture unverified.
	root := copyProjectWithFixture(t)
	results := t.TempDir()
	os.WriteFile(filepath.Join(results, "fixture-lab.json"), []byte(`{"schema":"advent.results/v1","lab":"another-lab","runs":[{"kubernetes":"v1.34.0","mode":"online","started":"2026-11-21T09:00:00Z","status":"pass","steps":[]}]}`), 0o644)
	out := build(t, root, site.Options{Results: results})
	if _, state := verification(t, parseFile(t, filepath.Join(out, fixturePage))); state != "unverified" {
		t.Errorf("data-state %q, want unverified: a file is matched on its lab field, not its name", state)
	}
	// A file that is not a results file is bad input, reported with its
	// path before Hugo runs (see TestBadResults for the positions).
	os.WriteFile(filepath.Join(results, "notes.json"), []byte(`{"hello":"world"}`), 0o644)
	_, err := site.Build(context.Background(), site.Options{Root: root, Results: results, Destination: t.TempDir(), Quiet: true})
	want := filepath.Join(results, "notes.json") + `: schema "", want`
	if err == nil || !diag.IsInput(err) || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("build with notes.json: %v, want an input error starting %q", err, want)
	}
}

func TestLintFindingsBesideOriginals(t *testing.T) {
	root := copyProjectWithFixture(t)
	arts := loadArticles(t, root)
	helm := articleByPath(t, arts, "content/2017/05-helm-chart.md")
	// What internal/lint finds in the helm article's 2017 originals is
	// what its page shows, each finding on its block.
	findings, err := lint.Articles([]*content.Article{helm}, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[int][]string{} // block line -> rules
	for _, f := range findings {
		if f.Original != "" {
			want[f.BlockLine] = append(want[f.BlockLine], string(f.Rule))
		}
	}
	if len(want) < 3 {
		t.Fatalf("internal/lint found %d original blocks with findings in the helm article, want several: %v", len(want), findings)
	}
	out := build(t, root, site.Options{Lint: &lint.Options{}})

	doc := parseFile(t, filepath.Join(out, articlePage(helm)))
	got := map[string][]string{} // the original's text -> rules
	var apps, helmInit *html.Node
	for _, li := range findAll(doc, and(sel("li", ""), withAttr("data-rule", ""))) {
		block := ancestor(li, sel("div", "code-block"))
		if block == nil || attrOr(block, "data-original") != "2017" || ancestor(li, sel("ul", "lint-findings")) == nil {
			t.Errorf("finding %s is not in a ul.lint-findings of a 2017 original", attrOr(li, "data-rule"))
			continue
		}
		got[text(block)] = append(got[text(block)], attrOr(li, "data-rule"))
		switch {
		case attrOr(li, "data-rule") == "k8s-api-removed" && apps == nil:
			apps = li
		case attrOr(li, "data-rule") == "helm-init":
			helmInit = li
		}
	}
	var gotRules, wantRules []string
	for _, r := range got {
		gotRules = append(gotRules, strings.Join(r, ","))
	}
	for _, r := range want {
		wantRules = append(wantRules, strings.Join(r, ","))
	}
	sort.Strings(gotRules)
	sort.Strings(wantRules)
	if strings.Join(gotRules, " ") != strings.Join(wantRules, " ") {
		t.Errorf("findings per original on the helm page %v, want %v (internal/lint's, block by block)", gotRules, wantRules)
	}
	if apps == nil || helmInit == nil {
		t.Fatal("the helm page lacks the k8s-api-removed or the helm-init finding")
	}
	for _, want := range []string{"apps/v1beta1 Deployment was removed in Kubernetes v1.16", "Instead: apps/v1 Deployment", "source"} {
		if !strings.Contains(text(apps), want) {
			t.Errorf("finding %q does not say %q", text(apps), want)
		}
	}
	// A replacement is a code span, or Markdown when it has its own.
	if c := find(apps, sel("code", "")); c == nil || text(c) != "apps/v1 Deployment" {
		t.Errorf("the replacement is not shown as code: %q", text(apps))
	}
	if c := find(helmInit, sel("code", "")); c == nil || text(c) != "helm repo add" || !strings.Contains(text(helmInit), "Instead: nothing to run") {
		t.Errorf("the replacement with its own code span is not rendered as Markdown: %q", text(helmInit))
	}
	if a := find(apps, sel("a", "")); a == nil || attrOr(a, "href") != "https://kubernetes.io/docs/reference/using-api/deprecation-guide/#v1-16" {
		t.Errorf("the finding does not link to its source")
	}
	if attrOr(apps, "data-severity") != "error" {
		t.Errorf("data-severity %q, want error", attrOr(apps, "data-severity"))
	}
	if strings.Contains(text(apps), "Line ") {
		t.Errorf("finding %q names a Markdown source line to readers", text(apps))
	}

	// The fixture's original: labelled, collapsed into one line that says
	// why it changed (Markdown), and nothing stale in it.
	doc = parseFile(t, filepath.Join(out, fixturePage))
	orig := find(doc, and(sel("div", "code-block"), withAttr("data-original", "2017")))
	if orig == nil {
		t.Fatal("fixture: no original block")
	}
	if l := find(orig, sel("p", "original-label")); l == nil || !strings.Contains(text(l), "As published in 2017") {
		t.Errorf("original block is not marked as published in 2017")
	}
	d := ancestor(orig, sel("details", "original"))
	if d == nil {
		t.Fatal("original block is not collapsed in details.original")
	}
	if _, open := attr(d, "open"); open {
		t.Error("original block is open by default")
	}
	if n := find(d, sel("summary", "original-summary")); n == nil || find(n, sel("code", "")) == nil || !strings.Contains(text(n), "Changed since 2017: kubectl run makes a Pod now") {
		t.Errorf("original summary missing or not rendered as Markdown: %v", n)
	}
	// The fixture's original has nothing stale; other pages have no
	// originals.
	for _, page := range []string{fixturePage, "2017/06-sysadmin-evolution/index.html"} {
		if find(parseFile(t, filepath.Join(out, page)), sel("ul", "lint-findings")) != nil {
			t.Errorf("%s shows lint findings", page)
		}
	}
	// Without lint, no findings.
	out = build(t, root, site.Options{})
	if find(parseFile(t, filepath.Join(out, articlePage(helm))), sel("ul", "lint-findings")) != nil {
		t.Error("a build without lint shows findings")
	}
}

// .advent/data mirrors the last build's site data: a file a former build
// wrote and this one does not is removed, so no stale data reaches Hugo.
func TestSiteDataNotStale(t *testing.T) {
	root := copyProject(t)
	build(t, root, site.Options{Data: map[string]any{"extra": map[string]any{"x": 1}}})
	if _, err := os.Stat(filepath.Join(root, ".advent", "data", "extra.json")); err != nil {
		t.Fatalf("site data not written: %v", err)
	}
	build(t, root, site.Options{})
	if _, err := os.Stat(filepath.Join(root, ".advent", "data", "extra.json")); !os.IsNotExist(err) {
		t.Errorf("stale .advent/data/extra.json kept after a build without it (err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(root, ".advent", "data", site.PageData+".json")); err != nil {
		t.Errorf("the page model's data is not written: %v", err)
	}
}

func TestWriteDataRejectsBadNames(t *testing.T) {
	root := t.TempDir()
	for _, name := range []string{"../x", "Lint", "a/b", ""} {
		if err := site.WriteData(root, map[string]any{name: 1}); err == nil {
			t.Errorf("WriteData accepted the name %q", name)
		}
	}
	if err := site.WriteData(root, map[string]any{"lint": map[string]any{"findings": []any{}}}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(root, ".advent", "data", "lint.json"))
	if err != nil || strings.TrimSpace(string(b)) != `{"findings":[]}` {
		t.Errorf("lint.json = %q, %v", b, err)
	}
	entries, _ := os.ReadDir(filepath.Join(root, ".advent", "data"))
	if len(entries) != 1 {
		t.Errorf("temporary files left in .advent/data: %v", entries)
	}
}

func articleByPath(t *testing.T, arts []*content.Article, path string) *content.Article {
	t.Helper()
	for _, a := range arts {
		if a.Path == path {
			return a
		}
	}
	t.Fatalf("no article %s", path)
	return nil
}

// checkRunOutputs checks that each step block whose step printed something
// in run holds it in its output control.
func checkRunOutputs(t *testing.T, labName string, doc *html.Node, run *report.Run) {
	t.Helper()
	for _, s := range run.Steps {
		if len(s.Outputs) == 0 {
			continue
		}
		b := find(doc, and(sel("div", "code-block"), withAttr("data-step", s.Name)))
		if b == nil {
			continue
		}
		d := find(b, sel("details", "run-output"))
		if d == nil {
			t.Errorf("%s: step %q printed output but its block has no output control", labName, s.Name)
			continue
		}
		if sum := find(d, sel("summary", "")); sum == nil || !strings.Contains(text(sum), "What the run on") {
			t.Errorf("%s: step %q: output control summary %q", labName, s.Name, text(sum))
		}
		for _, o := range s.Outputs {
			want := strings.TrimSpace(o.Output)
			if i := strings.IndexByte(want, '\n'); i >= 0 {
				want = want[:i]
			}
			want = strings.Join(strings.Fields(want), " ")
			cmd := strings.Join(strings.Fields("$ "+o.Cmd), " ")
			if !strings.Contains(text(d), cmd) || !strings.Contains(text(d), want) {
				t.Errorf("%s: step %q: the output control does not hold `%s` and its first line %q", labName, s.Name, o.Cmd, want)
			}
		}
	}
}

// checkNoMatcherSyntax checks that no step block shows a lone "..." or a
// "text..." prefix line as output: the page shows elision markers.
func checkNoMatcherSyntax(t *testing.T, where string, doc *html.Node) {
	t.Helper()
	for _, b := range findAll(doc, and(sel("div", "code-block"), withAttr("data-step", ""))) {
		if attrOr(b, "data-lang") != "console" {
			continue
		}
		pre := find(b, sel("pre", ""))
		if pre == nil {
			continue
		}
		for _, line := range strings.Split(rawText(pre), "\n") {
			l := strings.TrimSpace(line)
			if strings.HasPrefix(l, "$") {
				continue
			}
			if l == "..." || strings.HasSuffix(l, "...") {
				t.Errorf("%s: step %q shows matcher syntax as output: %q", where, attrOr(b, "data-step"), line)
			}
		}
	}
}

// rawText is the text under n as it is, whitespace included.
func rawText(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// TestServeRefreshesTheModel: the page model is keyed by block lines, so
// advent serve recomputes it when an article changes; a block moved down
// by an edit is found at its new line.
func TestServeRefreshesTheModel(t *testing.T) {
	root := copyProject(t)
	if err := site.RefreshModel(root, "results", &lint.Options{}, nil); err != nil {
		t.Fatal(err)
	}
	key := func() map[string]map[string]any {
		b, err := os.ReadFile(filepath.Join(root, ".advent", "data", "page.json"))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Blocks map[string]map[string]any `json:"blocks"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		out := map[string]map[string]any{}
		for _, l := range []string{"43", "45", "48", "50"} {
			if b, ok := m.Blocks["content/2017/05-helm-chart.md#"+l]; ok {
				out[l] = b
			}
		}
		return out
	}
	notes := func(b map[string]any) string {
		n, _ := json.Marshal(b["notes"])
		return string(n)
	}
	if k := key(); k["48"] == nil || k["50"] != nil || !strings.Contains(notes(k["43"]), "brew-cask") {
		t.Fatalf("before the edit: %v", k)
	}
	p := filepath.Join(root, "content", "2017", "05-helm-chart.md")
	src, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	// Two lines more above the tools block.
	edited := strings.Replace(string(src), "\n## Let’s Build a Helm Chart!\n", "\n## Let’s Build a Helm Chart!\n\nA new paragraph.\n", 1)
	if edited == string(src) {
		t.Fatal("the heading the edit inserts after is gone")
	}
	write(t, p, []byte(edited))
	if err := site.RefreshModel(root, "results", &lint.Options{}, map[string]any{"extra": map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	k := key()
	if k["50"]["step"] != "tools" || k["48"] != nil {
		t.Errorf("after the edit the tools block is not at line 50: %v", k)
	}
	// The content is linted again: the brew original's finding moved
	// with it.
	if !strings.Contains(notes(k["45"]), "brew-cask") || strings.Contains(notes(k["43"]), "brew-cask") {
		t.Errorf("after the edit the brew-cask finding is not on the block at line 45: %v", k)
	}
	if _, err := os.Stat(filepath.Join(root, ".advent", "data", "extra.json")); err != nil {
		t.Errorf("the other site data is not kept: %v", err)
	}
}
