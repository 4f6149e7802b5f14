package ci

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// maxPackageComment is the most lines a package comment may have: it says
// what the package owns; the rest goes to docs/.
const maxPackageComment = 10

// packageCommentExceptions are files whose package comment is known to be
// over the limit, with why. Remove an entry when it is shortened: the test
// fails on a stale one.
var packageCommentExceptions = map[string]string{}

// TestPackageCommentLength holds every package comment in the module (tests
// and testdata aside) to maxPackageComment lines.
func TestPackageCommentLength(t *testing.T) {
	root := filepath.Join("..", "..")
	seen := map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			return err
		}
		if f.Doc == nil {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		rel = filepath.ToSlash(rel)
		n := 0
		for _, c := range f.Doc.List {
			n += strings.Count(c.Text, "\n") + 1
		}
		if n <= maxPackageComment {
			return nil
		}
		seen[rel] = true
		if _, ok := packageCommentExceptions[rel]; !ok {
			t.Errorf("%s: package comment of %d lines (at most %d: say what the package owns, move the rest to docs/)", rel, n, maxPackageComment)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, rel := range slices.Sorted(maps.Keys(packageCommentExceptions)) {
		if !seen[rel] {
			t.Errorf("packageCommentExceptions lists %s, whose package comment is within %d lines: remove the entry", rel, maxPackageComment)
		}
	}
}
