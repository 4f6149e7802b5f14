package importer

import (
	"bytes"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	htmltomarkdown "github.com/JohannesKaufmann/html-to-markdown/v2/converter"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/base"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/commonmark"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/strikethrough"
	"github.com/JohannesKaufmann/html-to-markdown/v2/plugin/table"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer/html"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/sysadvent/advent/internal/content"
)

// KeptKind is how a piece of the source that has no Markdown form was kept.
type KeptKind string

// Kinds of kept pieces.
const (
	KeptHTML         KeptKind = "html-block"    // the element's HTML, as a fenced html block
	KeptMissingImage KeptKind = "missing-image" // an image that is not available: {{< missing-image >}}
	KeptComment      KeptKind = "comment"       // an HTML comment, invisible to readers: left out and listed
)

// Kept is one piece of the source kept in another form (or, for comments,
// left out), listed in the report.
type Kept struct {
	Kind KeptKind `json:"kind"`
	What string   `json:"what"` // "<iframe>", the image's address, ...
}

// asset is a local file (image or attachment) copied beside the article.
type asset struct {
	src  string // path in the source tree, slash-separated
	name string // file name in the page bundle
}

// converted is one article's body in Markdown, with what its conversion
// kept, copied and counted.
type converted struct {
	markdown string
	kept     []Kept
	assets   []asset
	counts   Counts
}

// Counts compares an article's text in the source and in the output.
type Counts struct {
	WordsIn  int `json:"words_in"`
	WordsOut int `json:"words_out"`
	// Dropped is the number of words of the source's text that are not in
	// the output's (compared as bags of words, outside code).
	Dropped  int `json:"dropped"`
	CodeIn   int `json:"code_lines_in"`  // lines of <pre> blocks
	CodeOut  int `json:"code_lines_out"` // lines of fenced blocks, kept HTML excluded
	KeptCode int `json:"kept_lines"`     // lines of kept HTML blocks
}

// body is what convert needs to know about one article's source.
type body struct {
	html  string
	title string // the article's title: a first <h1> saying the same is left out
	// local resolves a relative address in the body to a file of the
	// source tree (dir sources); nil when the source has no files.
	local func(ref string) (srcPath string, ok bool)
	// link rewrites an address that points at another imported article
	// to its new one.
	link func(ref string) (string, bool)
}

// unconvertible are the elements with no Markdown form: kept as a fenced
// block of their HTML (the converter would drop them and their text).
var unconvertible = map[atom.Atom]bool{
	atom.Iframe: true, atom.Script: true, atom.Style: true, atom.Object: true,
	atom.Embed: true, atom.Video: true, atom.Audio: true, atom.Form: true,
	atom.Input: true, atom.Textarea: true, atom.Select: true, atom.Button: true,
	atom.Noscript: true, atom.Canvas: true, atom.Svg: true, atom.Math: true,
	atom.Map: true, atom.Applet: true,
}

const placeholder = "ADVENTMISSINGIMAGE"

// Text that Hugo would run as a shortcode ("{{< x >}}", "{{% x %}}", in
// code blocks too) is escaped to show as written; an opening with no
// close cannot be, and is an error.
var (
	shortcodeLike = regexp.MustCompile(`\{\{([<%])(.*?)([>%])\}\}`)
	loneShortcode = regexp.MustCompile(`\{\{[<%][^/]`)
)

