package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/site"
)

// axeScript is axe-core's browser bundle, installed with npm into
// ~/.cache/advent/npm (make deps, .ci/run) or $ADVENT_AXE. The browser test
// fails without it: contrast is part of what it checks.
func axeScript(t *testing.T) string {
	t.Helper()
	p := os.Getenv("ADVENT_AXE")
	if p == "" {
		home, _ := os.UserHomeDir()
		p = filepath.Join(home, ".cache", "advent", "npm", "node_modules", "axe-core", "axe.min.js")
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("axe-core is not installed (%v): npm install --prefix ~/.cache/advent/npm axe-core@4 (make deps does), or set ADVENT_AXE; run with -short to skip the browser test", err)
	}
	return string(b)
}

// axeViolation is one serious or critical axe-core finding.
type axeViolation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"`
	Help    string   `json:"help"`
	Targets []string `json:"targets"`
}

// runAxe opens every <details> (collapsed originals, run output, hidden
// steps) so that their contents are checked too, injects axe-core and
// returns the serious and critical WCAG 2 A/AA violations of the page.
func runAxe(t *testing.T, tab context.Context, axe string) []axeViolation {
	t.Helper()
	// Opened as a reader would, then a moment for the page to react (the
	// scrollable blocks become tab stops once they have a size).
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`new Promise(r => { document.querySelectorAll("details").forEach(d => d.open = true); setTimeout(() => r(true), 300) })`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { if (!window.axe) { `+axe+`
	} return true })()`)); err != nil {
		t.Fatalf("injecting axe-core: %v", err)
	}
	res, err := chromedp.Run(tab, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21aa"]}, resultTypes: ["violations"]}).then(r => JSON.stringify(
		r.violations.filter(v => v.impact === "serious" || v.impact === "critical").map(v => ({
			id: v.id, impact: v.impact, help: v.help, targets: v.nodes.slice(0, 5).map(n => n.target.join(" ") + ": " + (n.failureSummary || "").split("\n").slice(-1)[0])})))
	)`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe.run: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(res), &vs); err != nil {
		t.Fatal(err)
	}
	return vs
}

// checkEveryPageWithAxe loads every HTML page of the site, light and dark,
// and the tutorials and home page again at phone width, and requires no
// serious or critical axe-core violation.
func checkEveryPageWithAxe(t *testing.T, tab context.Context, base, out string) {
	t.Helper()
	axe := axeScript(t)
	pages := htmlPages(t, out)
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		checked := 0
		for _, p := range pages {
			url := base + "/" + strings.TrimSuffix(filepath.ToSlash(p.file), "index.html")
			if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			for _, v := range runAxe(t, tab, axe) {
				t.Errorf("%s (%s): axe %s %s: %s\n  %s", p.file, scheme, v.Impact, v.ID, v.Help, strings.Join(v.Targets, "\n  "))
			}
			checked++
		}
		t.Logf("axe-core: %d pages checked in the %s scheme", checked, scheme)
	}
	// On a phone more code scrolls sideways: every tutorial and the home
	// page again at 390 px, light and dark.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(390, 844)); err != nil {
		t.Fatal(err)
	}
	for _, scheme := range []string{"light", "dark"} {
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
		}); err != nil {
			t.Fatal(err)
		}
		for _, p := range pages {
			if p.file != "index.html" && find(p.doc, withAttr("data-lab", "")) == nil {
				continue
			}
			url := base + "/" + strings.TrimSuffix(p.file, "index.html")
			if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
				t.Fatalf("%s: %v", url, err)
			}
			for _, v := range runAxe(t, tab, axe) {
				t.Errorf("%s (%s, 390 px): axe %s %s: %s\n  %s", p.file, scheme, v.Impact, v.ID, v.Help, strings.Join(v.Targets, "\n  "))
			}
		}
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}
}

