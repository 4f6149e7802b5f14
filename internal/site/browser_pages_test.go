package site_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The pages whose two readings, lists, print and screenshots are checked.
var readingPages = []string{"/2017/05-helm-chart/", "/2017/07-inspec-push-jobs/", "/2017/09-multi-provider-batch-jobs/"}

// evalString runs js (a promise is awaited) and returns its string result.
func evalString(t *testing.T, tab context.Context, what, js string) string {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// readingState says what the page shows of its changes: the toggle's
// aria-pressed ("" without one), and how many struck 2017 wordings, why
// notes and originals are displayed, and how many current wordings.
const readingState = `(() => {
	const shown = (sel) => Array.from(document.querySelectorAll(sel)).filter(e => e.getClientRects().length > 0).length;
	const b = document.querySelector(".reading-toggle");
	return JSON.stringify({
		pressed: b ? b.getAttribute("aria-pressed") : "",
		was: shown(".changed-was"), why: shown(".changed-why"), originals: shown("details.original"),
		now: shown(".changed-now"), all: document.querySelectorAll(".changed, details.original").length,
	});
})()`

type reading struct {
	Pressed   string `json:"pressed"`
	Was       int    `json:"was"`
	Why       int    `json:"why"`
	Originals int    `json:"originals"`
	Now       int    `json:"now"`
	All       int    `json:"all"`
}

func readState(t *testing.T, tab context.Context, where string) reading {
	t.Helper()
	var r reading
	if err := json.Unmarshal([]byte(evalString(t, tab, where, readingState)), &r); err != nil {
		t.Fatal(err)
	}
	return r
}

// current reports whether r is the current reading: none of the 2017
// wording, why-notes or originals shown, the current wording of changed
// passages (if any) shown.
func (r reading) current() bool { return r.All > 0 && r.Was+r.Why+r.Originals == 0 }

// changes reports whether r is the "what changed" reading: the 2017
// wording and why-notes, or the originals, shown.
func (r reading) changes() bool { return r.All > 0 && (r.Was > 0 && r.Why > 0 || r.Originals > 0) }

// checkReadings checks the two readings of the rewritten tutorials with
// JavaScript: the current one by default, the toggle showing the changes,
// the choice kept across pages and reloads, print following it, and axe-core
// finding nothing serious in the "what changed" reading, light and dark.
func checkReadings(t *testing.T, tab context.Context, base string) {
	t.Helper()
	axe := axeScript(t)
	day9 := base + readingPages[2]
	if err := chromedp.Do(tab, chromedp.Navigate(day9), chromedp.WaitVisible(chromedp.CSS(".reading-toggle"))); err != nil {
		t.Fatalf("day 9's reading control: %v", err)
	}
	evalString(t, tab, "clear the choice", `(() => { localStorage.clear(); return "" })()`)
	if err := chromedp.Do(tab, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".reading-toggle"))); err != nil {
		t.Fatal(err)
	}
	if r := readState(t, tab, "default reading"); !r.current() || r.Now == 0 || r.Pressed != "false" {
		t.Errorf("day 9 by default: %+v, want the current reading (no 2017 wording, why-notes or originals shown) and the toggle not pressed", r)
	}
	label := evalString(t, tab, "toggle label", `document.querySelector(".reading-toggle").textContent`)
	if label != "Show what changed since 2017" {
		t.Errorf("the reading control says %q", label)
	}
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".reading-toggle"))); err != nil {
		t.Fatal(err)
	}
	if r := readState(t, tab, "after the toggle"); !r.changes() || r.Pressed != "true" {
		t.Errorf("day 9 after the toggle: %+v, want the 2017 wording and why-notes shown, aria-pressed true", r)
	}
	// Print follows the choice.
	printShows := func() int {
		t.Helper()
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
		r := readState(t, tab, "print")
		return r.Was
	}
	if n := printShows(); n == 0 {
		t.Error("print hides the 2017 wording in the \"what changed\" reading")
	}
	// The choice persists: on another page and after a reload.
	for _, p := range readingPages {
		if err := chromedp.Do(tab, chromedp.Navigate(base+p), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatal(err)
		}
		if evalString(t, tab, "has control", `String(!!document.querySelector(".reading-control"))`) != "true" {
			continue
		}
		if r := readState(t, tab, p); !r.changes() || r.Pressed != "true" {
			t.Errorf("%s after choosing the \"what changed\" reading on day 9: %+v", p, r)
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			for _, v := range runAxe(t, tab, axe) {
				t.Errorf("%s (%s, what changed): axe %s %s: %s\n  %s", p, scheme, v.Impact, v.ID, v.Help, strings.Join(v.Targets, "\n  "))
			}
		}
		if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{}); err != nil {
			t.Fatal(err)
		}
		checkOrderedLists(t, tab, p+" (what changed)")
	}
	// Back to the current reading; print follows again.
	if err := chromedp.Do(tab, chromedp.Navigate(day9), chromedp.WaitVisible(chromedp.CSS(".reading-toggle")), chromedp.Click(chromedp.CSS(".reading-toggle"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(tab, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(".reading-toggle"))); err != nil {
		t.Fatal(err)
	}
	if r := readState(t, tab, "toggled back"); !r.current() || r.Pressed != "false" {
		t.Errorf("day 9 toggled back and reloaded: %+v, want the current reading", r)
	}
	if n := printShows(); n != 0 {
		t.Errorf("print shows %d struck 2017 wordings in the current reading", n)
	}
}

// checkReadingsWithoutJS checks, with JavaScript off, that day 9 reads as
// the current tutorial and that its control (a link to #changes) shows the
// changes, and that axe-core finds nothing serious in either reading.
func checkReadingsWithoutJS(t *testing.T, tab context.Context, base string) {
	t.Helper()
	axe := axeScript(t)
	if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true}); err != nil {
		t.Fatal(err)
	}
	defer chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false})
	day9 := base + readingPages[2]
	if err := chromedp.Do(tab, chromedp.Navigate(day9), chromedp.WaitVisible(chromedp.CSS(".reading-show"))); err != nil {
		t.Fatalf("day 9 without JavaScript: %v", err)
	}
	if r := readState(t, tab, "no JS"); !r.current() {
		t.Errorf("day 9 without JavaScript: %+v, want the current reading", r)
	}
	// axe needs timers, which do not run while scripts are disabled: it
	// runs with them enabled again, on the page as it was loaded without
	// JavaScript (its deferred script did not run then and does not now).
	noJSAxe := func(what string) {
		t.Helper()
		if _, err := chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: false}); err != nil {
			t.Fatal(err)
		}
		defer chromedp.Call(tab, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		if got := evalString(t, tab, "no-JS page", `String(document.querySelectorAll(".reading-toggle").length)`); got != "0" {
			t.Fatalf("the page ran its script after all: %s toggle buttons", got)
		}
		for _, scheme := range []string{"light", "dark"} {
			if _, err := chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
				Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}},
			}); err != nil {
				t.Fatal(err)
			}
			for _, v := range runAxe(t, tab, axe) {
				t.Errorf("day 9 without JavaScript (%s, %s): axe %s %s: %s\n  %s", what, scheme, v.Impact, v.ID, v.Help, strings.Join(v.Targets, "\n  "))
			}
		}
		chromedp.Call(tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{})
	}
	noJSAxe("current")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".reading-show")), chromedp.WaitVisible(chromedp.CSS(".reading-hide"))); err != nil {
		t.Fatalf("following the no-JS control: %v", err)
	}
	if r := readState(t, tab, "no JS, #changes"); !r.changes() {
		t.Errorf("day 9 without JavaScript at #changes: %+v, want the 2017 wording and why-notes shown", r)
	}
	checkOrderedLists(t, tab, readingPages[2]+" (no JS, what changed)")
	noJSAxe("what changed")
	if err := chromedp.Do(tab, chromedp.Click(chromedp.CSS(".reading-hide")), chromedp.WaitVisible(chromedp.CSS(".reading-show"))); err != nil {
		t.Fatalf("hiding the changes without JavaScript: %v", err)
	}
	if r := readState(t, tab, "no JS, hidden again"); !r.current() {
		t.Errorf("day 9 without JavaScript after hiding the changes: %+v", r)
	}
}

