package ci

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// Tests write only under t.TempDir() (or a directory of their own from
// os.MkdirTemp): a fixed path on the host is shared by every test, every
// package and every run, so what one test leaves there changes what the
// next one sees, and the suite passes or fails with the order it runs in.

// fsWriters are the functions that write, create or remove at a path, with
// the indexes of their path arguments.
var fsWriters = map[string][]int{
	"os.WriteFile": {0}, "os.Create": {0}, "os.OpenFile": {0}, "os.Mkdir": {0}, "os.MkdirAll": {0},
	"os.Remove": {0}, "os.RemoveAll": {0}, "os.Rename": {0, 1}, "os.Symlink": {1}, "os.Link": {1},
	"os.Chmod": {0}, "os.Chtimes": {0}, "os.Truncate": {0}, "os.Lchown": {0}, "os.Chown": {0},
	"os.CopyFS": {0}, "os.Chdir": {0}, "os.OpenRoot": {0}, "os.OpenInRoot": {0},
}

// hostDirs are calls that name a fixed directory of the host.
var hostDirs = map[string]bool{
	"os.TempDir": true, "os.UserHomeDir": true, "os.UserCacheDir": true, "os.UserConfigDir": true,
}

// hostEnv are environment variables that name a fixed directory of the host.
var hostEnv = map[string]bool{"HOME": true, "TMPDIR": true, "XDG_CACHE_HOME": true, "XDG_CONFIG_HOME": true, "XDG_STATE_HOME": true, "XDG_DATA_HOME": true}

// shellWrite is a shell command in a string that writes to an absolute
// path (a redirection, tee, touch, mkdir, cp or mv to /...); /dev/ is
// allowed.
var shellWrite = regexp.MustCompile(`(?:^|[\s;&|(])(?:(?:>>?|tee(?:\s+-a)?|touch|mkdir(?:\s+-p)?)\s*|(?:cp|mv)\s+\S+\s+)(/[^\s"';&|)]*)`)

// TestTestsWriteOnlyInTheirTempDir reads every test file (and the test
// support packages, such as runnertest) and fails on a write to a fixed
// absolute path: a file-system call whose path is built from an absolute
// string literal or a host directory (os.TempDir, os.UserHomeDir, $HOME...),
// or a shell command in a string that writes to an absolute path.
func TestTestsWriteOnlyInTheirTempDir(t *testing.T) {
	for _, f := range goFiles(t, testCode, parser.SkipObjectResolution, "cmd", "internal") {
		for _, w := range fixedPathWrites(f) {
			t.Error(w)
		}
	}
}

// testCode is a _test.go file or a file of a test support package (a
// directory whose name ends in "test", such as internal/runner/runnertest).
func testCode(path string) bool {
	if !strings.HasSuffix(path, ".go") {
		return false
	}
	return strings.HasSuffix(path, "_test.go") || strings.HasSuffix(filepath.Base(filepath.Dir(path)), "test")
}

// fixedPathWrites lists the writes to fixed host paths in one Go file, as
// "path:line:col: what".
func fixedPathWrites(f goFile) []string {
	lits := stringValues(f.ast)
	var out []string
	report := func(n ast.Node, format string, args ...any) {
		out = append(out, fmt.Sprintf("%s: %s", f.fset.Position(n.Pos()), fmt.Sprintf(format, args...)))
	}
	ast.Inspect(f.ast, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.CallExpr:
			fn := callName(n)
			for _, i := range fsWriters[fn] {
				if i < len(n.Args) {
					if why := fixedPath(n.Args[i], lits); why != "" {
						report(n.Args[i], "%s at a fixed path (%s): write under t.TempDir()", fn, why)
					}
				}
			}
		case *ast.BasicLit:
			if s, ok := stringLit(n); ok {
				if m := shellWrite.FindStringSubmatch(s); m != nil && absolute(m[1]) && !strings.HasPrefix(m[1], "/dev/") {
					report(n, "a shell command writes to %s: write under the test's temporary directory", m[1])
				}
			}
		}
		return true
	})
	return out
}

