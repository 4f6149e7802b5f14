package site_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// page is one parsed HTML file of a built site.
type page struct {
	file string // path relative to the site root, slash-separated
	doc  *html.Node
}

func parseFile(t testing.TB, path string) *html.Node {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := html.Parse(f)
	if err != nil {
		t.Fatalf("parse %s: %v", path, err)
	}
	return doc
}

// htmlPages parses every .html file under dir.
func htmlPages(t testing.TB, dir string) []page {
	t.Helper()
	var pages []page
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() || !strings.HasSuffix(p, ".html") {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		pages = append(pages, page{file: filepath.ToSlash(rel), doc: parseFile(t, p)})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) == 0 {
		t.Fatalf("no HTML pages in %s", dir)
	}
	return pages
}

func attr(n *html.Node, name string) (string, bool) {
	for _, a := range n.Attr {
		if a.Key == name {
			return a.Val, true
		}
	}
	return "", false
}

func attrOr(n *html.Node, name string) string {
	v, _ := attr(n, name)
	return v
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attrOr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// findAll returns the elements under n (n included) that match.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func find(n *html.Node, match func(*html.Node) bool) *html.Node {
	if all := findAll(n, match); len(all) > 0 {
		return all[0]
	}
	return nil
}

// sel matches an element by tag ("" for any) and class ("" for any).
func sel(tag, class string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		return (tag == "" || n.Data == tag) && (class == "" || hasClass(n, class))
	}
}

// withAttr matches elements whose attribute name has value (any value when value is "").
func withAttr(name, value string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		v, ok := attr(n, name)
		return ok && (value == "" || v == value)
	}
}

func and(ms ...func(*html.Node) bool) func(*html.Node) bool {
	return func(n *html.Node) bool {
		for _, m := range ms {
			if !m(n) {
				return false
			}
		}
		return true
	}
}

// text is the text content of n, whitespace collapsed.
func text(n *html.Node) string {
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
	return strings.Join(strings.Fields(b.String()), " ")
}

// nextElement is the next element sibling of n, or nil.
func nextElement(n *html.Node) *html.Node {
	for s := n.NextSibling; s != nil; s = s.NextSibling {
		if s.Type == html.ElementNode {
			return s
		}
	}
	return nil
}

// parentElement is the nearest ancestor element matching m, or nil.
func ancestor(n *html.Node, m func(*html.Node) bool) *html.Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == html.ElementNode && m(p) {
			return p
		}
	}
	return nil
}
