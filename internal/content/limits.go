package content

import (
	"bytes"
	"fmt"

	"github.com/sysadvent/advent/internal/diag"
)

// Limits on one Markdown file. Markdown parsers spend time and memory that
// grow faster than the input with the nesting of block quotes and lists,
// so the shapes no article needs are refused before parsing, each at its
// position, and the work on any file stays small.
const (
	// MaxFileSize is the largest Markdown file read, in bytes.
	MaxFileSize = 1 << 20
	// MaxNesting is the most block quote and list markers ("> ", "- ",
	// "1. ") a line may open.
	MaxNesting = 16
	// MaxIndent is the widest indentation, in columns, before a line's
	// text, markers included.
	MaxIndent = 256
	// MaxMarkers is the most block quote and list markers a file may
	// hold, all lines together: each becomes an element of the page, and
	// Hugo's work and memory grow with them.
	MaxMarkers = 10000
	// MaxBlocks is the most fenced code blocks a file may hold.
	MaxBlocks = 1000
)

// CheckLimits refuses a Markdown file over the limits: too large, a line
// nested or indented too deeply, too many quote and list markers
// (MaxBlocks is checked by Parse).
func CheckLimits(path string, src []byte) error {
	if len(src) > MaxFileSize {
		return diag.Errorf(path, 1, 1, "file is %d bytes, over the limit of %d: split the article", len(src), MaxFileSize)
	}
	line, markers := 0, 0
	for len(src) > 0 {
		line++
		end := bytes.IndexByte(src, '\n')
		if end < 0 {
			end = len(src)
		}
		col, depth, width := nesting(src[:end])
		switch markers += depth; {
		case depth > MaxNesting:
			return diag.Errorf(path, line, col, "block quotes and lists nested %d deep here, over the limit of %d", depth, MaxNesting)
		case width > MaxIndent:
			return diag.Errorf(path, line, 1, "line indented %d columns, over the limit of %d", width, MaxIndent)
		case markers > MaxMarkers:
			return diag.Errorf(path, line, 1, "more than %d block quote and list markers in one file: split the article", MaxMarkers)
		}
		if end == len(src) {
			break
		}
		src = src[end+1:]
	}
	return nil
}

// nesting reads the container markers at the start of a line: how many
// block quote and list markers it opens, the column of the first marker
// over MaxNesting, and the width of the line's indentation and markers.
func nesting(line []byte) (col, depth, width int) {
	i := 0
	for i < len(line) {
		start := i
		switch c := line[i]; {
		case c == ' ':
			width++
			i++
		case c == '\t':
			width += 4 - width%4
			i++
		case c == '>':
			depth, width, i = depth+1, width+1, i+1
		case (c == '-' || c == '*' || c == '+') && markerEnd(line, i+1):
			depth, width, i = depth+1, width+1, i+1
		case c >= '0' && c <= '9':
			j := i
			for j < len(line) && j-i < 9 && line[j] >= '0' && line[j] <= '9' {
				j++
			}
			if j < len(line) && (line[j] == '.' || line[j] == ')') && markerEnd(line, j+1) {
				depth, width, i = depth+1, width+j+1-i, j+1
				break
			}
			return col, depth, width
		default:
			return col, depth, width
		}
		if depth == MaxNesting+1 && col == 0 {
			col = start + 1
		}
	}
	return col, depth, width
}

// markerEnd reports whether a list marker ending before line[i] is one: it
// is followed by a space, a tab or the end of the line.
func markerEnd(line []byte, i int) bool {
	return i >= len(line) || line[i] == ' ' || line[i] == '\t'
}

// TooManyBlocks is the error for the code block at path:line:col that is
// one over MaxBlocks.
func TooManyBlocks(path string, line, col int) *diag.Error {
	return diag.Errorf(path, line, col, "%s", fmt.Sprintf("more than %d code blocks in one file: split the article", MaxBlocks))
}
