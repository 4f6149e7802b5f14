package lint

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"
	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/content"
)

// docParser finds Markdown's block structure as Hugo's goldmark does,
// fences in footnotes and definition lists included.
var docParser = content.NewBlockParser()

// parseDoc reads anyone's Markdown and never fails once src is within
// content's limits (content.CheckLimits): front matter of any schema (YAML
// "---" or TOML "+++") is skipped, a fence that is never closed runs to the
// end of the file as CommonMark says, indented code blocks are code blocks,
// and an attribute list that does not parse is ignored. It returns the
// blocks with content.Parse's positions, so every rule sees the same blocks
// whichever reader found them; past content.MaxBlocks it is an error.
func parseDoc(path string, src []byte) (*content.Article, error) {
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
	lines := content.NewLines(body)
	doc := docParser.Parse(text.NewReader(body))
	var tooMany error
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		var b *content.Block
		switch n := n.(type) {
		case *ast.FencedCodeBlock:
			if b = codeBlock(body, n, lines, bodyLine); b != nil && n.Info != nil {
				_ = b.SetInfo(body, n) // someone else's info string is just text
			}
		case *ast.CodeBlock:
			b = codeBlock(body, n, lines, bodyLine)
		}
		if b == nil {
			return ast.WalkContinue, nil
		}
		if len(a.Blocks) == content.MaxBlocks {
			tooMany = content.TooManyBlocks(path, b.Line, b.Col)
			return ast.WalkStop, nil
		}
		a.Blocks = append(a.Blocks, b)
		return ast.WalkContinue, nil
	})
	return a, tooMany
}

// codeBlock builds a block from a code block; nil when it is empty. A
// fenced block's Line and Col are its fence's; an indented block has no
// fence, so they are those of its code (after its four columns of
// indentation and any container markers). EndLine is the closing fence's
// line, or the last line of code of a block that is never closed.
func codeBlock(body []byte, n ast.Node, lines content.Lines, bodyLine int) *content.Block {
	code := content.BlockText(body, n)
	if strings.TrimSpace(code) == "" {
		return nil
	}
	b := &content.Block{Code: code}
	if fb, ok := n.(*ast.FencedCodeBlock); ok {
		fenceLine, start := lines.Fence(fb)
		b.Line, b.Col = bodyLine+fenceLine, start-lines.Start(fenceLine)+1
		b.FirstLine = b.Line + 1
	} else {
		first := n.Lines().At(0).Start
		b.FirstLine = bodyLine + lines.Of(first)
		b.Line, b.Col = b.FirstLine, first-lines.Start(lines.Of(first))+1
	}
	b.EndLine = b.FirstLine + strings.Count(code, "\n")
	return b
}

// frontMatter splits a leading "---" (YAML) or "+++" (TOML) block that is
// closed; an unclosed one is not front matter (CommonMark reads "---" as a
// thematic break).
func frontMatter(src []byte) (fm, rest []byte, restLine int, ok bool) {
	switch {
	case bytes.HasPrefix(src, []byte("---\n")), bytes.HasPrefix(src, []byte("---\r\n")):
		return content.SplitFrontMatter(src, "---", "...")
	case bytes.HasPrefix(src, []byte("+++\n")), bytes.HasPrefix(src, []byte("+++\r\n")):
		return content.SplitFrontMatter(src, "+++")
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
// the first bad byte: why is empty for UTF-8 text.
func undecodable(src []byte) (line, col int, why string, binary bool) {
	if i := bytes.IndexByte(src, 0); i >= 0 {
		l, c := content.Position(src, i)
		return l, c, "a binary file (NUL byte), not Markdown", true
	}
	i := content.FirstBadByte(src)
	if i < 0 {
		return 0, 0, "", false
	}
	l, c := content.Position(src, i)
	return l, c, fmt.Sprintf("not UTF-8: byte 0x%02x is not valid UTF-8 (the rest of the file is read with it replaced)", src[i]), false
}
