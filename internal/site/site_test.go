package site_test

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/site"
)

// maxPageWeight is the budget of an article page: its HTML plus the CSS
// and JavaScript it references, before compression. The heaviest page (day
// 5, every step verified on two versions) carries 31 status lines that
// link to the About page and the two readings' control and styles.
const maxPageWeight = 110_000

var shared struct {
	once sync.Once
	root string // a copy of the project with the fixture tutorial
	out  string // its build, without results or site data
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.root != "" {
		os.RemoveAll(shared.root)
	}
	if shared.out != "" {
		os.RemoveAll(filepath.Dir(shared.out))
	}
	os.Exit(code)
}

// sharedSite is the real site (plus the fixture tutorial) built once for
// the read-only tests. It lives outside t.TempDir so tests can share it.
func sharedSite(t *testing.T) (root, out string) {
	t.Helper()
	shared.once.Do(func() {
		root, err := os.MkdirTemp("", "advent-site-root-")
		if err != nil {
			shared.err = err
			return
		}
		shared.root = root
		if err := copyParts(repoRoot(t), root); err != nil {
			shared.err = err
			return
		}
		if err := addFixture(repoRoot(t), root); err != nil {
			shared.err = err
			return
		}
		outDir, err := os.MkdirTemp("", "advent-site-out-")
		if err != nil {
			shared.err = err
			return
		}
		shared.out = filepath.Join(outDir, "public")
		_, shared.err = site.Build(context.Background(), site.Options{Root: root, Destination: shared.out, Quiet: true})
	})
	if shared.err != nil {
		t.Fatalf("build: %v", shared.err)
	}
	return shared.root, shared.out
}

// articlePage is where an article's page is written: content/2017/05-x.md
// -> 2017/05-x/index.html.
func articlePage(a *content.Article) string {
	p := strings.TrimSuffix(strings.TrimPrefix(a.Path, "content/"), ".md")
	return p + "/index.html"
}

func loadArticles(t *testing.T, root string) []*content.Article {
	t.Helper()
	arts, err := content.LoadDir(root, "content")
	if err != nil {
		t.Fatal(err)
	}
	arts = content.Articles(arts)
	if len(arts) == 0 {
		t.Fatal("no articles")
	}
	return arts
}