// checkReaderFixes checks on the helm tutorial and the home page what a
// reader sees: the real-output control, no matcher syntax shown as output,
// the table of contents, whole-text search, scrollable code as the only
// code tab stops, and code that wraps in print.
func checkReaderFixes(t *testing.T, tab context.Context, base string) {
	t.Helper()
	eval := func(what, js string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return v
	}
	if err := chromedp.Do(tab, chromedp.Navigate(base+"/2017/05-helm-chart/"), chromedp.WaitVisible(chromedp.CSS(".code-block[data-step]"))); err != nil {
		t.Fatal(err)
	}

	// The "tools" step's output control: closed, then open with what the
	// run printed (internal/page/testdata/results/helm.json).
	sum := `document.querySelector('.code-block[data-step="tools"] details.run-output > summary')`
	if got := eval("output control", `(() => { const s = `+sum+`; return s ? s.textContent + "|" + s.parentElement.open : "" })()`); got != "What the run on November 30, 2026, Kubernetes v1.34.3, printed|false" {
		t.Errorf("the tools step's output control: %q", got)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(`.code-block[data-step="tools"] details.run-output > summary`))); err != nil {
		t.Fatal(err)
	}
	if got := eval("run output", `document.querySelector('.code-block[data-step="tools"] details.run-output pre').innerText`); !strings.Contains(got, "kind v0.33.0 go1.26 linux/amd64") || !strings.Contains(got, "$ helm version --short") {
		t.Errorf("the output control shows %q, not the run's output", got)
	}
	// What the block itself shows: the article's text with elision
	// markers, never "..." or "kind v0.33.0...".
	shown := eval("block text", `Array.from(document.querySelectorAll('.code-block[data-step] > pre')).map(p => p.innerText).join("\n")`)
	for _, l := range strings.Split(shown, "\n") {
		if s := strings.TrimSpace(l); !strings.HasPrefix(s, "$") && strings.HasSuffix(s, "...") {
			t.Errorf("a step block shows matcher syntax as output: %q", l)
		}
	}
	if !strings.Contains(shown, "kind v0.33.0 ⋯") || !strings.Contains(shown, "⋯ output elided") {
		t.Errorf("the helm page shows no elision markers")
	}

	// On this page.
	if got := eval("toc", `(() => { const n = document.querySelector("nav.toc"); return n ? String(n.querySelectorAll("a[href^='#']").length) : "0" })()`); got == "0" {
		t.Error("the helm article has no 'On this page' table of contents")
	}

	// Only scrollable <pre> blocks are tab stops: narrow the window so
	// some scroll, then compare.
	if err := chromedp.Do(tab, chromedp.EmulateViewport(420, 900)); err != nil {
		t.Fatal(err)
	}
	check := eval("tab stops", `new Promise(r => setTimeout(() => {
		const bad = [];
		let scrollable = 0;
		document.querySelectorAll("pre").forEach((p, i) => {
			if (p.closest("details:not([open])")) return;
			const scrolls = p.scrollWidth > p.clientWidth || p.scrollHeight > p.clientHeight;
			if (scrolls) scrollable++;
			if (scrolls !== (p.tabIndex === 0)) bad.push(i + ":" + scrolls + ":" + p.getAttribute("tabindex") + ":" + p.scrollWidth + "/" + p.clientWidth + ":" + p.className + ":" + p.parentElement.className);
		});
		r(scrollable + "|" + bad.join(","));
	}, 800))`)
	if n, bad, _ := strings.Cut(check, "|"); n == "0" || bad != "" {
		t.Errorf("tab stops: %s scrollable <pre>, mismatched (index:scrolls:tabindex): %q", n, bad)
	}
	if err := chromedp.Do(tab, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}

	// Print: long lines wrap.
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
		t.Fatal(err)
	}
	if ws := eval("print", `getComputedStyle(document.querySelector(".code-block pre")).whiteSpace`); ws != "pre-wrap" {
		t.Errorf("code in print has white-space %q, want pre-wrap", ws)
	}
	if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
		t.Fatal(err)
	}

	// Search over the whole text of day 5.
	for _, q := range []string{"values.yaml", "port-forward", "uninstall"} {
		sctx, cancel := context.WithTimeout(tab, 10*time.Second)
		err := chromedp.Do(sctx,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS("#search-input")),
			chromedp.SendKeys(chromedp.CSS("#search-input"), q),
			chromedp.WaitVisible(chromedp.CSS(`#search-results a[href="/2017/05-helm-chart/"]`)),
		)
		cancel()
		if err != nil {
			t.Errorf("searching for %q does not find day 5: %v", q, err)
		}
	}
}