// orderedListProblems finds, on the page as shown, ordered lists whose
// numbers repeat or restart: a list inside a paragraph or inline element
// (a list rendered inside prose, as broken shortcodes do), two lists side by
// side, an item whose number is not one more than the one before (value
// attributes included), and a list that starts again at or below where the
// previous list of the same parent stopped with no heading between them.
const orderedListProblems = `(() => {
	const bad = [];
	const shown = (e) => e.getClientRects().length > 0;
	const name = (ol) => (ol.id ? "#" + ol.id : "") + " \"" + ol.innerText.slice(0, 60).replace(/\s+/g, " ") + "\"";
	const numbers = (ol) => {
		const out = [];
		let n = ol.hasAttribute("start") ? ol.start : (ol.reversed ? ol.children.length : 1);
		for (const li of ol.children) {
			if (li.tagName !== "LI" || !shown(li)) continue;
			if (li.hasAttribute("value")) n = li.value;
			out.push(n);
			n += ol.reversed ? -1 : 1;
		}
		return out;
	};
	const lists = Array.from(document.querySelectorAll("main ol")).filter(ol => shown(ol) && !ol.closest("nav, .calendar"));
	for (const ol of lists) {
		if (ol.parentElement.closest("p, span, del, ins, small, a, em, strong, code")) bad.push("list inside prose: " + name(ol));
		const ns = numbers(ol);
		for (let i = 1; i < ns.length; i++) if (ns[i] !== ns[i - 1] + (ol.reversed ? -1 : 1)) bad.push("numbers " + ns.join(",") + ": " + name(ol));
		let prev = ol.previousElementSibling;
		while (prev && !shown(prev)) prev = prev.previousElementSibling;
		if (prev && prev.tagName === "OL") bad.push("two lists side by side: " + name(prev) + " then " + name(ol));
		for (let p = ol.previousElementSibling; p; p = p.previousElementSibling) {
			if (/^H[1-6]$/.test(p.tagName)) break;
			if (p.tagName === "OL" && shown(p)) {
				const before = numbers(p);
				if (before.length && ns.length && !ol.reversed && ns[0] <= before[before.length - 1] && ns[0] !== 1)
					bad.push("restarts at " + ns[0] + " after " + before[before.length - 1] + ": " + name(ol));
				if (before.length && ns.length && ns[0] === 1 && before[0] === 1 && !p.nextElementSibling?.matches("p, h1, h2, h3, h4, h5, h6"))
					bad.push("numbering starts again at 1 right after a list: " + name(ol));
				break;
			}
		}
	}
	return JSON.stringify(bad);
})()`

