package lab_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
)

// TestBadInput runs what `advent labs extract`, `advent build` and
// `advent lint` run (lab.LoadSite) on the files of each testdata/errors/*.txtar archive and
// compares the error with the archive's "want" file: every line is a
// `path:line[:col]: message`, at the real position of the problem in the
// input files. -update rewrites the want files (check the positions by
// hand before committing).
func TestBadInput(t *testing.T) {
	paths, err := filepath.Glob("testdata/errors/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no testdata/errors/*.txtar")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				t.Fatal(err)
			}
			root := t.TempDir()
			inputs := map[string][]byte{}
			var want []byte
			haveWant := false
			for _, f := range ar.Files {
				switch {
				case f.Name == "want":
					want, haveWant = f.Data, true
				case strings.HasPrefix(f.Name, "content/") || strings.HasPrefix(f.Name, "static/") ||
					strings.HasPrefix(f.Name, "data/") || strings.HasPrefix(f.Name, ".advent/"):
					inputs[f.Name] = f.Data
					writeFile(t, filepath.Join(root, filepath.FromSlash(f.Name)), f.Data)
				default:
					t.Fatalf("unexpected file %s in %s", f.Name, p)
				}
			}
			if !haveWant {
				t.Fatalf("%s has no want file", p)
			}

			if !strings.Contains(string(ar.Comment), "[no year index]") {
				yearIndexes(t, root, inputs)
			}
			_, _, err = lab.LoadSite(root)
			if err == nil {
				t.Fatalf("no error; want\n%s", want)
			}
			if !diag.IsInput(err) {
				t.Errorf("error is not an input error (the CLI would exit 1, not 2): %T %v", err, err)
			}
			checkPositions(t, err, inputs)
			got := []byte(err.Error() + "\n")
			if *update {
				for i := range ar.Files {
					if ar.Files[i].Name == "want" {
						ar.Files[i].Data = got
					}
				}
				if err := os.WriteFile(p, txtar.Format(ar), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			if string(got) != string(want) {
				t.Errorf("errors differ:\n%s", diff.Diff("want", want, "got", got))
			}
		})
	}
}

// yearIndexes writes the section page of every year the inputs have an
// article in, unless they have it: a site needs it, and the archives are
// about other problems (one whose comment says "[no year index]" is not).
func yearIndexes(t *testing.T, root string, inputs map[string][]byte) {
	t.Helper()
	for name := range inputs {
		if !content.IsArticle(name) {
			continue
		}
		dir := filepath.Dir(filepath.FromSlash(name))
		idx := filepath.Join(root, dir, "_index.md")
		if _, err := os.Stat(idx); err == nil {
			continue
		}
		year := filepath.Base(dir)
		writeFile(t, idx, []byte("---\ntitle: \"SysAdvent "+year+"\"\nyear: "+year+"\n---\n"))
	}
}

// checkPositions checks that every reported position lies inside the file
// it names.
func checkPositions(t *testing.T, err error, inputs map[string][]byte) {
	t.Helper()
	var list diag.List
	var one *diag.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = diag.List{one}
	}
	for _, e := range list {
		src, ok := inputs[e.Path]
		if e.Line == 0 && e.Col == 0 {
			continue // about the whole file (or a missing one)
		}
		if !ok {
			t.Errorf("%v: names a file that is not an input", e)
			continue
		}
		lines := strings.Split(string(src), "\n")
		if e.Line < 1 || e.Line > len(lines) {
			t.Errorf("%v: line %d is outside the file (%d lines)", e, e.Line, len(lines))
			continue
		}
		if e.Col > len(lines[e.Line-1])+1 {
			t.Errorf("%v: column %d is past the end of line %d %q", e, e.Col, e.Line, lines[e.Line-1])
		}
	}
}
