package site_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/site"
)

// chromiumPath finds Debian's chromium.
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("ADVENT_CHROMIUM"), "/usr/bin/chromium", "chromium"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium is not installed: the browser test needs it (apt-get install -y chromium), or set ADVENT_CHROMIUM; run with -short to skip it")
	return ""
}

// artifactsDir is where screenshots go: $ADVENT_ARTIFACTS, else
// <repo>/artifacts (gitignored).
func artifactsDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("ADVENT_ARTIFACTS")
	if dir == "" {
		dir = filepath.Join(repoRoot(t), "artifacts")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// consoleProblems collects what a page reports as an error: console.error
// and console.assert calls, uncaught exceptions and error entries of the
// browser log (such as a failed request).
type consoleProblems struct {
	mu   sync.Mutex
	list []string
}

func (c *consoleProblems) listen(ev any) {
	var p string
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		if ev.Type == runtime.ConsoleAPICalledTypeError || ev.Type == runtime.ConsoleAPICalledTypeAssert {
			var args []string
			for _, a := range ev.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			p = fmt.Sprintf("console.%s: %s", ev.Type, strings.Join(args, " "))
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		p = fmt.Sprintf("exception at %s:%d: %s", d.URL, d.LineNumber+1, d.Text)
		if d.Exception != nil && d.Exception.Description != "" {
			p += " " + d.Exception.Description
		}
	case *log.EventEntryAdded:
		if ev.Entry.Level == log.EntryLevelError {
			p = fmt.Sprintf("log (%s): %s %s", ev.Entry.Source, ev.Entry.Text, ev.Entry.URL)
		}
	}
	if p != "" {
		c.mu.Lock()
		c.list = append(c.list, p)
		c.mu.Unlock()
	}
}

func (c *consoleProblems) take() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	l := c.list
	c.list = nil
	return l
}