// checkOrderedLists fails on any ordered list of the loaded page whose
// numbers repeat or restart (orderedListProblems).
func checkOrderedLists(t *testing.T, tab context.Context, where string) {
	t.Helper()
	var bad []string
	if err := json.Unmarshal([]byte(evalString(t, tab, "ordered lists", orderedListProblems)), &bad); err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Errorf("%s: ordered list: %s", where, b)
	}
}

// checkEveryPageLists loads every page in the current reading and checks
// its ordered lists.
func checkEveryPageLists(t *testing.T, tab context.Context, base, out string) {
	t.Helper()
	n := 0
	for _, p := range htmlPages(t, out) {
		url := base + "/" + strings.TrimSuffix(p.file, "index.html")
		if err := chromedp.Do(tab, chromedp.Navigate(url), chromedp.WaitReady(chromedp.CSS("body"))); err != nil {
			t.Fatalf("%s: %v", url, err)
		}
		checkOrderedLists(t, tab, p.file)
		n++
	}
	t.Logf("ordered lists checked on %d pages", n)
}

// checkCalendarFits checks the home page's calendar from 320 px up: every
// badge on one line inside its tile, and no empty day shown on a phone.
func checkCalendarFits(t *testing.T, tab context.Context, base string) {
	t.Helper()
	defer chromedp.Do(tab, chromedp.EmulateViewport(1280, 900))
	for _, w := range []int64{320, 360, 390, 414, 600, 768, 1024, 1366} {
		if err := chromedp.Do(tab, chromedp.EmulateViewport(w, 900), chromedp.Navigate(base+"/"), chromedp.WaitVisible(chromedp.CSS("ol.calendar"))); err != nil {
			t.Fatal(err)
		}
		got := evalString(t, tab, "badges", `(() => {
			const bad = [];
			for (const b of document.querySelectorAll(".calendar .badge")) {
				if (b.getClientRects().length === 0) continue;
				const r = b.getBoundingClientRect(), tile = b.closest(".day-link").getBoundingClientRect();
				const line = parseFloat(getComputedStyle(b).lineHeight) || parseFloat(getComputedStyle(b).fontSize) * 1.2;
				const pad = parseFloat(getComputedStyle(b).paddingTop) + parseFloat(getComputedStyle(b).paddingBottom) + 2;
				if (r.height > line + pad + 1 || b.scrollWidth > b.clientWidth + 1 || r.left < tile.left || r.right > tile.right + 0.5)
					bad.push(b.textContent + " (" + Math.round(r.width) + "x" + Math.round(r.height) + " in a tile " + Math.round(tile.width) + " wide)");
			}
			const empty = Array.from(document.querySelectorAll(".calendar .day--empty")).filter(e => e.getClientRects().length > 0).length;
			return JSON.stringify({bad, empty, badges: document.querySelectorAll(".calendar .badge").length});
		})()`)
		var r struct {
			Bad    []string `json:"bad"`
			Empty  int      `json:"empty"`
			Badges int      `json:"badges"`
		}
		if err := json.Unmarshal([]byte(got), &r); err != nil {
			t.Fatal(err)
		}
		if r.Badges == 0 {
			t.Fatalf("%d px: the calendar has no badges", w)
		}
		for _, b := range r.Bad {
			t.Errorf("%d px: a badge does not fit its tile on one line: %s", w, b)
		}
		if w <= 600 && r.Empty > 0 {
			t.Errorf("%d px: %d empty days still shown", w, r.Empty)
		}
		if w >= 1024 && r.Empty == 0 {
			t.Errorf("%d px: the calendar shows no empty days on a wide screen", w)
		}
	}
}

