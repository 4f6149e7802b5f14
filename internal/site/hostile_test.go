package site_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/site"
)

// hostileArticle puts an injection attempt into every front matter field
// the site shows, every code block attribute a page shows (language, file
// path and so the step name, original note), heading attributes and link
// URLs. Each attempt carries a marker (XSS-...) to prove the value reached
// the page, as text.
const hostileArticle = "---\n" +
	`title: "<script>alert('XSS-title')</script>"` + "\n" +
	"date: 2000-12-02\nday: 2\nyear: 2000\n" +
	`authors: ["Eve <script>alert('XSS-author')</script>"]` + "\n" +
	`editors: ["<svg onload=alert('XSS-editor')>"]` + "\n" +
	`handles: {"Eve <script>alert('XSS-author')</script>": "\"><img src=x onerror=alert('XSS-handle')>", "<svg onload=alert('XSS-editor')>": "javascript:alert('XSS-edhandle')"}` + "\n" +
	`tags: ["<b onmouseover=alert('XSS-tag')>"]` + "\n" +
	`summary: "<img src=x onerror=alert('XSS-summary')> [s](javascript:alert('XSS-summarylink'))"` + "\n" +
	"lab: hostile-lab\n" +
	"---\n\n" +
	`## Heading XSS-heading {onclick="alert('XSS-h1')" :onclick="alert('XSS-h0')" on:mouseover="alert('XSS-h2')" ONFOCUS="alert('XSS-h3')" style="x" class="c\" onblur=\"alert('XSS-h4')"}` + "\n\n" +
	"Text with a [link](javascript:alert('XSS-link')), ![an image](javascript:alert('XSS-img')) and <javascript:alert('XSS-autolink')>.\n\n" +
	"```yaml {role=\"env\"}\nclusters:\n  - name: k\n```\n\n" +
	"~~~console {original=\"2017\" note=\"[n](javascript:alert('XSS-notelink')) XSS-notetext `<script>alert('XSS-notecode')</script>`\"}\n$ echo old\n~~~\n\n" +
	"```console {step=\"one\"}\n$ echo hi\nhi\n```\n\n" +
	"```console\"onmouseover=\"alert('XSS-lang')\n$ echo plain\n```\n\n" +
	"```text {file=\"<img src=x onerror=alert('XSS-file')>\"}\nx\n```\n\n" +
	// Blocks in a footnote and a definition: Hugo renders them, so advent
	// reads them; the highlighter options allowed keep to their values.
	"A note.[^n]\n\n" +
	"[^n]: The note.\n\n" +
	"    ```console {step=\"footnote-step\" lineNos=true anchorLineNos=true lineAnchors=\"fn\"}\n    $ echo XSS-footnote\n    ```\n\n" +
	"Term\n: Definition.\n\n" +
	"    ```console {step=\"definition-step\" lineNos=table hl_lines=\"1\"}\n    $ echo XSS-definition\n    ```\n"

// hostileResults is a results file for the hostile lab with an injection
// attempt in every field a page shows: the failing version (which is also
// first_failing, the "broke on" notice), the reasons, mode, tool versions,
// stand-in images.
const hostileResults = `{
  "schema": "advent.results/v1",
  "lab": "hostile-lab",
  "title": "<script>alert('XSS-rtitle')</script>",
  "source": "content/2000/02-hostile.md",
  "first_failing": "v1.34\"><script>alert('XSS-ff')</script>",
  "runs": [
    {"kubernetes": "v1.33<img src=x onerror=alert('XSS-passver')>", "mode": "online", "started": "2026-11-19T09:00:00Z",
     "status": "pass", "versions": {"helm": "<script>alert('XSS-helm')</script>"}, "cache_key": "a",
     "steps": [{"name": "one", "kind": "run", "line": 20, "status": "pass"}]},
    {"kubernetes": "v1.34\"><script>alert('XSS-ff')</script>", "mode": "<script>alert('XSS-mode')</script>",
     "started": "2026-11-20T09:00:00Z", "status": "fail", "reason": "<script>alert('XSS-reason')</script>",
     "versions": {"helm": "<script>alert('XSS-helm')</script>", "kind": "javascript:alert('XSS-kind')"},
     "stand_ins": ["<script>alert('XSS-standin')</script>"], "cache_key": "b",
     "steps": [
       {"name": "one", "kind": "run", "line": 20, "status": "fail", "reason": "<img src=x onerror=alert('XSS-stepreason')>"},
       {"name": "write <img src=x onerror=alert('XSS-file')>", "kind": "file", "line": 25, "status": "<script>alert('XSS-status')</script>"}
     ]}
  ]
}
`

