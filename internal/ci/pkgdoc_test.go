package ci

import (
	"go/parser"
	"maps"
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
	seen := map[string]bool{}
	for _, f := range goFiles(t, library, parser.PackageClauseOnly|parser.ParseComments, ".") {
		if f.ast.Doc == nil {
			continue
		}
		n := 0
		for _, c := range f.ast.Doc.List {
			n += strings.Count(c.Text, "\n") + 1
		}
		if n <= maxPackageComment {
			continue
		}
		seen[f.rel] = true
		if _, ok := packageCommentExceptions[f.rel]; !ok {
			t.Errorf("%s: package comment of %d lines (at most %d: say what the package owns, move the rest to docs/)", f.rel, n, maxPackageComment)
		}
	}
	for _, rel := range slices.Sorted(maps.Keys(packageCommentExceptions)) {
		if !seen[rel] {
			t.Errorf("packageCommentExceptions lists %s, whose package comment is within %d lines: remove the entry", rel, maxPackageComment)
		}
	}
}