// checkSnippets searches for words in the middle of day 9's text and
// checks that every snippet starts at a word of the index's text.
func checkSnippets(t *testing.T, tab context.Context, base string) {
	t.Helper()
	for _, q := range []string{"kubeconfig", "clusters", "batch"} {
		if err := chromedp.Do(tab,
			chromedp.Navigate(base+"/"),
			chromedp.WaitVisible(chromedp.CSS("#search-input")),
			chromedp.SendKeys(chromedp.CSS("#search-input"), q),
			chromedp.WaitVisible(chromedp.CSS("#search-results .r-snippet")),
		); err != nil {
			t.Fatalf("searching for %q: %v", q, err)
		}
		got := evalString(t, tab, "snippets", `fetch("/index.json").then(r => r.json()).then(idx => {
			const bad = [];
			for (const a of document.querySelectorAll("#search-results a")) {
				const e = idx.find(x => x.url === a.getAttribute("href"));
				let s = a.querySelector(".r-snippet").textContent;
				if (!e || !s.startsWith("…")) continue;
				s = s.slice(1).replace(/…$/, "");
				const text = e.content;
				const at = text.indexOf(s);
				if (at < 0) bad.push("not in the text: " + s.slice(0, 40));
				else if (at > 0 && !/\s/.test(text[at - 1])) bad.push("starts mid-word: " + text.slice(Math.max(0, at - 10), at) + "|" + s.slice(0, 30));
			}
			return JSON.stringify(bad);
		})`)
		var bad []string
		if err := json.Unmarshal([]byte(got), &bad); err != nil {
			t.Fatal(err)
		}
		for _, b := range bad {
			t.Errorf("search for %q: snippet %s", q, b)
		}
	}
}

// screenshotReadingPages saves days 5, 7 and 9 at 1366 and 390 px wide.
func screenshotReadingPages(t *testing.T, tab context.Context, base string) {
	t.Helper()
	defer chromedp.Do(tab, chromedp.EmulateViewport(1280, 900))
	for _, w := range []int64{1366, 390} {
		for _, p := range readingPages {
			if err := chromedp.Do(tab, chromedp.EmulateViewport(w, 900), chromedp.Navigate(base+p), chromedp.WaitVisible(chromedp.CSS(".article-body"))); err != nil {
				t.Fatal(err)
			}
			buf, err := chromedp.Run(tab, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatalf("screenshot %s: %v", p, err)
			}
			name := fmt.Sprintf("day-%s-%dpx.png", strings.SplitN(strings.TrimPrefix(p, "/2017/"), "-", 2)[0], w)
			file := filepath.Join(artifactsDir(t), name)
			if err := os.WriteFile(file, buf, 0o644); err != nil {
				t.Fatal(err)
			}
			t.Logf("screenshot: %s", file)
		}
	}
}

// checkSearchIndex checks that the search index holds only what a reader
// sees in the current reading: no 2017 wording of a changed passage, no
// text of a hidden lab step or of the lab's environment block.
func checkSearchIndex(t *testing.T, out string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(out, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	var entries []struct {
		URL     string `json:"url"`
		Content string `json:"content"`
	}
	if err := json.Unmarshal(b, &entries); err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, e := range entries {
		doc := parseFile(t, filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(e.URL, "/")), "index.html"))
		var hidden []string
		for _, n := range findAll(doc, sel("del", "changed-was")) {
			hidden = append(hidden, text(n))
		}
		for _, n := range findAll(doc, sel("details", "lab-hidden")) {
			if pre := find(n, sel("pre", "")); pre != nil {
				hidden = append(hidden, text(pre))
			}
		}
		for _, h := range hidden {
			h = strings.Join(strings.Fields(strings.TrimPrefix(h, "2017 wording: ")), " ")
			if len(h) < 24 {
				continue // too short to be told apart from the text around it
			}
			checked++
			if strings.Contains(e.Content, h) {
				t.Errorf("index.json: %s: the search index holds text a reader does not see: %q", e.URL, h)
			}
		}
	}
	if checked == 0 {
		t.Error("index.json: no hidden text to check on any page")
	}
}

