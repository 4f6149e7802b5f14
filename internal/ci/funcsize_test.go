package ci

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strings"
	"testing"
)

// Limits of every function in internal/ outside tests and generated code:
// a newcomer reads a function whole.
const (
	maxComplexity = 25  // gocyclo's cyclomatic complexity
	maxLines      = 100 // from "func" to the closing brace
)

// sizeExceptions are functions known to be over a limit, by
// "path:Recv.Name" (Recv without "*"), with why. Remove an entry when its
// function is split: the test fails on a stale one.
var sizeExceptions = map[string]string{}

// generated is the marker of generated Go files (go help generate).
var generated = regexp.MustCompile(`(?m)^// Code generated .* DO NOT EDIT\.$`)

// TestFunctionSize holds every library function in internal/ to a
// cyclomatic complexity of 25 (counted as gocyclo does) and 100 lines.
func TestFunctionSize(t *testing.T) {
	var over []string
	seen := map[string]bool{}
	for _, f := range goFiles(t, library, parser.SkipObjectResolution, "internal") {
		if generated.Match(f.src) {
			continue
		}
		for _, decl := range f.ast.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			key := f.rel + ":" + funcName(fn)
			seen[key] = true
			lines := f.fset.Position(fn.End()).Line - f.fset.Position(fn.Pos()).Line + 1
			var broken []string
			if c := complexity(fn); c > maxComplexity {
				broken = append(broken, fmt.Sprintf("complexity %d > %d", c, maxComplexity))
			}
			if lines > maxLines {
				broken = append(broken, fmt.Sprintf("%d lines > %d", lines, maxLines))
			}
			if len(broken) == 0 {
				if _, ok := sizeExceptions[key]; ok {
					t.Errorf("%s is within the limits now: remove it from sizeExceptions", key)
				}
				continue
			}
			if why, ok := sizeExceptions[key]; ok {
				t.Logf("known exception %s (%s): %s", key, why, strings.Join(broken, ", "))
				continue
			}
			over = append(over, fmt.Sprintf("%s:%d: %s: %s", f.rel, f.fset.Position(fn.Pos()).Line, funcName(fn), strings.Join(broken, ", ")))
		}
	}
	for key := range sizeExceptions {
		if !seen[key] {
			t.Errorf("sizeExceptions names %s, which no longer exists", key)
		}
	}
	for _, o := range over {
		t.Error(o)
	}
}

// funcName is Name or Recv.Name, without the receiver's "*" and type
// parameters.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	typ := fn.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	switch x := typ.(type) {
	case *ast.IndexExpr:
		typ = x.X
	case *ast.IndexListExpr:
		typ = x.X
	}
	if id, ok := typ.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}

// complexity is gocyclo's cyclomatic complexity of fn: 1, plus one for
// each if, for, range, non-default case or select clause, && and ||,
// function literals included.
func complexity(fn *ast.FuncDecl) int {
	c := 1
	ast.Inspect(fn, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.IfStmt, *ast.ForStmt, *ast.RangeStmt:
			c++
		case *ast.CaseClause:
			if n.List != nil {
				c++
			}
		case *ast.CommClause:
			if n.Comm != nil {
				c++
			}
		case *ast.BinaryExpr:
			if n.Op == token.LAND || n.Op == token.LOR {
				c++
			}
		}
		return true
	})
	return c
}

// TestComplexityCountsLikeGocyclo pins complexity on a function whose
// gocyclo score is known (gocyclo v0.6.0 says 9 for it).
func TestComplexityCountsLikeGocyclo(t *testing.T) {
	src := `package p
func f(a, b bool, xs []int, ch chan int) int {
	if a && b || a { // if, &&, ||
		return 1
	}
	for range xs { // range
	}
	for i := 0; i < 1; i++ { // for
	}
	switch {
	case a: // case
	default:
	}
	select {
	case <-ch: // comm clause
	default:
	}
	g := func() bool { return a && b } // && in a function literal
	_ = g
	return 0
}`
	f, err := parseGo("p.go", []byte(src), 0)
	if err != nil {
		t.Fatal(err)
	}
	if got := complexity(f.ast.Decls[0].(*ast.FuncDecl)); got != 9 {
		t.Errorf("complexity = %d, want 9", got)
	}
}