func TestDestinationAbsolute(t *testing.T) {
	root := copyProject(t)
	dest := filepath.Join(t.TempDir(), "elsewhere", "site")
	res, err := site.Build(context.Background(), site.Options{Root: root, Destination: dest, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Dir != dest {
		t.Errorf("Result.Dir = %s, want %s", res.Dir, dest)
	}
	if _, err := os.Stat(filepath.Join(dest, "index.html")); err != nil {
		t.Errorf("no index.html in the absolute destination: %v", err)
	}
	if _, err := os.Stat(filepath.Join(root, "public")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the build wrote %s/public too (err %v)", root, err)
	}
	if res.Articles != len(loadArticles(t, root)) {
		t.Errorf("Result.Articles = %d, want %d", res.Articles, len(loadArticles(t, root)))
	}
}

func TestArticlePages(t *testing.T) {
	root, out := sharedSite(t)
	for _, a := range loadArticles(t, root) {
		t.Run(a.Path, func(t *testing.T) {
			file := filepath.Join(out, articlePage(a))
			if _, err := os.Stat(file); err != nil {
				t.Fatalf("no page for %s: %v", a.Path, err)
			}
			doc := parseFile(t, file)
			article := find(doc, sel("article", "article"))
			if article == nil {
				t.Fatal("no <article class=article>")
			}
			h1 := find(article, sel("h1", ""))
			if h1 == nil || text(h1) != strings.Join(strings.Fields(a.Title), " ") {
				t.Errorf("h1 = %q, want %q", text(h1), a.Title)
			}
			byline := find(article, sel("p", "byline"))
			if byline == nil {
				t.Fatal("no byline")
			}
			for _, who := range a.Authors {
				if !strings.Contains(text(byline), who) {
					t.Errorf("byline %q does not name %q", text(byline), who)
				}
			}
			blocks := findAll(article, sel("div", "code-block"))
			if len(blocks) != len(a.Blocks) {
				t.Errorf("%d code blocks on the page, %d in the source", len(blocks), len(a.Blocks))
			}
			for i, b := range a.Blocks {
				if i >= len(blocks) {
					break
				}
				lang := b.Lang
				if lang == "" {
					lang = "text"
				}
				if got := attrOr(blocks[i], "data-lang"); got != lang {
					t.Errorf("block %d (line %d): data-lang %q, want %q", i, b.Line, got, lang)
				}
				if _, ok := b.Attr("original"); ok != hasClass(blocks[i], "code-block--original") {
					t.Errorf("block %d (line %d): original is %v in the source but not on the page", i, b.Line, ok)
				}
			}
		})
	}
}

func TestCalendarLinks(t *testing.T) {
	root, out := sharedSite(t)
	arts := loadArticles(t, root)
	titles := map[string]string{} // page file -> title
	for _, a := range arts {
		titles[articlePage(a)] = strings.Join(strings.Fields(a.Title), " ")
	}
	for _, file := range []string{"index.html", "2017/index.html"} {
		doc := parseFile(t, filepath.Join(out, file))
		links := findAll(doc, sel("a", "day-link"))
		want := 0
		for _, a := range arts {
			if file == "index.html" || strings.HasPrefix(a.Path, "content/2017/") {
				want++
			}
		}
		if len(links) != want {
			t.Errorf("%s: %d calendar links, want %d (one per article)", file, len(links), want)
		}
		for _, l := range links {
			href := attrOr(l, "href")
			target := strings.TrimPrefix(href, "/") + "index.html"
			title, ok := titles[target]
			if !ok {
				t.Errorf("%s: calendar link %q is not an article page", file, href)
				continue
			}
			if got := text(find(l, sel("span", "day-title"))); got != title {
				t.Errorf("%s: calendar link %q is titled %q, want %q", file, href, got, title)
			}
		}
	}
}

func TestInternalLinks(t *testing.T) {
	_, out := sharedSite(t)
	checkLinks(t, out)
}

// checkLinks checks every internal link and resource of the site in dir:
// the target file exists and the #fragment is an id on the target page.
func checkLinks(t *testing.T, dir string) {
	t.Helper()
	pages := htmlPages(t, dir)
	ids := map[string]map[string]bool{}
	for _, p := range pages {
		set := map[string]bool{}
		for _, n := range findAll(p.doc, withAttr("id", "")) {
			set[attrOr(n, "id")] = true
		}
		for _, n := range findAll(p.doc, and(sel("a", ""), withAttr("name", ""))) {
			set[attrOr(n, "name")] = true
		}
		ids[p.file] = set
	}
	links, brokenLinks, brokenAnchors := 0, 0, 0
	for _, p := range pages {
		base := &url.URL{Path: "/" + p.file}
		for _, n := range findAll(p.doc, func(n *html.Node) bool { return true }) {
			for _, key := range []string{"href", "src"} {
				v, ok := attr(n, key)
				if !ok {
					continue
				}
				u, err := url.Parse(strings.TrimSpace(v))
				if err != nil || v == "" {
					t.Errorf("%s: <%s %s=%q>: bad URL", p.file, n.Data, key, v)
					brokenLinks++
					continue
				}
				if u.Scheme != "" || u.Host != "" {
					continue // another site, mailto:, data: (checked elsewhere)
				}
				links++
				abs := base.ResolveReference(u)
				target := strings.TrimPrefix(abs.Path, "/")
				if target == "" || strings.HasSuffix(target, "/") {
					target += "index.html"
				}
				st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(target)))
				if err == nil && st.IsDir() {
					target = path.Join(target, "index.html")
					_, err = os.Stat(filepath.Join(dir, filepath.FromSlash(target)))
				}
				if err != nil {
					t.Errorf("%s: <%s %s=%q>: %s does not exist", p.file, n.Data, key, v, target)
					brokenLinks++
					continue
				}
				if u.Fragment != "" && strings.HasSuffix(target, ".html") {
					if !ids[target][u.Fragment] {
						t.Errorf("%s: <%s %s=%q>: no id %q on %s", p.file, n.Data, key, v, u.Fragment, target)
						brokenAnchors++
					}
				}
			}
		}
	}
	if links == 0 {
		t.Error("no internal links found at all")
	}
	t.Logf("%d pages, %d internal links: %d broken links, %d broken anchors", len(pages), links, brokenLinks, brokenAnchors)
}

