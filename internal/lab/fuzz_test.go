package lab_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"
	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
)

// FuzzExtract feeds arbitrary bytes to content.Parse and lab.Extract as
// one article. Besides never panicking, it checks that
//   - every error is an input error (exit 2 in the CLI) whose position lies
//     inside the input;
//   - lab.Render writes only clean paths inside labs/<name>/;
//   - the rendered lab.yaml decodes strictly back into the same lab.
//
// The seed corpus is the repository's articles and the inputs of
// testdata/extract and testdata/errors, plus testdata/fuzz/FuzzExtract.
func FuzzExtract(f *testing.F) {
	for _, src := range seedArticles(f) {
		f.Add(src)
	}
	for _, src := range traversalSeeds {
		f.Add([]byte(src))
	}
	f.Fuzz(func(t *testing.T, src []byte) {
		const file = "content/2017/05-fuzz.md"
		a, err := content.Parse(file, src)
		if err != nil {
			checkInputError(t, err, file, src)
			return
		}
		if err := a.Validate(); err != nil {
			checkInputError(t, err, file, src)
		}
		labs, err := lab.Extract([]*content.Article{a})
		if err != nil {
			checkInputError(t, err, file, src)
			return
		}
		files, err := lab.Render(labs)
		if err != nil {
			t.Fatalf("Render: %v", err)
		}
		for name := range files {
			if path.Clean(name) != name || path.IsAbs(name) || strings.HasPrefix(name, "../") || name == ".." {
				t.Errorf("Render writes %q: not a clean path inside labs/", name)
			}
		}
		for _, l := range labs {
			m, ok := files[l.Name+"/"+lab.ManifestName]
			if !ok {
				t.Fatalf("no manifest for lab %q", l.Name)
			}
			for name := range files {
				if !strings.HasPrefix(name, l.Name+"/") {
					t.Errorf("Render writes %q outside labs/%s/", name, l.Name)
				}
			}
			checkRoundTrip(t, l, m, files)
		}
		checkWriteStaysInside(t, labs)
	})
}

// traversalSeeds try to make extraction write outside labs/<name>/: a
// block's own lab= naming a parent or nested directory, absolute and
// parent-relative file and contains paths, and names with slashes.
var traversalSeeds = []string{
	"---\ntitle: x\n---\n\n```sh {lab=\"../../../../tmp/x\" step=\"one\"}\n$ true\n```\n\n```text {file=\"authorized_keys\"}\nk\n```\n",
	"---\nlab: ok\n---\n\n```sh {lab=\"x/y\" step=\"one\"}\n$ true\n```\n",
	"---\nlab: ok\n---\n\n```text {file=\"/etc/passwd-test\"}\nx\n```\n",
	"---\nlab: ok\n---\n\n```text {file=\"../../escape\"}\nx\n```\n",
	"---\nlab: ok\n---\n\n```yaml {contains=\"a/../../b\"}\na: 1\n```\n",
	"---\nlab: ok\n---\n\n```text {file=\"~/../../x\"}\nx\n```\n",
	"---\nlab: ok\n---\n\n```sh {step=\"../x\"}\n$ true\n```\n",
	"---\nlab: \"..\"\n---\n\n```sh {step=\"a\"}\n$ true\n```\n",
	"---\nlab: ok\n---\n\n```yaml {role=\"env\"}\ncontainers:\n  - name: box\n    image: x\n```\n\n```text {file=\"/../../etc/x\" container=\"box\"}\nx\n```\n",
}

// checkWriteStaysInside writes the labs with lab.Write into a fresh
// directory and fails when anything appears outside out/labs/<name>/ for
// the labs extracted: extraction never writes outside its output root.
func checkWriteStaysInside(t *testing.T, labs []*lab.Lab) {
	t.Helper()
	if len(labs) == 0 {
		return
	}
	top := t.TempDir()
	out := filepath.Join(top, "out", "labs")
	if err := os.Mkdir(filepath.Dir(out), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := lab.Write(out, labs); err != nil {
		t.Fatalf("Write: %v", err)
	}
	names := map[string]bool{}
	for _, l := range labs {
		names[l.Name] = true
	}
	filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Errorf("walk %s: %v", p, err)
			return nil
		}
		rel, _ := filepath.Rel(top, p)
		rel = filepath.ToSlash(rel)
		switch {
		case rel == "." || rel == "out" || rel == "out/labs":
			return nil
		case !strings.HasPrefix(rel, "out/labs/"):
			t.Errorf("Write created %s outside labs/", rel)
		case !names[strings.SplitN(strings.TrimPrefix(rel, "out/labs/"), "/", 2)[0]]:
			t.Errorf("Write created %s outside every labs/<name>/", rel)
		case d.Type()&fs.ModeSymlink != 0:
			t.Errorf("Write created a symbolic link %s", rel)
		}
		return nil
	})
}

