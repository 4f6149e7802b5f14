package ci

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// Code chooses what to do from Docker's typed errors (errdefs.IsNotFound,
// errdefs.IsConflict, client.IsErrConnectionFailed), never from the words
// of a message: Docker rewords them between releases, and a branch on
// words then silently takes the other way.

// errorPhrases are words of error messages, Docker's among them; matched
// lower-case.
var errorPhrases = []string{
	"no such", "not found", "could not find", "cannot find", "already in use", "already exists",
	"is not running", "is already running", "cannot connect to the docker daemon",
	"is the docker daemon running", "is not a valid",
}

// textTests are the calls that test a text: a phrase given to one is a
// branch on that text.
var textTests = map[string]bool{
	"strings.Contains": true, "strings.ContainsAny": true, "strings.HasPrefix": true, "strings.HasSuffix": true,
	"strings.Index": true, "strings.LastIndex": true, "strings.EqualFold": true, "strings.Count": true,
	"strings.Cut": true, "bytes.Contains": true, "bytes.HasPrefix": true, "bytes.HasSuffix": true,
	"bytes.Index": true, "bytes.EqualFold": true, "regexp.MustCompile": true, "regexp.Compile": true,
	"regexp.MatchString": true,
}

// phraseExceptions are texts that are not Docker's, by file and phrase,
// with the reason they may be tested.
var phraseExceptions = map[string]string{
	// The Go module proxy's HTTP status in `go` output, to name the module it refuses.
	"internal/images/errors.go: not found": "the Go module proxy's 404, in go's output",
	// yaml.v3's message about an unknown field, reworded for the article's writer.
	"internal/lab/extract.go: not found": "yaml.v3's unknown-field message, reworded for the writer",
	// Image builds go through the docker CLI (see internal/images/docker.go), so a
	// daemon that dies during one is known only from the CLI's output; the words
	// pick the hint shown with the failed step, never what advent does next.
	"internal/images/errors.go: cannot connect to the docker daemon": "the hint for a failed `docker build`",
	"internal/images/errors.go: is the docker daemon running":        "the hint for a failed `docker build`",
}

// TestNoBranchOnDockerErrorText reads the non-test Go code of cmd/ and
// internal/ and fails where a phrase of an error message is given to a
// text test (strings.Contains, regexp.MustCompile...), compared with ==
// or != or used as a switch case.
func TestNoBranchOnDockerErrorText(t *testing.T) {
	used := map[string]bool{}
	notTest := func(rel string) bool { return !testCode(rel) }
	for _, f := range goFiles(t, notTest, parser.SkipObjectResolution, "cmd", "internal") {
		for _, b := range errorTextBranches(f) {
			if key := f.rel + ": " + b.phrase; phraseExceptions[key] != "" {
				used[key] = true
				continue
			}
			t.Errorf("%s: use the error's type (errdefs.IsNotFound, errdefs.IsConflict...), not its words", b)
		}
	}
	for key := range phraseExceptions {
		if !used[key] {
			t.Errorf("exception %q matches nothing any more: remove it", key)
		}
	}
}

// textBranch is a phrase of an error message tested at a position.
type textBranch struct {
	pos    token.Position
	how    string
	phrase string
}

func (b textBranch) String() string {
	return fmt.Sprintf("%s: %s tests the text %q", b.pos, b.how, b.phrase)
}

// errorTextBranches lists where one Go file tests a text for a phrase of
// errorPhrases.
func errorTextBranches(f goFile) []textBranch {
	lits := stringValues(f.ast)
	var out []textBranch
	check := func(how string, e ast.Expr) {
		if p := errorPhrase(e, lits); p != "" {
			out = append(out, textBranch{f.fset.Position(e.Pos()), how, p})
		}
	}
	ast.Inspect(f.ast, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			if fn := callName(n); textTests[fn] {
				for _, a := range n.Args {
					check(fn, a)
				}
			}
		case *ast.BinaryExpr:
			if n.Op == token.EQL || n.Op == token.NEQ {
				check(n.Op.String(), n.X)
				check(n.Op.String(), n.Y)
			}
		case *ast.CaseClause:
			for _, e := range n.List {
				check("case", e)
			}
		}
		return true
	})
	return out
}

// errorPhrase is the phrase of errorPhrases in the string e is (a literal
// or a name given one), or "".
func errorPhrase(e ast.Expr, lits map[string]string) string {
	var s string
	switch e := e.(type) {
	case *ast.BasicLit:
		v, ok := stringLit(e)
		if !ok {
			return ""
		}
		s = v
	case *ast.Ident:
		s = lits[e.Name]
	default:
		return ""
	}
	s = strings.ToLower(s)
	for _, p := range errorPhrases {
		if strings.Contains(s, p) {
			return p
		}
	}
	return ""
}

// TestDockerTextBranchesAreFound pins what the check finds, and what it
// lets pass, on code written to break the rule.
func TestDockerTextBranchesAreFound(t *testing.T) {
	src := `package p

const gone = "Error: No such container"

func f(err error, out string, xe interface{ OutputText() string }) bool {
	if strings.Contains(strings.ToLower(xe.OutputText()), "no such image") {
		return true
	}
	if strings.Contains(out, gone) || err.Error() == "Conflict. The container name is already in use" {
		return true
	}
	switch out {
	case "Error: could not find the file /x in container c":
		return true
	}
	var notFound = regexp.MustCompile(` + "`network \\S+ not found`" + `)
	return errdefs.IsNotFound(err) || strings.Contains(out, "ready") || notFound != nil
}
`
	f, err := parseGo("p.go", []byte(src), parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := errorTextBranches(f)
	want := []string{
		`p.go:6:56: strings.Contains tests the text "no such"`,
		`p.go:9:27: strings.Contains tests the text "no such"`,
		`p.go:9:51: == tests the text "already in use"`,
		`p.go:13:7: case tests the text "could not find"`,
		`p.go:16:36: regexp.MustCompile tests the text "not found"`,
	}
	var lines []string
	for _, b := range got {
		lines = append(lines, b.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
	if p := errorPhrase(&ast.BasicLit{Kind: token.STRING, Value: strconv.Quote("IS ALREADY RUNNING")}, nil); p != "is already running" {
		t.Errorf("errorPhrase is case-sensitive: %q", p)
	}
}
