package importer

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// project is an empty project root.
func project(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "content"), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// tree is every file under dir, relative, with its contents.
func tree(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		out[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// golden compares got with testdata/NAME, rewritten with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -update to accept):\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}

// importBoth imports src into a fresh project, checks that advent's own
// loader accepts every article, that nothing was dropped, and that a
// second run changes nothing. It returns the project's files.
func importBoth(t *testing.T, src string) (map[string]string, *Report) {
	t.Helper()
	root := project(t)
	rep, err := Run(context.Background(), Options{Root: root, From: src})
	if err != nil {
		t.Fatal(err)
	}
	if n := rep.Dropped(); n != 0 {
		var buf bytes.Buffer
		rep.Write(&buf)
		t.Errorf("%d words dropped:\n%s", n, buf.String())
	}
	arts, err := content.LoadSite(root)
	if err != nil {
		t.Fatalf("advent's loader rejects the import: %v", err)
	}
	if len(content.Articles(arts)) != len(rep.Articles) {
		t.Errorf("%d articles loaded, %d imported", len(content.Articles(arts)), len(rep.Articles))
	}
	first := tree(t, root)
	again, err := Run(context.Background(), Options{Root: root, From: src})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range again.Articles {
		if a.Action != ActionUnchanged {
			t.Errorf("second run: %s %s, want unchanged", a.Path, a.Action)
		}
	}
	if second := tree(t, root); !equalTrees(first, second) {
		t.Errorf("second run changed the project")
	}
	return first, rep
}

func equalTrees(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

func dump(files map[string]string, rep *Report) string {
	var b strings.Builder
	rep.Write(&b)
	keys := make([]string, 0, len(files))
	for k := range files {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		b.WriteString("\n== " + k + "\n" + files[k])
	}
	return b.String()
}

func TestImportBlogger(t *testing.T) {
	files, rep := importBoth(t, "testdata/blogger.xml")
	golden(t, "blogger.golden", dump(files, rep))
	day1 := files["content/2011/01-watching-daemon.md"]
	for _, want := range []string{
		"```console\n$ sudo strace -p 4242",            // a transcript
		"```bash\n#!/bin/bash",                         // SyntaxHighlighter's brush
		"(/2011/02-configuration-as-data/)",            // a link to another post, rewritten
		"![strace output](https://images.example.org/", // an absolute image kept
		"| Flag | Meaning             |",               // a table
		"tags:\n  - debugging\n  - linux",              // labels
		"imported: blogger:tag:blogger.com,1999:blog-1000.post-1",
	} {
		if !strings.Contains(day1, want) {
			t.Errorf("day 1 lacks %q:\n%s", want, day1)
		}
	}
	day2 := files["content/2011/02-configuration-as-data.md"]
	for _, want := range []string{"```yaml\napiVersion: v1", "```json\n{", "```html\n<iframe", "(/2011/01-watching-daemon/#top)", "  - in CI"} {
		if !strings.Contains(day2, want) {
			t.Errorf("day 2 lacks %q:\n%s", want, day2)
		}
	}
	if len(rep.Skipped) != 4 {
		t.Errorf("skipped %v, want the draft, November's post and the other entries", rep.Skipped)
	}
}

func TestImportTree(t *testing.T) {
	files, rep := importBoth(t, "testdata/tree")
	golden(t, "tree.golden", dump(files, rep))
	for name, want := range map[string]string{
		"content/2008/01-strace-and-tcpdump/index.md":    "![a capture](capture.png)",
		"content/2008/01-strace-and-tcpdump/capture.png": "\x89PNG",
		"content/2008/01-strace-and-tcpdump/filters.txt": "port 53",
		"content/2008/02-lists.md":                       "(/2008/01-strace-and-tcpdump/)",
		"content/2008/03-broken.md":                      "```ini\n[global]",
		"content/2008/04-tables.md":                      `{{< missing-image alt="network diagram" >}}`,
		"content/2008/_index.md":                         "year: 2008",
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	if !strings.Contains(files["content/2008/01-strace-and-tcpdump/index.md"], "handles:\n  Pat Example: patex") {
		t.Errorf("the AUTHOR file's handle is not in the front matter")
	}
}

// An article advent import did not make is left alone without -force,
// and replaced with it.
func TestImportConflict(t *testing.T) {
	root := project(t)
	mine := filepath.Join(root, "content/2011/01-mine.md")
	os.MkdirAll(filepath.Dir(mine), 0o755)
	os.WriteFile(mine, []byte("---\ntitle: mine\n---\n"), 0o644)
	rep, err := Run(context.Background(), Options{Root: root, From: "testdata/blogger.xml"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Conflicts() != 1 {
		t.Fatalf("conflicts = %d, want 1: %+v", rep.Conflicts(), rep.Articles)
	}
	if b, _ := os.ReadFile(mine); string(b) != "---\ntitle: mine\n---\n" {
		t.Errorf("the article advent import did not make was changed")
	}
	if _, err := os.Stat(filepath.Join(root, "content/2011/01-watching-daemon.md")); err == nil {
		t.Errorf("the conflicting article was written beside the other one")
	}
	rep, err = Run(context.Background(), Options{Root: root, From: "testdata/blogger.xml", Force: true})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Conflicts() != 0 {
		t.Errorf("-force: %d conflicts", rep.Conflicts())
	}
	if _, err := os.Stat(mine); err == nil {
		t.Errorf("-force left the replaced article on the same day")
	}
}

func TestImportBadInput(t *testing.T) {
	entry := func(day, published string) string {
		return `<entry><id>tag:x.post-` + day + `</id>` + published + `
<category scheme='http://schemas.google.com/g/2005#kind' term='http://schemas.google.com/blogger/2008/kind#post'/>
<title>Day ` + day + `</title><content type='html'>&lt;p&gt;x&lt;/p&gt;</content><author><name>A</name></author></entry>
`
	}
	feed := func(entries ...string) string {
		return "<?xml version='1.0' encoding='UTF-8'?>\n<feed xmlns='http://www.w3.org/2005/Atom'>\n" + strings.Join(entries, "") + "</feed>\n"
	}
	for _, tc := range []struct{ name, src, want string }{
		{"malformed", feed(entry("1", "<published>2011-12-01T00:00:00Z</published>"))[:200] + "<entry></feed>", "export.xml:4: XML: "},
		{"no date", feed(entry("1", "")), `export.xml:3: post "Day 1" has no <published> date`},
		{"same day", feed(entry("1", "<published>2011-12-01T00:00:00Z</published>"), entry("2", "<published>2011-12-01T09:00:00Z</published>")),
			`export.xml:6: day 1 of 2011 is already taken by "Day 1" (export.xml:3)`},
		{"not utf-8", feed(entry("1", "<published>2011-12-01T00:00:00Z</published>")) + "\xe9", "export.xml:7:1: not UTF-8 (byte 0xe9)"},
		{"not a feed", "<html></html>", "export.xml:1: not a Blogger export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := project(t)
			src := filepath.Join(t.TempDir(), "export.xml")
			os.WriteFile(src, []byte(tc.src), 0o644)
			_, err := Run(context.Background(), Options{Root: root, From: src})
			if err == nil || !diag.IsInput(err) {
				t.Fatalf("err = %v, want an input error", err)
			}
			msg := strings.ReplaceAll(err.Error(), filepath.ToSlash(filepath.Dir(src))+"/", "")
			if !strings.Contains(msg, tc.want) {
				t.Errorf("err = %q, want %q", msg, tc.want)
			}
			if got := tree(t, root); len(got) != 0 {
				t.Errorf("bad input wrote %v", got)
			}
		})
	}
}

func TestGuess(t *testing.T) {
	for code, want := range map[string]Lang{
		"$ ls -l\ntotal 0\n":                             LangConsole,
		"[root@web1 ~]# yum install nginx\n":             LangConsole,
		"#!/bin/bash\necho hi\n":                         LangBash,
		"#!/usr/bin/env python3\nprint(1)\n":             LangPython,
		"{\"a\": [1, 2]}\n":                              LangJSON,
		"apiVersion: v1\nkind: Pod\nmetadata:\n  x: y\n": LangYAML,
		"- name: install\n  apt: name=nginx\n":           LangYAML,
		"<?xml version=\"1.0\"?>\n<a/>\n":                LangXML,
		"<div>\n<p>hi</p>\n</div>\n":                     LangHTML,
		"FROM debian:12\nRUN true\n":                     LangDockerfile,
		"[main]\nkey = value\n":                          LangINI,
		"def main():\n    pass\nimport os\n":             LangPython,
		"require 'json'\nputs 1\nend\n":                  LangRuby,
		"apt-get update\napt-get install -y nginx\n":     LangSh,
		"It is 100% done: see below\n":                   LangText,
		"":                                               LangText,
	} {
		if got := Guess(code); got != want {
			t.Errorf("Guess(%q) = %s, want %s", code, got, want)
		}
	}
}

func sortStrings(s []string) { sort.Strings(s) }

// A local address that leaves the source tree is never copied: it is a
// missing image, listed.
func TestImportStaysInSourceTree(t *testing.T) {
	src := t.TempDir()
	secret := filepath.Join(filepath.Dir(src), "secret.png")
	os.WriteFile(secret, []byte("secret"), 0o644)
	t.Cleanup(func() { os.Remove(secret) })
	day := filepath.Join(src, "2009", "05")
	os.MkdirAll(day, 0o755)
	os.WriteFile(filepath.Join(day, "day5-x.html"), []byte(`<p>See <img src="../../../secret.png" alt="escape"> and <img src="/../secret.png" alt="rooted"></p>`), 0o644)
	os.WriteFile(filepath.Join(day, "AUTHOR"), []byte("A\n"), 0o644)
	root := project(t)
	rep, err := Run(context.Background(), Options{Root: root, From: src})
	if err != nil {
		t.Fatal(err)
	}
	files := tree(t, root)
	if len(files) != 2 || !strings.Contains(files["content/2009/05-x.md"], `{{< missing-image alt="escape" >}}`) ||
		!strings.Contains(files["content/2009/05-x.md"], `{{< missing-image alt="rooted" >}}`) {
		t.Errorf("files = %v", files)
	}
	if kept := rep.Articles[0].Kept; len(kept) != 2 || kept[0].Kind != KeptMissingImage {
		t.Errorf("kept = %v, want both images listed as missing", kept)
	}
}

// Text that Hugo would run as a shortcode is escaped, in prose and code.
func TestConvertEscapesShortcodes(t *testing.T) {
	c, err := convert(body{html: `<p>Embed with {{< youtube abc >}} or {{% note %}}.</p><pre>{{< figure src="x" >}}</pre>`})
	if err != nil {
		t.Fatal(err)
	}
	// The converter writes "<" in prose as "&lt;", which Hugo does not
	// read as a shortcode either.
	for _, want := range []string{"{{&lt; youtube abc &gt;}}", "{{%/* note */%}}", "```text\n{{</* figure src=\"x\" */>}}\n```"} {
		if !strings.Contains(c.markdown, want) {
			t.Errorf("markdown lacks %q:\n%s", want, c.markdown)
		}
	}
	if c.counts.Dropped != 0 {
		t.Errorf("%d words dropped", c.counts.Dropped)
	}
	if _, err := convert(body{html: `<pre>open {{< only</pre>`}); err == nil || !strings.Contains(err.Error(), "nothing closes") {
		t.Errorf("a lone shortcode opening: err = %v", err)
	}
}
