package ci

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestLayoutListsEveryPackage keeps README's Layout table and the code in
// step: every Go package under internal/ is named there, and has exactly
// one package comment.
func TestLayoutListsEveryPackage(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	layout := regexp.MustCompile(`(?ms)^## Layout\n(.*?)^## `).FindSubmatch(readme)
	if layout == nil {
		t.Fatal("README.md has no ## Layout section")
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`(internal/[a-z0-9/]+)`").FindAllSubmatch(layout[1], -1) {
		named[string(m[1])] = true
	}
	pkgs := map[string]int{} // package dir -> package comments
	err = filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "testdata" {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", filepath.Dir(path))
		dir := "internal/" + filepath.ToSlash(rel)
		pkgs[dir] += 0
		if f.Doc != nil {
			pkgs[dir]++
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for dir, docs := range pkgs {
		if !named[dir] {
			t.Errorf("README.md's Layout table does not name %s: add a row saying what it owns", dir)
		}
		if docs != 1 {
			t.Errorf("%s has %d package comments, want 1", dir, docs)
		}
	}
	for dir := range named {
		if _, ok := pkgs[dir]; !ok {
			t.Errorf("README.md's Layout table names %s, which holds no Go package", dir)
		}
	}
}