// convert turns b's HTML into Markdown: code blocks fenced with a
// language, unconvertible elements kept as html blocks, images copied,
// kept as absolute links or marked missing, links between imported
// articles rewritten.
func convert(b body) (*converted, error) {
	doc, err := xhtml.Parse(strings.NewReader(b.html))
	if err != nil {
		return nil, err
	}
	root := find(doc, atom.Body)
	if root == nil {
		root = doc
	}
	if h1 := find(root, atom.H1); h1 != nil && b.title != "" &&
		strings.Join(strings.Fields(visibleText(h1)), " ") == strings.Join(strings.Fields(b.title), " ") {
		// The page shows the title above the body already.
		h1.Parent.RemoveChild(h1)
	}
	c := &converted{}
	in := countText(root)
	c.counts.CodeIn = in.code
	var missing []string
	files := &assetSet{bySrc: map[string]string{}, used: map[string]bool{}}
	addAsset := func(a asset, isNew bool) {
		if isNew {
			c.assets = append(c.assets, a)
		}
	}
	walkElements(root, func(n *xhtml.Node) bool {
		switch {
		case n.Type == xhtml.CommentNode:
			c.kept = append(c.kept, Kept{Kind: KeptComment, What: oneLine(n.Data, 60)})
			return false
		case unconvertible[n.DataAtom]:
			var raw bytes.Buffer
			if err := xhtml.Render(&raw, n); err != nil {
				return false
			}
			c.counts.KeptCode += strings.Count(strings.TrimRight(raw.String(), "\n"), "\n") + 1
			c.kept = append(c.kept, Kept{Kind: KeptHTML, What: "<" + n.Data + ">"})
			replace(n, preBlock("html", raw.String()))
			return false
		case n.DataAtom == atom.Pre:
			setLanguage(n)
			return false
		case n.DataAtom == atom.Img:
			src := attr(n, "src")
			switch ref, isNew, ok := files.resolve(b, src); {
			case ok:
				addAsset(ref, isNew)
				setAttr(n, "src", ref.name)
			case isAbsoluteURL(src):
			default:
				alt := attr(n, "alt")
				if alt == "" {
					alt = path.Base(src)
				}
				c.kept = append(c.kept, Kept{Kind: KeptMissingImage, What: src})
				replace(n, &xhtml.Node{Type: xhtml.TextNode, Data: fmt.Sprintf("%s%d ", placeholder, len(missing))})
				missing = append(missing, alt)
			}
			return false
		case n.DataAtom == atom.A:
			href := attr(n, "href")
			if to, ok := rewriteLink(b, href); ok {
				setAttr(n, "href", to)
			} else if ref, isNew, ok := files.resolve(b, href); ok {
				addAsset(ref, isNew)
				setAttr(n, "href", ref.name)
			}
		}
		return true
	})
	md, err := markdownConverter().ConvertNode(root)
	if err != nil {
		return nil, err
	}
	out := shortcodeLike.ReplaceAllString(string(md), "{{$1/*$2*/$3}}")
	if loc := loneShortcode.FindStringIndex(out); loc != nil {
		return nil, fmt.Errorf("%q would open a Hugo shortcode that nothing closes", out[loc[0]:loc[1]])
	}
	for i, alt := range missing {
		out = strings.Replace(out, fmt.Sprintf("%s%d", placeholder, i), missingImage(alt), 1)
	}
	out = strings.TrimSpace(out) + "\n"
	if tag, _, ok := content.FirstRawHTML(out); ok {
		return nil, fmt.Errorf("the converted Markdown still holds raw HTML <%s>", tag)
	}
	c.markdown = out
	c.counts.count(in, out)
	return c, nil
}

func markdownConverter() *htmltomarkdown.Converter {
	return htmltomarkdown.NewConverter(htmltomarkdown.WithPlugins(
		base.NewBasePlugin(),
		commonmark.NewCommonmarkPlugin(commonmark.WithCodeBlockFence("```")),
		table.NewTablePlugin(),
		strikethrough.NewStrikethroughPlugin(),
	))
}

