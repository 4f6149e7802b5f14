package ci

import (
	"go/parser"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"testing"
)

// TestLayoutListsEveryPackage keeps README's Layout table and the code in
// step: every Go package under internal/ is named there, and has exactly
// one package comment.
func TestLayoutListsEveryPackage(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(moduleRoot, "README.md"))
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
	for _, f := range goFiles(t, library, parser.PackageClauseOnly|parser.ParseComments, "internal") {
		dir := path.Dir(f.rel)
		pkgs[dir] += 0
		if f.ast.Doc != nil {
			pkgs[dir]++
		}
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
