// Package diag describes problems in the user's input: where they are
// (path:line:col) and what is wrong. The CLI turns them into exit code 2.
package diag

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Error is one problem at one position of an input file. Line and Col are
// 1-based; 0 means unknown.
type Error struct {
	Path string
	Line int
	Col  int
	Msg  string
}

// Errorf returns an *Error at path:line:col.
func Errorf(path string, line, col int, format string, args ...any) *Error {
	return &Error{Path: path, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Path)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
		if e.Col > 0 {
			fmt.Fprintf(&b, ":%d", e.Col)
		}
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// List is several input problems, reported together.
type List []*Error

func (l List) Error() string {
	s := make([]string, len(l))
	for i, e := range l {
		s[i] = e.Error()
	}
	return strings.Join(s, "\n")
}

// Append adds err's problems to l: the items of a List, an *Error, or
// err's text as a position-less problem.
func (l List) Append(err error) List {
	var (
		e    *Error
		list List
	)
	switch {
	case errors.As(err, &list):
		return append(l, list...)
	case errors.As(err, &e):
		return append(l, e)
	}
	return append(l, &Error{Msg: err.Error()})
}

// Sort orders the list by path, line and column.
func (l List) Sort() {
	sort.SliceStable(l, func(i, j int) bool {
		a, b := l[i], l[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Col < b.Col
	})
}

// Err returns nil for an empty list, the list otherwise.
func (l List) Err() error {
	if len(l) == 0 {
		return nil
	}
	l.Sort()
	return l
}

// IsInput reports whether err is (or wraps) a problem in the user's input,
// rather than the tool breaking.
func IsInput(err error) bool {
	var e *Error
	var l List
	var u *UsageError
	return errors.As(err, &e) || errors.As(err, &l) || errors.As(err, &u)
}

// UsageError is a bad command line.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

// Usagef returns a *UsageError.
func Usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}