// TestHostileInputStaysInert builds the site with hostile values in every
// field a page shows and fails on any on* attribute, <script> element or
// javascript: URL in the output that a build of the same site without them
// does not have: what the site's own templates put there is allowed,
// nothing from the input is.
func TestHostileInputStaysInert(t *testing.T) {
	clean := copyProjectWithFixture(t)
	allowed := executables(t, build(t, clean, site.Options{}))

	root := copyProjectWithFixture(t)
	write(t, filepath.Join(root, "content/2000/02-hostile.md"), []byte(hostileArticle))
	results := t.TempDir()
	write(t, filepath.Join(results, "hostile.json"), []byte(hostileResults))
	out := build(t, root, site.Options{Results: results})
	got := executables(t, out)

	var injected []string
	for sig, where := range got {
		if _, ok := allowed[sig]; !ok {
			injected = append(injected, where+": "+sig)
		}
	}
	sort.Strings(injected)
	for _, s := range injected {
		t.Errorf("executable content from the input: %s", s)
	}

	// The values did reach the pages, as text: the test is not vacuous.
	var all strings.Builder
	for _, p := range htmlPages(t, out) {
		all.WriteString(pageStrings(p.doc))
	}
	for _, m := range []string{"XSS-title", "XSS-author", "XSS-handle", "XSS-tag", "XSS-heading", "XSS-notetext",
		"XSS-notecode", "XSS-lang", "XSS-file", "XSS-ff", "XSS-passver", "XSS-stepreason",
		"XSS-footnote", "XSS-definition", "footnote-step", "definition-step"} {
		if !strings.Contains(all.String(), m) {
			t.Errorf("marker %s appears nowhere in the site: the test no longer shows that value", m)
		}
	}
}

