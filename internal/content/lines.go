package content

import (
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"
)

// Lines indexes the lines of a text, to turn the byte offsets goldmark
// records into lines and columns. Lines are 0-based.
type Lines struct {
	text   []byte
	starts []int
}

// NewLines indexes text.
func NewLines(text []byte) Lines {
	starts := []int{0}
	for i, c := range text {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return Lines{text: text, starts: starts}
}

// Of returns the line of the byte at off.
func (l Lines) Of(off int) int {
	return sort.Search(len(l.starts), func(i int) bool { return l.starts[i] > off }) - 1
}

// Start returns the offset of line's first byte.
func (l Lines) Start(line int) int { return l.starts[line] }

// End returns the offset of line's end: its newline, or the end of text.
func (l Lines) End(line int) int {
	if line+1 < len(l.starts) {
		return l.starts[line+1] - 1
	}
	return len(l.text)
}

// line returns line without its newline.
func (l Lines) line(line int) string { return string(l.text[l.starts[line]:l.End(line)]) }

// BlockText returns the text of a block's lines: a code block's code, a
// paragraph's or heading's Markdown.
func BlockText(text []byte, n ast.Node) string {
	var code strings.Builder
	for i := 0; i < n.Lines().Len(); i++ {
		seg := n.Lines().At(i)
		code.Write(seg.Value(text))
	}
	return code.String()
}

// Fence returns where fb's opening fence is: its line and the offset of
// its first "`" or "~", after any indentation and container markers ("> "
// of a block quote, a list item's marker).
func (l Lines) Fence(fb *ast.FencedCodeBlock) (line, start int) {
	// goldmark records where the opening fence starts, when it can.
	if fb.Pos() >= 0 {
		return l.Of(fb.Pos()), fb.Pos()
	}
	switch {
	case fb.Info != nil:
		line = l.Of(fb.Info.Segment.Start)
	case fb.Lines().Len() > 0:
		line = l.Of(fb.Lines().At(0).Start) - 1
	default:
		line = l.fenceBefore(fb)
	}
	s := l.line(line)
	return line, l.starts[line] + len(s) - len(strings.TrimLeft(s, " "))
}

// fenceBefore finds the fence of an empty block without an info string:
// the last fence line after the end of its previous sibling.
func (l Lines) fenceBefore(n ast.Node) int {
	for i := len(l.starts) - 1; i >= 0; i-- {
		s := strings.TrimSpace(l.line(i))
		if strings.HasPrefix(s, "```") || strings.HasPrefix(s, "~~~") {
			if p := n.PreviousSibling(); p == nil || p.Lines().Len() == 0 || p.Lines().At(p.Lines().Len()-1).Start < l.starts[i] {
				return i
			}
		}
	}
	return 0
}

// closesFence reports whether line closes a fence opened by open.
func (l Lines) closesFence(open string, line int) bool {
	if line >= len(l.starts) || l.starts[line] >= len(l.text) {
		return false
	}
	o := strings.TrimLeft(open, " ")
	if o == "" {
		return false
	}
	ch := o[0]
	n := 0
	for n < len(o) && o[n] == ch {
		n++
	}
	// The closing fence may follow the markers of the block quote the
	// block is in.
	c := strings.TrimSpace(l.line(line))
	c = strings.TrimLeft(c, "> \t")
	m := 0
	for m < len(c) && c[m] == ch {
		m++
	}
	return m >= n && m == len(c)
}
