package ci

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleRoot is the module's root, from this package's directory.
var moduleRoot = filepath.Join("..", "..")

// goFile is one Go file, parsed.
type goFile struct {
	rel  string // slash-separated, from the module root
	src  []byte
	fset *token.FileSet
	ast  *ast.File
}

// parseGo parses src as the file rel.
func parseGo(rel string, src []byte, mode parser.Mode) (goFile, error) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, rel, src, mode)
	return goFile{rel: rel, src: src, fset: fset, ast: f}, err
}

// goFiles parses, with mode, the Go files below the module root's dirs
// (slash paths, "." for the whole module) that keep accepts by their
// path; testdata, node_modules and hidden directories are passed over.
func goFiles(t *testing.T, keep func(rel string) bool, mode parser.Mode, dirs ...string) []goFile {
	t.Helper()
	var out []goFile
	for _, dir := range dirs {
		top := filepath.Join(moduleRoot, filepath.FromSlash(dir))
		err := filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				if n := d.Name(); p != top && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
					return filepath.SkipDir
				}
				return nil
			}
			rel, err := filepath.Rel(moduleRoot, p)
			if err != nil {
				return err
			}
			rel = filepath.ToSlash(rel)
			if !strings.HasSuffix(rel, ".go") || !keep(rel) {
				return nil
			}
			src, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			f, err := parseGo(rel, src, mode)
			out = append(out, f)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// library is a Go file that is not a _test.go file (test support
// packages included; testCode tells those apart).
func library(rel string) bool { return !strings.HasSuffix(rel, "_test.go") }