func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	exe := chromiumPath(t)
	// The real site plus the fixture tutorial, with every state on show:
	// the real labs verified, the fixture lab broken on v1.34.1, and what
	// internal/lint finds beside the helm article's 2017 originals.
	root := copyProjectWithFixture(t)
	results := t.TempDir()
	writeAllPassing(t, root, results, content.Articles(mustLoad(t, root)))
	for _, f := range []string{"ci-v1.33.json", "ci-v1.34.json"} {
		b, err := os.ReadFile(testdata(t, "results", "broken", f))
		if err != nil {
			t.Fatal(err)
		}
		write(t, filepath.Join(results, f), b)
	}
	os.Remove(filepath.Join(results, "fixture-lab-ci.json"))
	// Newer helm runs with the commands' output (the page model's fixture).
	helmRuns, err := os.ReadFile(filepath.Join(repoRoot(t), "internal", "page", "testdata", "results", "helm.json"))
	if err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(results, "helm-fixture.json"), helmRuns)
	out := build(t, root, site.Options{Results: results, Lint: &lint.Options{}})
	srv := httptest.NewServer(http.FileServer(http.Dir(out)))
	defer srv.Close()
	problems := &consoleProblems{}
	tab := newTab(t, exe, problems)

	checkConsole := func(where string) {
		t.Helper()
		// Give late errors (deferred scripts, fetches) a moment to arrive.
		if err := chromedp.Do(tab, chromedp.Sleep(300*time.Millisecond)); err != nil {
			t.Fatal(err)
		}
		for _, p := range problems.take() {
			t.Errorf("%s: %s", where, p)
		}
	}
	screenshot := func(name string) {
		t.Helper()
		buf, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
		if err != nil {
			t.Fatalf("screenshot %s: %v", name, err)
		}
		file := filepath.Join(artifactsDir(t), name)
		if err := os.WriteFile(file, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", file)
	}

	// Home page: the calendar, then a search for "helm".
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("ol.calendar")),
	); err != nil {
		t.Fatalf("home page: %v", err)
	}
	checkConsole("home page")
	screenshot("home.png")

	helmURL := "/2017/05-helm-chart/"
	if err := chromedp.Do(tab,
		chromedp.Click(chromedp.CSS("#search-input")),
		chromedp.SendKeys(chromedp.CSS("#search-input"), "helm"),
		chromedp.WaitVisible(chromedp.CSS(`#search-results a[href="`+helmURL+`"]`)),
	); err != nil {
		t.Fatalf("searching for helm: %v", err)
	}
	first, err := chromedp.Run(tab, chromedp.AttributeValue(chromedp.CSS("#search-results a"), "href"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Value != helmURL {
		t.Errorf("first search result for helm is %q, want %q", first.Value, helmURL)
	}
	found, err := chromedp.Run(tab, chromedp.Text(chromedp.CSS("#search-results")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(found, "Day 5") || !strings.Contains(found, "helm chart") {
		t.Errorf("search results do not show the day 5 article: %q", found)
	}
	checkConsole("search")

	// The helm article: copy buttons, and copying a console block.
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+helmURL),
		chromedp.WaitVisible(chromedp.CSS(".code-block .copy-button")),
	); err != nil {
		t.Fatalf("helm article: %v", err)
	}
	checkConsole("helm article")
	screenshot("article-helm.png")

	buttons, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll(".code-block .copy-button").length`))
	if err != nil {
		t.Fatal(err)
	}
	blocks, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll(".code-block:not([data-original])").length`))
	if err != nil {
		t.Fatal(err)
	}
	if buttons != blocks || buttons == 0 {
		t.Errorf("%d copy buttons for %d blocks that are not 2017 originals", buttons, blocks)
	}
	// Its originals carry internal/lint's findings, inside the collapsed
	// original.
	notes, err := chromedp.Run(tab, chromedp.Evaluate[int](`document.querySelectorAll("details.original .code-block[data-original] ul.lint-findings li[data-rule]").length`))
	if err != nil {
		t.Fatal(err)
	}
	if notes == 0 {
		t.Error("no lint finding inside the helm article's 2017 originals")
	}

	// A console block with a continued command and output lines.
	arts := loadArticles(t, root)
	helm := articleByPath(t, arts, "content/2017/05-helm-chart.md")
	var step, want string
	for _, b := range helm.Blocks {
		name, ok := b.Attr("step")
		if !ok || b.Lang != "console" || !strings.Contains(b.Code, "\\\n") {
			continue
		}
		cmds, output := splitConsole(b.Code)
		if len(output) > 0 {
			step, want = name, strings.Join(cmds, "\n")
			break
		}
	}
	if step == "" {
		t.Fatal("the helm article has no console step with a continued command and output")
	}
	sel := `.code-block[data-step="` + step + `"] .copy-button`
	button := chromedp.CSS(sel)
	// What is copied is read back from the browser's clipboard: the page
	// may read it, and a sentinel put there first shows a copy that did not
	// happen.
	for _, name := range []string{"clipboard-read", "clipboard-write"} {
		if _, err := chromedp.CallBrowser(tab, browser.SetPermission, browser.SetPermissionParams{
			Permission: &browser.PermissionDescriptor{Name: name}, Setting: browser.PermissionSettingGranted, Origin: srv.URL,
		}); err != nil {
			t.Fatalf("grant %s: %v", name, err)
		}
	}
	if _, err := chromedp.Call(tab, emulation.SetFocusEmulationEnabled, emulation.SetFocusEmulationEnabledParams{Enabled: true}); err != nil {
		t.Fatal(err)
	}
	const sentinel = "advent: nothing was copied"
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`navigator.clipboard.writeText("`+sentinel+`").then(() => true)`, chromedp.EvalAwaitPromise)); err != nil {
		t.Fatalf("writing the sentinel to the clipboard: %v", err)
	}
	// Centre the button first: a click at the edge of the viewport can land
	// on the sticky header instead.
	if _, err := chromedp.Run(tab, chromedp.Evaluate[bool](`(() => { document.querySelector('`+sel+`').scrollIntoView({block: "center"}); return true })()`)); err != nil {
		t.Fatal(err)
	}
	// copyState waits for the button to say how the copy went.
	copyState := func() string {
		t.Helper()
		state, err := chromedp.Run(tab, chromedp.Evaluate[string](`new Promise((resolve) => {
			const b = document.querySelector('`+sel+`'), t0 = Date.now();
			(function check() {
				const s = b.getAttribute("data-state");
				if (s || Date.now() - t0 > 3000) resolve(s || ""); else setTimeout(check, 50);
			})();
		})`, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatal(err)
		}
		return state
	}
	if err := chromedp.Do(tab, chromedp.Click(button)); err != nil {
		t.Fatalf("clicking the copy button of %s: %v", step, err)
	}
	state := copyState()
	if state == "" {
		// A click can miss while the page still shifts (fonts, layout);
		// the handler is what is under test, so click once more.
		t.Logf("the first click on the copy button of %s did not register; clicking again", step)
		if err := chromedp.Do(tab, chromedp.Click(button)); err != nil {
			t.Fatalf("clicking the copy button of %s: %v", step, err)
		}
		state = copyState()
	}
	if state != "copied" {
		t.Errorf("the copy button of %s has data-state %q after a click, want \"copied\"", step, state)
	}
	clip, err := chromedp.Run(tab, chromedp.Evaluate[string](`navigator.clipboard.readText()`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("reading the clipboard: %v", err)
	}
	if clip != want {
		t.Errorf("the clipboard after copying %s holds:\n%s\nwant the block's commands only:\n%s", step, clip, want)
	}
	for _, l := range strings.Split(clip, "\n") {
		if strings.HasPrefix(l, "$") {
			t.Errorf("copied text keeps a prompt: %q", l)
		}
	}
	checkConsole("copy button")

	// The fixture tutorial: failing badge, statuses, its 2017 original.
	if err := chromedp.Do(tab,
		chromedp.Navigate(srv.URL+"/2000/01-fixture-lab/"),
		chromedp.WaitVisible(chromedp.CSS(`p.verification[data-state="failing"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.code-block[data-step="broken"] .step-status[data-status="fail"]`)),
	); err != nil {
		t.Fatalf("fixture article: %v", err)
	}
	checkConsole("fixture article")
	screenshot("article-fixture-failing.png")

	checkReaderFixes(t, tab, srv.URL)
	checkConsole("reader fixes")
	// Every internal link resolves: badges' and status lines' links to the
	// About pages, and lint findings' sources in the originals.
	checkLinks(t, out)
	checkSearchIndex(t, out)
	checkReadings(t, tab, srv.URL)
	checkConsole("readings")
	checkReadingsWithoutJS(t, tab, srv.URL)
	checkDay9CurrentReading(t, tab, srv.URL)
	checkListDetector(t, tab)
	checkEveryPageLists(t, tab, srv.URL, out)
	checkCalendarFits(t, tab, srv.URL)
	checkSnippets(t, tab, srv.URL)
	screenshotReadingPages(t, tab, srv.URL)
	checkConsole("pages")
	checkEveryPageWithAxe(t, tab, srv.URL, out)
}

// newTab starts a headless chromium (ended with the test) and returns its
// tab; problems collects what pages report as errors. axe-core checks every
// page twice (light and dark), hence the long timeout.
func newTab(t *testing.T, exe string, problems *consoleProblems) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	t.Cleanup(cancel)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(exe),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	tab, cancelTab := chromedp.NewContext(allocCtx, chromedp.WithListener(problems.listen))
	t.Cleanup(cancelTab)
	return tab
}

func mustLoad(t *testing.T, root string) []*content.Article {
	t.Helper()
	arts, err := content.LoadDir(root, "content")
	if err != nil {
		t.Fatal(err)
	}
	return arts
}

// splitConsole splits a console transcript into its commands (prompt
// removed, continuation lines kept) and its output lines.
func splitConsole(code string) (cmds, output []string) {
	continuing := false
	for _, l := range strings.Split(strings.TrimRight(code, "\n"), "\n") {
		switch {
		case continuing:
			cmds = append(cmds, l)
			continuing = strings.HasSuffix(l, "\\")
		case strings.HasPrefix(l, "$ "):
			cmds = append(cmds, strings.TrimPrefix(l, "$ "))
			continuing = strings.HasSuffix(l, "\\")
		case strings.TrimSpace(l) != "":
			output = append(output, l)
		}
	}
	return cmds, output
}