// checkRoundTrip decodes a rendered manifest strictly and compares it with
// the extracted lab.
func checkRoundTrip(t *testing.T, l *lab.Lab, manifest []byte, files map[string][]byte) {
	t.Helper()
	var back lab.Lab
	dec := yaml.NewDecoder(bytes.NewReader(manifest))
	dec.KnownFields(true)
	if err := dec.Decode(&back); err != nil {
		t.Fatalf("lab.yaml does not decode: %v\n%s", err, manifest)
	}
	want := *l
	want.Steps = append([]lab.Step(nil), l.Steps...)
	for i := range want.Steps {
		s := &want.Steps[i]
		if s.Kind == lab.KindFile || s.Kind == lab.KindContains {
			s.Content = back.Steps[i].Content
			if got := files[l.Name+"/"+s.Content]; !bytes.Equal(got, s.Data) {
				t.Errorf("step %q: stored content %q, block holds %q", s.Name, got, s.Data)
			}
		}
		s.Data = nil
	}
	if !reflect.DeepEqual(normalizeLab(&back), normalizeLab(&want)) {
		t.Errorf("lab.yaml does not round-trip:\n got %#v\nwant %#v\n%s", back, want, manifest)
	}
}

// normalizeLab makes empty and nil slices compare equal.
func normalizeLab(l *lab.Lab) *lab.Lab {
	c := *l
	c.Steps = nil
	for _, s := range l.Steps {
		if len(s.Commands) == 0 {
			s.Commands = nil
		}
		for i := range s.Commands {
			if len(s.Commands[i].Expect) == 0 {
				s.Commands[i].Expect = nil
			}
		}
		if len(s.Clusters) == 0 {
			s.Clusters = nil
		}
		c.Steps = append(c.Steps, s)
	}
	return &c
}

// checkInputError checks that err describes the input, at positions inside
// it.
func checkInputError(t *testing.T, err error, file string, src []byte) {
	t.Helper()
	if !diag.IsInput(err) {
		t.Fatalf("not an input error: %T %v", err, err)
	}
	var list diag.List
	var one *diag.Error
	switch {
	case errors.As(err, &list):
	case errors.As(err, &one):
		list = diag.List{one}
	}
	lines := strings.Split(string(src), "\n")
	for _, e := range list {
		if e.Path != file {
			t.Errorf("%v: names another file", e)
		}
		if e.Line < 0 || e.Line > len(lines) {
			t.Errorf("%v: line %d outside the input (%d lines)", e, e.Line, len(lines))
			continue
		}
		if e.Line > 0 && e.Col > len(lines[e.Line-1])+1 {
			t.Errorf("%v: column %d past the end of line %d (%q)", e, e.Col, e.Line, lines[e.Line-1])
		}
	}
}

// seedArticles returns the repository's articles and the articles of the
// golden and error archives.
func seedArticles(tb testing.TB) [][]byte {
	var out [][]byte
	filepath.WalkDir(filepath.Join(repoRoot, "content"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".md") {
			if b, err := os.ReadFile(p); err == nil {
				out = append(out, b)
			}
		}
		return nil
	})
	for _, pattern := range []string{"testdata/extract/*.txtar", "testdata/errors/*.txtar"} {
		paths, _ := filepath.Glob(pattern)
		for _, p := range paths {
			ar, err := txtar.ParseFile(p)
			if err != nil {
				tb.Fatal(err)
			}
			for _, f := range ar.Files {
				if strings.HasSuffix(f.Name, ".md") {
					out = append(out, f.Data)
				}
			}
		}
	}
	if len(out) == 0 {
		tb.Fatal("no seed articles")
	}
	return out
}

// FuzzMatch checks that Match and Diff never panic, and that output always
// matches itself as expected output when none of its lines is a pattern
// ("...", "text...", "/re/").
func FuzzMatch(f *testing.F) {
	seeds := [][2]string{
		{"NAME      READY   STATUS\nexample   2/2     Running", "NAME READY STATUS\nexample 2/2 Running\n"},
		{"...\n<title>Welcome to nginx!</title>\n...", "<html>\n<title>Welcome to nginx!</title>\n</html>\n"},
		{"kind v0.33.0...", "kind v0.33.0 go1.24 linux/amd64\n"},
		{`/v3\.[0-9]+\.[0-9]+/`, "v3.22.0\n"},
		{"/a)|(b/", "axyz\n"},
		{"example-5c794cbb55-cvn4k   1/1   Running   0   2m", "example-7d9f8b6c4d-x2z9q   1/1   Running   0   14s\n"},
		{"LAST DEPLOYED: Wed Nov 22 10:55:11 2017", "LAST DEPLOYED: Tue Nov 25 17:21:08 2026\n"},
		{"80:30841/TCP 10.0.0.62 2017-11-22T10:55:11Z", "80:32587/TCP 10.96.0.1 2026-01-02T03:04:05.5+01:00\r\n"},
		{"1m 2m 3m 4m", "5s 6s 7s 8s"},
		{"", ""},
	}
	for _, s := range seeds {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, expect, output string) {
		exp := strings.Split(expect, "\n")
		lab.Match(exp, output)
		lab.Diff(exp, output)
		if !lab.Match(nil, output) {
			t.Fatal("nil expect does not match")
		}
		self := lab.OutputLines(output)
		for _, l := range self {
			t := strings.TrimSpace(l)
			if strings.HasSuffix(t, "...") || (len(t) > 2 && strings.HasPrefix(t, "/") && strings.HasSuffix(t, "/")) {
				return
			}
		}
		if !lab.Match(self, output) {
			t.Errorf("output does not match itself: %q", output)
		}
	})
}
