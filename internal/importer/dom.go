package importer

import (
	"bytes"
	"strings"
	"unicode"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// walkElements calls f on every node under n (comments included), in
// document order; f returns whether to descend into the node. f may
// replace the node it is given.
func walkElements(n *xhtml.Node, f func(*xhtml.Node) bool) {
	for c := n.FirstChild; c != nil; {
		next := c.NextSibling
		if (c.Type == xhtml.ElementNode || c.Type == xhtml.CommentNode) && !f(c) {
			c = next
			continue
		}
		walkElements(c, f)
		c = next
	}
}

func find(n *xhtml.Node, a atom.Atom) *xhtml.Node {
	if n.Type == xhtml.ElementNode && n.DataAtom == a {
		return n
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if f := find(c, a); f != nil {
			return f
		}
	}
	return nil
}

func attr(n *xhtml.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func setAttr(n *xhtml.Node, key, val string) {
	for i := range n.Attr {
		if n.Attr[i].Key == key {
			n.Attr[i].Val = val
			return
		}
	}
	n.Attr = append(n.Attr, xhtml.Attribute{Key: key, Val: val})
}

func replace(old, repl *xhtml.Node) {
	old.Parent.InsertBefore(repl, old)
	old.Parent.RemoveChild(old)
}

// visibleText is the text of n and its descendants.
func visibleText(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		if n.Type == xhtml.TextNode {
			b.WriteString(n.Data)
			b.WriteByte(' ')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// preText is a <pre> block's text as a reader sees it: <br> is a line
// break.
func preText(n *xhtml.Node) string {
	var b strings.Builder
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch {
		case n.Type == xhtml.TextNode:
			b.WriteString(n.Data)
		case n.DataAtom == atom.Br:
			b.WriteByte('\n')
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return strings.TrimPrefix(b.String(), "\n")
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > max {
		s = string(r[:max]) + "…"
	}
	return s
}

// textCount is the prose words and code lines of a document.
type textCount struct {
	words map[string]int // lower-cased words outside code, by count
	total int
	code  int // lines of <pre> blocks
}

// countText counts the words outside <pre> and unconvertible elements
// (which are kept whole) and the lines of <pre> blocks.
func countText(root *xhtml.Node) textCount {
	t := textCount{words: map[string]int{}}
	var walk func(*xhtml.Node)
	walk = func(n *xhtml.Node) {
		switch {
		case n.Type == xhtml.TextNode:
			t.add(n.Data)
			return
		case n.Type != xhtml.ElementNode && n.Type != xhtml.DocumentNode:
			return
		case n.DataAtom == atom.Pre:
			if s := strings.TrimRight(preText(n), "\n"); s != "" {
				t.code += strings.Count(s, "\n") + 1
			}
			return
		case unconvertible[n.DataAtom] || n.DataAtom == atom.Head:
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return t
}

func (t *textCount) add(s string) {
	for _, w := range strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		t.words[strings.ToLower(w)]++
		t.total++
	}
}

// count fills the output side of c from the Markdown out (rendered as a
// reader sees it) against the source's in.
func (c *Counts) count(in textCount, out string) {
	var buf bytes.Buffer
	md := goldmark.New(goldmark.WithExtensions(extension.GFM))
	if err := md.Convert([]byte(out), &buf); err != nil {
		return
	}
	doc, err := xhtml.Parse(&buf)
	if err != nil {
		return
	}
	o := countText(doc)
	c.WordsIn, c.WordsOut = in.total, o.total
	c.CodeOut = o.code - c.KeptCode
	for w, n := range in.words {
		if d := n - o.words[w]; d > 0 {
			c.Dropped += d
		}
	}
}