// hostileFiles are inputs Hugo would publish, or obey, that advent does not
// model: each is refused before Hugo runs, at its position.
var hostileFiles = []struct {
	name  string
	files map[string]string
	want  string // the error's first line
}{
	{"lineAnchors in a footnote", map[string]string{"content/2000/03-x.md": hostileHeader(3) +
		"A note.[^1]\n\n[^1]: The note.\n\n    ```console {lineNos=true anchorLineNos=true lineAnchors=\"\\\"><img src=x onerror=alert(1)>\"}\n    $ echo\n    ```\n"},
		`content/2000/03-x.md:14:49: highlighter option lineAnchors="\"><img src=x onerror=alert(1)>": want a letter then up to 63 letters, digits, - or _`},
	{"wrapperClass in a definition", map[string]string{"content/2000/03-x.md": hostileHeader(3) +
		"Term\n: Definition.\n\n    ```console {wrapperClass=\"x\\\"><script>alert(1)</script>\"}\n    $ echo\n    ```\n"},
		`content/2000/03-x.md:13:17: highlighter option "wrapperClass" is not allowed`},
	{"highlight shortcode", map[string]string{"content/2000/03-x.md": hostileHeader(3) +
		"{{< highlight go \"lineNos=table, anchorLineNos=true, lineAnchors=\\\"><img src=x onerror=alert(1)>\" >}}\nx\n{{< /highlight >}}\n"},
		`content/2000/03-x.md:10:1: shortcode "highlight" is not one of the site's (layouts/_shortcodes: changed, missing-image)`},
	{"fence after a shortcode", map[string]string{"content/2000/03-x.md": hostileHeader(3) +
		"{{< changed was=\"x\" >}}```console {wrapperClass=\"x\\\"><script>\"}\nx\n```{{< /changed >}}\n"},
		`content/2000/03-x.md:10:1: a code fence on the line of shortcode "changed"`},
	{"content adapter", map[string]string{"content/2000/_content.gotmpl": `{{ $.AddPage (dict "path" "x" "title" "<script>alert(1)</script>") }}`},
		"content/2000/_content.gotmpl:1:1: content adapter: Hugo would make pages from this template without advent's checks"},
	{"SVG under content", map[string]string{"content/2000/x.svg": "<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"},
		`content/2000/x.svg: file type ".svg" is not allowed under content/: an SVG file can carry script`},
	{"JavaScript under content", map[string]string{"content/2000/x.js": "alert(1)"},
		`content/2000/x.js: file type ".js" is not allowed under content/`},
	{"script in static", map[string]string{"static/x.shtml": "<script>alert(1)</script>"},
		`static/x.shtml: file type ".shtml" is not allowed under static/`},
	{"url javascript:", map[string]string{"content/2000/03-x.md": strings.Replace(hostileHeader(3), "---\ntitle", "---\nurl: \"javascript:alert(1)\"\ntitle", 1)},
		`content/2000/03-x.md:2:1: front matter key "url" changes where or whether Hugo publishes the page`},
	{"url over the home page", map[string]string{"content/2000/03-x.md": strings.Replace(hostileHeader(3), "---\ntitle", "---\nurl: /\ntitle", 1)},
		`content/2000/03-x.md:2:1: front matter key "url" changes where`},
	{"cascade draft", map[string]string{"content/2000/_index.md": "---\ntitle: \"SysAdvent 2000\"\nyear: 2000\ncascade:\n  draft: true\n---\n"},
		`content/2000/_index.md:4:1: front matter key "cascade" changes where`},
	{"committed page model", map[string]string{"data/advent/page.json": `{"blocks": {}}`},
		"data/advent: hugo.Data.advent is computed by advent"},
	{"page model in another format", map[string]string{".advent/data/page.yaml": "blocks: {}\n"},
		".advent/data/page.yaml: advent writes .advent/data itself"},
}

// hostileHeader is the front matter of a good article of day in 2000.
func hostileHeader(day int) string {
	return fmt.Sprintf("---\ntitle: \"X\"\ndate: 2000-12-%02d\nday: %d\nyear: 2000\nauthors: [\"A\"]\nhandles: {\"A\": \"a\"}\n---\n\n", day, day)
}

// TestHostileInputRefused: what Hugo would publish or obey beyond advent's
// model is an input error at its position (exit 2), and the build writes
// nothing: no output directory, no .public.tmp-* beside it.
func TestHostileInputRefused(t *testing.T) {
	base := copyProjectWithFixture(t)
	for _, c := range hostileFiles {
		t.Run(c.name, func(t *testing.T) {
			root := t.TempDir()
			if err := os.CopyFS(root, os.DirFS(base)); err != nil {
				t.Fatal(err)
			}
			for name, body := range c.files {
				if err := os.MkdirAll(filepath.Dir(filepath.Join(root, filepath.FromSlash(name))), 0o755); err != nil {
					t.Fatal(err)
				}
				write(t, filepath.Join(root, filepath.FromSlash(name)), []byte(body))
			}
			out := t.TempDir()
			dest := filepath.Join(out, "public")
			_, err := site.Build(context.Background(), site.Options{Root: root, Destination: dest, Quiet: true})
			if err == nil {
				t.Fatalf("built; want %s", c.want)
			}
			if !diag.IsInput(err) {
				t.Errorf("not an input error (exit 1, not 2): %v", err)
			}
			if first, _, _ := strings.Cut(err.Error(), "\n"); !strings.HasPrefix(first, c.want) {
				t.Errorf("error:\n%v\nwant first line %s", err, c.want)
			}
			if left, _ := os.ReadDir(out); len(left) > 0 {
				t.Errorf("the build left %s beside public/", left[0].Name())
			}
		})
	}
}