// TestBrowserRealResults is the reader's view of the site built from the
// labs' real results (make test's site-results passes -results after the
// labs ran): each tutorial's coverage line and state, on its page and in
// the calendar, match its results file; each output control shows what the
// run printed; no step block shows matcher syntax as output; axe-core finds
// no serious or critical violation on the tutorial pages and the calendar,
// light and dark.
func TestBrowserRealResults(t *testing.T) {
	if *realResults == "" {
		t.Skip("no -results directory: make test runs this after the labs, with their results")
	}
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	exe := chromiumPath(t)
	axe := axeScript(t)
	root := copyProject(t)
	arts := loadArticles(t, root)
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatal(err)
	}
	out := build(t, root, site.Options{Results: *realResults})
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()
	problems := &consoleProblems{}
	tab := newTab(t, exe, problems)
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(tab, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	files, err := filepath.Glob(filepath.Join(*realResults, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no results in %s: %v", *realResults, err)
	}
	for _, p := range files {
		f, err := report.Read(p)
		if err != nil || f == nil || len(f.Runs) == 0 {
			t.Fatalf("%s: %v", p, err)
		}
		l := labOfResults(t, labs, p, f)
		want, passed, counted, newest := expectedState(f, l)
		url := "/" + strings.TrimSuffix(articlePage(articleByPath(t, arts, f.Source)), "index.html")

		if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+"/2017/"), chromedp.WaitVisible(chromedp.CSS("ol.calendar"))); err != nil {
			t.Fatal(err)
		}
		if got := eval(`(() => { const a = document.querySelector('a.day-link[href="` + url + `"]'); return a ? a.closest("li").getAttribute("data-lab-state") + "|" + a.innerText : "" })()`); !strings.HasPrefix(got, want+"|") {
			t.Errorf("%s: calendar shows %q, want state %s", f.Lab, got, want)
		}

		if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+url), chromedp.WaitVisible(chromedp.CSS("p.verification"))); err != nil {
			t.Fatal(err)
		}
		cov := eval(`(() => { const v = document.querySelector("p.verification"); return v.getAttribute("data-state") + "|" + v.innerText })()`)
		if !strings.HasPrefix(cov, want+"|") || !strings.Contains(cov, fmt.Sprintf("%d of %d steps verified", passed, counted)) {
			t.Errorf("%s: coverage line %q, want state %s and %d of %d steps verified", f.Lab, cov, want, passed, counted)
		}
		for _, s := range newest.Steps {
			if len(s.Outputs) == 0 || strings.TrimSpace(s.Outputs[0].Output) == "" {
				continue
			}
			first := strings.TrimSpace(strings.SplitN(strings.TrimSpace(s.Outputs[0].Output), "\n", 2)[0])
			sel, _ := json.Marshal(`.code-block[data-step="` + s.Name + `"] details.run-output`)
			got := eval(`(() => { const d = document.querySelector(` + string(sel) + `); if (!d) return "no control"; d.open = true; return d.querySelector("pre").innerText })()`)
			if got == "no control" {
				// Steps inside collapsed hidden blocks or without a block
				// on the page are checked by TestBadgesMatchRealResults.
				continue
			}
			if !strings.Contains(got, first) {
				t.Errorf("%s: step %q: the output control shows %q, not the run's %q", f.Lab, s.Name, got, first)
			}
		}
		shown := eval(`Array.from(document.querySelectorAll('.code-block[data-step] > pre')).map(p => p.innerText).join("\n")`)
		for _, line := range strings.Split(shown, "\n") {
			if s := strings.TrimSpace(line); !strings.HasPrefix(s, "$") && strings.HasSuffix(s, "...") {
				t.Errorf("%s: a step block shows matcher syntax as output: %q", f.Lab, line)
			}
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			for _, page := range []string{url, "/2017/"} {
				if err := chromedp.Do(tab, chromedp.Navigate(srv.URL+page), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
					t.Fatal(err)
				}
				for _, v := range runAxe(t, tab, axe) {
					t.Errorf("%s (%s): axe %s %s: %s\n  %s", page, scheme, v.Impact, v.ID, v.Help, strings.Join(v.Targets, "\n  "))
				}
			}
		}
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Fatal(err)
		}
		for _, p := range problems.take() {
			t.Errorf("%s: %s", url, p)
		}
		t.Logf("%s: %s, %d of %d steps verified; checked in chromium, light and dark", f.Lab, want, passed, counted)
	}
}
