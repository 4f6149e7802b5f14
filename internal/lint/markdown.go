package lint

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/content"
)

// docParser finds Markdown's block structure the way CommonMark (and Hugo's
// goldmark) does; inline parsing is not needed to find code.
var docParser = parser.NewParser(
	parser.WithBlockParsers(parser.DefaultBlockParsers()...),
	parser.WithParagraphTransformers(parser.DefaultParagraphTransformers()...),
)

// parseDoc reads anyone's Markdown and never fails: front matter of any
// schema (YAML "---" or TOML "+++") is skipped, a fence that is never
// closed runs to the end of the file as CommonMark says, indented code
// blocks are code blocks, and an attribute list that does not parse is
// ignored. It returns the blocks with content.Parse's positions, so every
// rule sees the same blocks whichever reader found them.
func parseDoc(path string, src []byte) *content.Article {
	a := &content.Article{Path: path, Fields: map[string]int{}}
	body, bodyLine := src, 1
	if fm, rest, restLine, ok := frontMatter(src); ok {
		a.HasFrontMatter = true
		body, bodyLine = rest, restLine
		var m map[string]any
		if yaml.Unmarshal(fm, &m) == nil {
			if s, ok := m["lab"].(string); ok {
				a.Lab = s
			}
		}
	}
	a.Body, a.BodyLine = body, bodyLine
	lineStarts, lineOf := lineIndex(body)
	doc := docParser.Parse(text.NewReader(body))
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var b *content.Block
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			b = codeBlock(body, n.Lines(), lineOf, lineStarts, bodyLine, true)
			if b == nil {
				return ast.WalkContinue, nil
			}
			if n.Info != nil {
				b.Info = string(n.Info.Segment.Value(body))
				b.Lang = string(n.Language(body))
				if i := strings.IndexByte(b.Lang, '{'); i >= 0 {
					b.Lang = b.Lang[:i]
				}
				b.Attrs = infoAttrs(b.Info, b.Line)
			}
		case *ast.CodeBlock:
			b = codeBlock(body, n.Lines(), lineOf, lineStarts, bodyLine, false)
		}
		if b != nil {
			a.Blocks = append(a.Blocks, b)
		}
		return ast.WalkContinue, nil
	})
	return a
}

// lineIndex returns the offsets at which text's lines start and a function
// from an offset to its 0-based line.
func lineIndex(text []byte) ([]int, func(off int) int) {
	starts := []int{0}
	for i, c := range text {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts, func(off int) int {
		return sort.Search(len(starts), func(i int) bool { return starts[i] > off }) - 1
	}
}

// codeBlock builds a block from a code block's lines; nil when it is empty.
// A fenced block's Line is its fence (the line before its first line, after
// any blank lines goldmark keeps as code); an indented block has no fence,
// so its Line is its first line and its Col that of its code.
func codeBlock(body []byte, lines *text.Segments, lineOf func(int) int, lineStarts []int, bodyLine int, fenced bool) *content.Block {
	if lines.Len() == 0 {
		return nil
	}
	var code strings.Builder
	for i := 0; i < lines.Len(); i++ {
		seg := lines.At(i)
		code.Write(seg.Value(body))
	}
	if strings.TrimSpace(code.String()) == "" {
		return nil
	}
	first := lines.At(0)
	firstLine := lineOf(first.Start)
	b := &content.Block{Code: code.String(), FirstLine: bodyLine + firstLine}
	b.EndLine = b.FirstLine + strings.Count(b.Code, "\n")
	if fenced {
		b.Line = b.FirstLine - 1
		fence := string(body[lineStarts[firstLine-1]:lineStarts[firstLine]])
		b.Col = strings.IndexAny(fence, "`~") + 1
	} else {
		b.Line = b.FirstLine
		// Code of an indented block starts after its four columns of
		// indentation (and any container markers).
		b.Col = first.Start - lineStarts[firstLine] + 1
	}
	if b.Col < 1 {
		b.Col = 1
	}
	return b
}

// infoAttrs reads the {name="value" ...} list of an info string with
// goldmark's attribute parser (as Hugo does); one that does not parse is
// ignored, since in someone else's docs it is just text.
func infoAttrs(info string, line int) []content.Attr {
	start := strings.IndexByte(info, '{')
	if start < 0 {
		return nil
	}
	attrs, ok := parser.ParseAttributes(text.NewReader([]byte(info[start:])))
	if !ok {
		return nil
	}
	var out []content.Attr
	for _, at := range attrs {
		v := fmt.Sprint(at.Value)
		if b, ok := at.Value.([]byte); ok {
			v = string(b)
		}
		out = append(out, content.Attr{Name: string(at.Name), Value: v, Line: line})
	}
	return out
}

// frontMatter splits a leading "---" (YAML) or "+++" (TOML) block that is
// closed; an unclosed one is not front matter (CommonMark reads "---" as a
// thematic break).
func frontMatter(src []byte) (fm, rest []byte, restLine int, ok bool) {
	var delim string
	switch {
	case bytes.HasPrefix(src, []byte("---\n")), bytes.HasPrefix(src, []byte("---\r\n")):
		delim = "---"
	case bytes.HasPrefix(src, []byte("+++\n")), bytes.HasPrefix(src, []byte("+++\r\n")):
		delim = "+++"
	default:
		return nil, nil, 0, false
	}
	lines := bytes.SplitAfter(src, []byte("\n"))
	off := len(lines[0])
	for i := 1; i < len(lines); i++ {
		l := strings.TrimRight(string(lines[i]), "\r\n")
		if l == delim || (delim == "---" && l == "...") {
			return src[len(lines[0]):off], src[off+len(lines[i]):], i + 2, true
		}
		off += len(lines[i])
	}
	return nil, nil, 0, false
}

// siteKeys are front matter keys of the site's own articles that other
// Hugo or Jekyll sites do not use together.
var siteKeys = []*regexp.Regexp{regexp.MustCompile(`(?m)^day:`), regexp.MustCompile(`(?m)^year:`)}

// hasSiteFrontMatter reports whether src opens with the site's front matter.
func hasSiteFrontMatter(src []byte) bool {
	fm, _, _, ok := frontMatter(src)
	if !ok {
		return false
	}
	for _, re := range siteKeys {
		if !re.Match(fm) {
			return false
		}
	}
	return true
}

// undecodable says why src is not text lint can read, with the position of
// the first bad byte: ok is false for UTF-8 text.
func undecodable(src []byte) (line, col int, why string, binary bool) {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		l, c := position(src, i)
		return l, c, "a binary file (NUL byte), not Markdown", true
	}
	if utf8.Valid(src) {
		return 0, 0, "", false
	}
	i := 0
	for i < len(src) {
		r, n := utf8.DecodeRune(src[i:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		i += n
	}
	l, c := position(src, i)
	return l, c, fmt.Sprintf("not UTF-8: byte 0x%02x is not valid UTF-8 (the rest of the file is read with it replaced)", src[i]), false
}

func position(src []byte, off int) (line, col int) {
	line = 1 + bytes.Count(src[:off], []byte("\n"))
	col = off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return line, col
}