func TestFeedsAndSitemapAreXML(t *testing.T) {
	_, out := sharedSite(t)
	var files []string
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".xml") {
			files = append(files, p)
		}
		return nil
	})
	want := map[string]string{"index.xml": "rss", "2017/index.xml": "rss", "sitemap.xml": "urlset"}
	seen := map[string]bool{}
	for _, f := range files {
		rel, _ := filepath.Rel(out, f)
		rel = filepath.ToSlash(rel)
		root := xmlRoot(t, f)
		// Feed readers and crawlers need absolute URLs.
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`<(link|loc|guid)>([^<]*)<`).FindAllStringSubmatch(string(b), -1) {
			if !strings.HasPrefix(m[2], "https://sysadvent.github.io/") {
				t.Errorf("%s: <%s>%s is not an absolute URL on site.toml's baseURL", rel, m[1], m[2])
			}
		}
		if w, ok := want[rel]; ok {
			seen[rel] = true
			if root != w {
				t.Errorf("%s: root element <%s>, want <%s>", rel, root, w)
			}
		} else if strings.HasSuffix(rel, "/index.xml") && root != "rss" {
			t.Errorf("%s: root element <%s>, want <rss>", rel, root)
		}
	}
	for f := range want {
		if !seen[f] {
			t.Errorf("no %s", f)
		}
	}
}

// xmlRoot checks that the file is well-formed XML and returns its root
// element's name.
func xmlRoot(t *testing.T, file string) string {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dec := xml.NewDecoder(f)
	root := ""
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Errorf("%s: not well-formed XML: %v", file, err)
			return root
		}
		if se, ok := tok.(xml.StartElement); ok && root == "" {
			root = se.Name.Local
		}
	}
	return root
}

func TestNoRequestLeavesTheSite(t *testing.T) {
	_, out := sharedSite(t)
	for _, p := range htmlPages(t, out) {
		for _, n := range findAll(p.doc, func(n *html.Node) bool {
			switch n.Data {
			case "script", "link", "img", "iframe", "source", "video", "audio", "embed", "object", "track", "input":
				return true
			}
			return false
		}) {
			for _, key := range []string{"src", "href", "data", "poster", "srcset"} {
				v, ok := attr(n, key)
				if !ok {
					continue
				}
				l := strings.ToLower(strings.TrimSpace(v))
				if strings.HasPrefix(l, "http:") || strings.HasPrefix(l, "https:") || strings.HasPrefix(l, "//") {
					t.Errorf("%s: <%s %s=%q> loads from another site", p.file, n.Data, key, v)
				}
			}
			if n.Data == "script" {
				typ, _ := attr(n, "type")
				_, deferred := attr(n, "defer")
				if !deferred && typ != "module" {
					t.Errorf("%s: <script src=%q> has neither defer nor type=module", p.file, attrOr(n, "src"))
				}
			}
		}
		for _, n := range findAll(p.doc, withAttr("style", "")) {
			if strings.Contains(attrOr(n, "style"), "url(") {
				t.Errorf("%s: <%s style=%q> loads a resource", p.file, n.Data, attrOr(n, "style"))
			}
		}
	}
	// Stylesheets must not pull anything in either.
	filepath.WalkDir(out, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".css") {
			return nil
		}
		b, _ := os.ReadFile(p)
		s := strings.ToLower(string(b))
		if strings.Contains(s, "@import") || strings.Contains(s, "url(http") || strings.Contains(s, "url(//") || strings.Contains(s, "url(\"http") || strings.Contains(s, "url('http") {
			t.Errorf("%s imports or loads a remote resource", p)
		}
		return nil
	})
}