// executables returns the signatures of the executable content of every
// page under dir (<script> elements, on* attributes, javascript: URLs),
// each with the first page it is on.
func executables(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, p := range htmlPages(t, dir) {
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			if n.Type == html.ElementNode {
				if n.Data == "script" {
					var body strings.Builder
					for c := n.FirstChild; c != nil; c = c.NextSibling {
						body.WriteString(c.Data)
					}
					addSig(out, "<script src="+attrOr(n, "src")+">"+body.String(), p.file)
				}
				for _, a := range n.Attr {
					if strings.HasPrefix(strings.ToLower(a.Key), "on") {
						addSig(out, "<"+n.Data+" "+a.Key+"="+a.Val+">", p.file)
					}
					if isJavaScriptURL(a.Val) {
						addSig(out, "<"+n.Data+" "+a.Key+"="+a.Val+">", p.file)
					}
				}
			}
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				walk(c)
			}
		}
		walk(p.doc)
	}
	return out
}

func addSig(m map[string]string, sig, file string) {
	if _, ok := m[sig]; !ok {
		m[sig] = file
	}
}

// isJavaScriptURL reports whether a browser would run v as a URL: its
// scheme, with the whitespace and control characters browsers skip
// removed, is javascript: (or vbscript:).
func isJavaScriptURL(v string) bool {
	var b strings.Builder
	for _, r := range v {
		if r > ' ' {
			b.WriteRune(r)
		}
	}
	s := strings.ToLower(b.String())
	return strings.HasPrefix(s, "javascript:") || strings.HasPrefix(s, "vbscript:")
}

// pageStrings is the text and attribute values of a page.
func pageStrings(n *html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
			b.WriteByte('\n')
		}
		for _, a := range n.Attr {
			b.WriteString(a.Val)
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// TestCancelLeavesPublicAlone: a build cancelled while Hugo renders (Ctrl-C)
// returns context.Canceled, leaves the previous public/ exactly as it was,
// and has removed Hugo's temporary output by the time it returns (the
// process exits then: nothing may be left for later).
func TestCancelLeavesPublicAlone(t *testing.T) {
	root := copyProject(t)
	dest := filepath.Join(t.TempDir(), "public")
	opts := site.Options{Root: root, Destination: dest, Quiet: true}
	if _, err := site.Build(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	sentinel := filepath.Join(dest, "sentinel")
	write(t, sentinel, []byte("the old build"))
	before, err := os.ReadFile(filepath.Join(dest, "index.html"))
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	// Cancel once Hugo has started: its temporary output directory
	// appears beside public/.
	go func() {
		deadline := time.Now().Add(30 * time.Second)
		for time.Now().Before(deadline) {
			if m, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".public.tmp-*")); len(m) > 0 {
				break
			}
			time.Sleep(time.Millisecond)
		}
		cancel()
	}()
	start := time.Now()
	_, err = site.Build(ctx, opts)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled build: %v, want context.Canceled", err)
	}
	t.Logf("cancelled build returned after %s", time.Since(start))
	if b, err := os.ReadFile(sentinel); err != nil || string(b) != "the old build" {
		t.Errorf("public/ was replaced: sentinel %q, %v", b, err)
	}
	if after, err := os.ReadFile(filepath.Join(dest, "index.html")); err != nil || string(after) != string(before) {
		t.Errorf("public/index.html changed: %v", err)
	}
	if m, _ := filepath.Glob(filepath.Join(filepath.Dir(dest), ".public.tmp-*")); len(m) > 0 {
		t.Errorf("Hugo's temporary output outlives the cancelled build: %v", m)
	}
	if m, _ := filepath.Glob(filepath.Join(root, ".advent", "config-*.toml")); len(m) > 0 {
		t.Errorf("the build's config override outlives it: %v", m)
	}
}