// staleDay9 are 2017 instructions of day 9 that no step runs any more:
// in the current reading each must be gone or changed (not shown).
var staleDay9 = []string{
	"Waiting for federation control plane to come up",
	"Federation API server is running",
	"Set up the federation control plane",
	"Set up the host cluster",
}

// checkDay9CurrentReading checks that day 9's current reading shows none
// of staleDay9 and ends no paragraph or list item with a colon that
// introduces nothing (followed by a heading, a paragraph or nothing, as the
// Conclusion's "including:" was).
func checkDay9CurrentReading(t *testing.T, tab context.Context, base string) {
	t.Helper()
	if err := chromedp.Do(tab, chromedp.Navigate(base+readingPages[2]), chromedp.WaitVisible(chromedp.CSS(".reading-toggle"))); err != nil {
		t.Fatal(err)
	}
	if r := readState(t, tab, "day 9"); !r.current() {
		t.Fatalf("day 9 is not in the current reading: %+v", r)
	}
	body := evalString(t, tab, "day 9 text", `document.querySelector(".article-body").innerText.replace(/[“”]/g, '"')`)
	for _, s := range staleDay9 {
		if strings.Contains(strings.ToLower(body), strings.ToLower(s)) {
			t.Errorf("day 9's current reading still shows the 2017 instruction %q", s)
		}
	}
	dangling := evalString(t, tab, "dangling colons", `JSON.stringify(Array.from(document.querySelectorAll(".article-body > p, .article-body > .changed, .article-body li")).filter(e => {
		if (e.getClientRects().length === 0 || !/:\s*$/.test(e.innerText)) return false;
		let next = e.nextElementSibling;
		while (next && next.getClientRects().length === 0) next = next.nextElementSibling;
		return !next || /^(H[1-6]|P)$/.test(next.tagName);
	}).map(e => e.innerText.slice(-80)))`)
	var ds []string
	if err := json.Unmarshal([]byte(dangling), &ds); err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Errorf("day 9: a sentence introduces nothing: %q", d)
	}
}

// checkListDetector shows that orderedListProblems finds what broke day
// 9's list (each item a list of its own inside a changed span: "1. 1. 2.
// 2.") and a list that restarts after a code block, and passes a list that
// continues after one.
func checkListDetector(t *testing.T, tab context.Context) {
	t.Helper()
	const broken = `<main><p><span class="changed"><del><ol><li>Sign up</li></ol></del> <ins><ol><li>Install Docker</li></ol></ins></span>
<span class="changed"><del><ol start="2"><li>Install awscli</li></ol></del></span></p>
<ol><li>one</li><li>two</li></ol><div class="code-block"><pre>x</pre></div><ol start="2"><li>again two</li></ol>
<h2>next</h2><ol><li>a</li></ol><div class="code-block"><pre>y</pre></div><ol start="2"><li>b</li></ol></main>`
	if err := chromedp.Do(tab, chromedp.Navigate("data:text/html,"+strings.ReplaceAll(broken, "#", "%23"))); err != nil {
		t.Fatal(err)
	}
	var bad []string
	if err := json.Unmarshal([]byte(evalString(t, tab, "list detector", orderedListProblems)), &bad); err != nil {
		t.Fatal(err)
	}
	// The parser moves the first <ol> out of the paragraph: it then
	// follows as a list restarting at 1 right after another.
	want := []string{"list inside prose", "list inside prose", "numbering starts again at 1", "restarts at 2 after 2"}
	got := strings.Join(bad, "\n")
	for _, w := range want {
		if strings.Count(got, w) < strings.Count(strings.Join(want, "\n"), w) {
			t.Errorf("the ordered-list check missed %q; it found:\n%s", w, got)
		}
	}
	if len(bad) != len(want) {
		t.Errorf("the ordered-list check found %d problems, want %d:\n%s", len(bad), len(want), got)
	}
}