// missingImage is the shortcode that stands for an image that is not
// available; alt is reduced to what a quoted shortcode argument holds.
func missingImage(alt string) string {
	alt = strings.Join(strings.Fields(alt), " ")
	alt = strings.NewReplacer(`"`, "'", `\`, "/", "{{", "{ {", "}}", "} }").Replace(alt)
	return `{{< missing-image alt="` + alt + `" >}}`
}

// assetSet names the local files an article copies: one name per source
// file, unique within the bundle.
type assetSet struct {
	bySrc map[string]string
	used  map[string]bool
}

// resolve finds a relative address of b in the source tree and names its
// copy in the page bundle; new is set the first time a file is seen.
func (s *assetSet) resolve(b body, ref string) (a asset, isNew, ok bool) {
	if b.local == nil || ref == "" || isAbsoluteURL(ref) || strings.HasPrefix(ref, "#") {
		return asset{}, false, false
	}
	src, ok := b.local(ref)
	if !ok {
		return asset{}, false, false
	}
	if name, seen := s.bySrc[src]; seen {
		return asset{src: src, name: name}, false, true
	}
	name := assetName(path.Base(src))
	for i := 2; s.used[name]; i++ {
		name = fmt.Sprintf("%d-%s", i, assetName(path.Base(src)))
	}
	s.used[name], s.bySrc[src] = true, name
	return asset{src: src, name: name}, true, true
}

// assetName is a file name safe in a page bundle: lower-case letters,
// digits, dots, dashes and underscores.
func assetName(base string) string {
	var s strings.Builder
	for _, r := range strings.ToLower(base) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			s.WriteRune(r)
		default:
			s.WriteByte('-')
		}
	}
	name := strings.Trim(s.String(), ".-")
	if name == "" || name == "index.md" {
		name = "file"
	}
	return name
}

func rewriteLink(b body, href string) (string, bool) {
	if b.link == nil || href == "" {
		return "", false
	}
	return b.link(href)
}

func isAbsoluteURL(s string) bool {
	u, err := url.Parse(strings.TrimSpace(s))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https" || u.Scheme == "mailto" || u.Scheme == "ftp") ||
		strings.HasPrefix(s, "//")
}

// preBlock is <pre><code class="language-LANG">text</code></pre>.
func preBlock(lang, text string) *xhtml.Node {
	pre := &xhtml.Node{Type: xhtml.ElementNode, Data: "pre", DataAtom: atom.Pre}
	code := &xhtml.Node{Type: xhtml.ElementNode, Data: "code", DataAtom: atom.Code,
		Attr: []xhtml.Attribute{{Key: "class", Val: "language-" + lang}}}
	code.AppendChild(&xhtml.Node{Type: xhtml.TextNode, Data: strings.TrimRight(text, "\n")})
	pre.AppendChild(code)
	return pre
}

// setLanguage gives a <pre> block the language its source names (class
// "language-x", "lang-x", SyntaxHighlighter's "brush: x") or, when it
// names none, the one guessed from its text.
func setLanguage(pre *xhtml.Node) {
	lang := declaredLanguage(pre)
	if lang == "" {
		for c := pre.FirstChild; c != nil; c = c.NextSibling {
			if c.DataAtom == atom.Code {
				lang = declaredLanguage(c)
			}
		}
	}
	if lang == "" {
		lang = string(Guess(preText(pre)))
	}
	// The converter reads the first class naming a language, on <pre>
	// or <code>: set it on <pre> and clear the others.
	clearLanguages(pre)
	setAttr(pre, "class", "language-"+lang)
}

func clearLanguages(n *xhtml.Node) {
	if n.Type == xhtml.ElementNode {
		for i := range n.Attr {
			if n.Attr[i].Key == "class" {
				n.Attr[i].Val = ""
			}
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		clearLanguages(c)
	}
}

// markdownToHTML renders a Markdown source's body (raw HTML kept) so that
// it goes through the same conversion as HTML sources.
func markdownToHTML(src []byte) (string, error) {
	md := goldmark.New(
		goldmark.WithExtensions(extension.GFM),
		goldmark.WithRendererOptions(html.WithUnsafe()),
	)
	var buf bytes.Buffer
	if err := md.Convert(src, &buf); err != nil {
		return "", err
	}
	return buf.String(), nil
}
