package lab_test

import (
	"bytes"
	"flag"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/diff"
	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
)

var update = flag.Bool("update", false, "rewrite the expected labs/ sections of testdata/extract/*.txtar")

// repoRoot is the project root, seen from this package's directory.
const repoRoot = "../.."

// TestGoldenExtract runs extraction on the articles of each
// testdata/extract/*.txtar archive and compares what `advent labs extract`
// would write (lab.Render) byte for byte with the archive's labs/ files.
//
// An archive holds its input articles as content/YEAR/*.md files. An
// archive whose comment has a line
//
//	source: content/2017/05-helm-chart.md
//
// reads that article from the repository instead (see the comment of
// testdata/extract/helm-article.txtar for why).
//
// go test ./internal/lab -run Golden -update rewrites the labs/ sections.
func TestGoldenExtract(t *testing.T) {
	paths, err := filepath.Glob("testdata/extract/*.txtar")
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatal("no testdata/extract/*.txtar")
	}
	for _, p := range paths {
		t.Run(strings.TrimSuffix(filepath.Base(p), ".txtar"), func(t *testing.T) {
			runGolden(t, p)
		})
	}
}

func runGolden(t *testing.T, archivePath string) {
	ar, err := txtar.ParseFile(archivePath)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	var inputs []txtar.File
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "content/") {
			inputs = append(inputs, f)
		}
	}
	for _, src := range archiveSources(ar) {
		b, err := os.ReadFile(filepath.Join(repoRoot, filepath.FromSlash(src)))
		if err != nil {
			t.Fatalf("source %s: %v", src, err)
		}
		inputs = append(inputs, txtar.File{Name: src, Data: b})
	}
	if len(inputs) == 0 {
		t.Fatalf("%s has no content/ files and no source: line", archivePath)
	}
	for _, f := range inputs {
		writeFile(t, filepath.Join(root, filepath.FromSlash(f.Name)), f.Data)
	}

	// What `advent labs extract` does: load and validate content/, extract.
	arts, err := content.LoadDir(root, "content")
	if err != nil {
		t.Fatalf("load content:\n%v", err)
	}
	labs, err := lab.Extract(arts)
	if err != nil {
		t.Fatalf("extract:\n%v", err)
	}
	rendered, err := lab.Render(labs)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string][]byte{}
	for name, b := range rendered {
		got["labs/"+name] = b
		if len(b) > 0 && !bytes.HasSuffix(b, []byte("\n")) {
			// txtar would add the newline and the comparison below
			// could not be byte for byte.
			t.Errorf("labs/%s does not end in a newline: a golden archive cannot hold it exactly", name)
		}
	}

	if *update {
		out := &txtar.Archive{Comment: ar.Comment}
		for _, f := range ar.Files {
			if !strings.HasPrefix(f.Name, "labs/") {
				out.Files = append(out.Files, f)
			}
		}
		for _, name := range sortedNames(got) {
			out.Files = append(out.Files, txtar.File{Name: name, Data: got[name]})
		}
		if err := os.WriteFile(archivePath, txtar.Format(out), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}

	want := map[string][]byte{}
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "labs/") {
			want[f.Name] = f.Data
		}
	}
	for _, name := range union(got, want) {
		g, inGot := got[name]
		w, inWant := want[name]
		switch {
		case !inWant:
			t.Errorf("extraction writes %s, the archive does not expect it", name)
		case !inGot:
			t.Errorf("the archive expects %s, extraction does not write it", name)
		case !bytes.Equal(g, w):
			t.Errorf("%s differs from the archive:\n%s", name, diff.Diff("want", w, "got", g))
		}
	}
	if t.Failed() {
		t.Logf("if the change is intended: go test ./internal/lab -run Golden -update")
	}
}

// archiveSources returns the repository files named by "source:" lines of
// the archive's comment.
func archiveSources(ar *txtar.Archive) []string {
	var out []string
	for _, line := range strings.Split(string(ar.Comment), "\n") {
		if rest, ok := strings.CutPrefix(line, "source:"); ok {
			out = append(out, path.Clean(strings.TrimSpace(rest)))
		}
	}
	return out
}

func writeFile(t *testing.T, p string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func union(a, b map[string][]byte) []string {
	m := map[string]bool{}
	for k := range a {
		m[k] = true
	}
	for k := range b {
		m[k] = true
	}
	return sortedNames(m)
}

// TestGoldenArchivesAreWellFormed keeps the archives honest: every input
// is an article path, every expected file is under labs/.
func TestGoldenArchivesAreWellFormed(t *testing.T) {
	paths, _ := filepath.Glob("testdata/extract/*.txtar")
	for _, p := range paths {
		ar, err := txtar.ParseFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range ar.Files {
			switch {
			case strings.HasPrefix(f.Name, "content/") && strings.HasSuffix(f.Name, ".md"):
			case strings.HasPrefix(f.Name, "labs/"):
			default:
				t.Errorf("%s: file %s is neither content/*.md input nor labs/ output", p, f.Name)
			}
		}
		if len(bytes.TrimSpace(ar.Comment)) == 0 {
			t.Errorf("%s: say in the archive's comment what it covers", p)
		}
	}
}