// fixedPath says why the path expression e names a fixed host path, or
// "": it follows where the path starts (the left of a +, the first
// element of a Join, a Sprintf's format) to a literal, a name given one,
// or a host directory.
func fixedPath(e ast.Expr, lits map[string]string) string {
	switch e := e.(type) {
	case *ast.ParenExpr:
		return fixedPath(e.X, lits)
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return fixedPath(e.X, lits)
		}
	case *ast.BasicLit:
		if s, ok := stringLit(e); ok && absolute(s) {
			return strconv.Quote(s)
		}
	case *ast.Ident:
		if s, ok := lits[e.Name]; ok && absolute(s) {
			return e.Name + " = " + strconv.Quote(s)
		}
	case *ast.CallExpr:
		return fixedCall(e, lits)
	}
	return ""
}

// fixedCall is fixedPath for a call.
func fixedCall(c *ast.CallExpr, lits map[string]string) string {
	fn := callName(c)
	switch {
	case hostDirs[fn]:
		return fn + "()"
	case fn == "os.Getenv" && len(c.Args) == 1:
		if b, ok := c.Args[0].(*ast.BasicLit); ok {
			if v, ok := stringLit(b); ok && hostEnv[v] {
				return "$" + v
			}
		}
	case fn == "filepath.Join" || fn == "path.Join" || fn == "filepath.Clean" || fn == "path.Clean" || fn == "fmt.Sprintf":
		if len(c.Args) > 0 {
			return fixedPath(c.Args[0], lits)
		}
	}
	return ""
}

// absolute is an absolute path, not just a separator ("/" as in
// filepath.Join(a, "/", b) or strings.Split(s, "/")).
func absolute(s string) bool { return len(s) > 1 && s[0] == '/' && s[1] != '/' }

// stringValues maps the names the file gives string literals (const or
// var, := or =) to their values.
func stringValues(f *ast.File) map[string]string {
	lits := map[string]string{}
	bind := func(names []ast.Expr, values []ast.Expr) {
		for i, v := range values {
			b, ok := v.(*ast.BasicLit)
			if !ok || i >= len(names) {
				continue
			}
			id, ok := names[i].(*ast.Ident)
			if s, isStr := stringLit(b); ok && isStr {
				lits[id.Name] = s
			}
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.ValueSpec:
			names := make([]ast.Expr, len(n.Names))
			for i, id := range n.Names {
				names[i] = id
			}
			bind(names, n.Values)
		case *ast.AssignStmt:
			bind(n.Lhs, n.Rhs)
		}
		return true
	})
	return lits
}

func stringLit(b *ast.BasicLit) (string, bool) {
	if b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// callName is "pkg.Func" for a call of a package-level function, or "".
func callName(c *ast.CallExpr) string {
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return ""
	}
	pkg, ok := sel.X.(*ast.Ident)
	if !ok {
		return ""
	}
	return pkg.Name + "." + sel.Sel.Name
}

// TestFixedPathWritesAreFound pins what the check finds, and what it lets
// pass, on a file written to break the rule.
func TestFixedPathWritesAreFound(t *testing.T) {
	src, err := os.ReadFile(filepath.Join("testdata", "fixedpath.go.txt"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := parseGo("p_test.go", src, parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := fixedPathWrites(f)
	want := []string{
		`p_test.go:6:15: os.WriteFile at a fixed path ("/tmp/x"): write under t.TempDir()`,
		`p_test.go:7:14: os.MkdirAll at a fixed path (state = "/tmp/.advent-state"): write under t.TempDir()`,
		`p_test.go:8:12: os.Create at a fixed path (os.TempDir()): write under t.TempDir()`,
		`p_test.go:9:15: os.RemoveAll at a fixed path ($HOME): write under t.TempDir()`,
		`p_test.go:10:6: a shell command writes to /tmp/out: write under the test's temporary directory`,
		`p_test.go:11:6: a shell command writes to /etc/a: write under the test's temporary directory`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