func TestPageWeight(t *testing.T) {
	// The heaviest case: every lab step verified, and the findings of
	// internal/lint beside the 2017 originals, as `advent build` shows them.
	root := copyProject(t)
	arts := loadArticles(t, root)
	results := t.TempDir()
	writeAllPassing(t, root, results, arts)
	findings, err := lint.Paths(root, nil, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) == 0 {
		t.Error("internal/lint found nothing in the 2017 originals: the weight is measured without findings")
	}
	out := build(t, root, site.Options{Results: results, Lint: &lint.Options{}})
	heaviest, heaviestWeight := "", 0
	for _, a := range arts {
		file := filepath.Join(out, articlePage(a))
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		weight := len(b)
		doc := parseFile(t, file)
		for _, n := range findAll(doc, func(n *html.Node) bool {
			return (n.Data == "link" && attrOr(n, "rel") == "stylesheet") || (n.Data == "script" && attrOr(n, "src") != "")
		}) {
			ref := attrOr(n, "href")
			if n.Data == "script" {
				ref = attrOr(n, "src")
			}
			st, err := os.Stat(filepath.Join(out, filepath.FromSlash(strings.TrimPrefix(ref, "/"))))
			if err != nil {
				t.Fatalf("%s: %v", a.Path, err)
			}
			weight += int(st.Size())
		}
		if weight > maxPageWeight {
			t.Errorf("%s weighs %d bytes (HTML %d + CSS/JS), over the %d budget", a.Path, weight, len(b), maxPageWeight)
		}
		if weight > heaviestWeight {
			heaviest, heaviestWeight = a.Path, weight
		}
	}
	t.Logf("heaviest page: %s, %d bytes with its CSS and JS", heaviest, heaviestWeight)
	checkLinks(t, out)
}

// writeAllPassing writes a passing results file for every lab of arts:
// one run on each of two Kubernetes versions, every step passed.
func writeAllPassing(t *testing.T, root, dir string, arts []*content.Article) []*lab.Lab {
	t.Helper()
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range labs {
		f := &report.File{Lab: l.Name, Title: l.Title, Source: l.Source}
		for i, k := range []string{"v1.33.4", "v1.34.1"} {
			run := &report.Run{
				Kubernetes: k, Mode: images.Online,
				Versions: report.Versions{Kind: "v0.33.0", Helm: "v4.3.2", Kubectl: "v1.37.2", Kubernetes: k},
				Started:  time.Date(2026, 11, 20+i, 9, 0, 0, 0, time.UTC),
			}
			for _, s := range l.Steps {
				run.Steps = append(run.Steps, &report.Step{Name: s.Name, Kind: s.Kind, Role: s.Role, Line: s.Line, Status: report.Pass})
			}
			run.Tally()
			f.Merge(run)
		}
		if err := report.Write(filepath.Join(dir, l.Name+"-ci.json"), f); err != nil {
			t.Fatal(err)
		}
	}
	return labs
}

// TestBuildWithARelativeRoot: a root given relative to the working
// directory (advent build -root DIR) gets its site in DIR/public and
// leaves no temporary directory behind; Hugo resolves a relative
// destination against its source, not the working directory.
func TestBuildWithARelativeRoot(t *testing.T) {
	root := copyProject(t)
	t.Chdir(filepath.Dir(root))
	if _, err := site.Build(context.Background(), site.Options{Root: filepath.Base(root), Quiet: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "public", "index.html")); err != nil {
		t.Errorf("no site in the root's public/: %v", err)
	}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && strings.HasPrefix(d.Name(), ".public.tmp-") {
			t.Errorf("left behind: %s", p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestScheduledArticlesAreCounted: an article dated after the build is
// left out by Hugo until its date; the build's count says so instead of
// counting it as built.
func TestScheduledArticlesAreCounted(t *testing.T) {
	root := copyProject(t)
	year := time.Now().Year() + 1
	dir := filepath.Join(root, "content", strconv.Itoa(year))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(dir, "_index.md"), []byte(fmt.Sprintf("---\ntitle: \"SysAdvent %d\"\nyear: %d\n---\n", year, year)))
	write(t, filepath.Join(dir, "01-later.md"), []byte(fmt.Sprintf("---\ntitle: Later\ndate: %d-12-01\nday: 1\nyear: %d\nauthors: [\"A\"]\nhandles: {\"A\": \"a\"}\n---\n\nText.\n", year, year)))
	res, err := site.Build(context.Background(), site.Options{Root: root, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	if res.Articles != 7 || res.Scheduled != 1 {
		t.Errorf("built %d articles, %d scheduled; want 7 and 1", res.Articles, res.Scheduled)
	}
	if _, err := os.Stat(filepath.Join(res.Dir, strconv.Itoa(year), "01-later", "index.html")); err == nil {
		t.Errorf("Hugo published the article dated %d-12-01 already", year)
	}
}
