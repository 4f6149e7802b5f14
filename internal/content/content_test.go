package content

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/diag"
)

// fm is valid front matter for content/2017/01-x.md; it takes 9 lines, so
// the body starts on line 10.
const fm = `---
title: "T"
date: 2017-12-01
day: 1
year: 2017
authors: ["Ann Author"]
handles: {"Ann Author": "ann"}
lab: x
---
`

// md turns every ' into a backtick: Go raw strings cannot hold one, so the
// sources below write ”' for a fence.
func md(s string) []byte { return []byte(strings.ReplaceAll(s, "'", "`")) }

type blockWant struct {
	Lang, Info, Code, Prose       string
	Line, Col, FirstLine, EndLine int
	Attrs                         []Attr
}

func blocksOf(a *Article) []blockWant {
	var out []blockWant
	for _, b := range a.Blocks {
		out = append(out, blockWant{Lang: b.Lang, Info: b.Info, Code: b.Code, Prose: b.Prose,
			Line: b.Line, Col: b.Col, FirstLine: b.FirstLine, EndLine: b.EndLine, Attrs: b.Attrs})
	}
	return out
}

func TestParseBlocks(t *testing.T) {
	tests := []struct {
		name string
		src  string // ' stands for a backtick
		want []blockWant
	}{{
		name: "front matter shifts lines; attributes with columns; prose",
		src: fm + `
Some prose.

'''console {step="a" timeout="90s"}
$ echo hi
hi
'''
`,
		want: []blockWant{{Lang: "console", Info: `console {step="a" timeout="90s"}`, Code: "$ echo hi\nhi\n", Prose: "Some prose.",
			Line: 13, Col: 1, FirstLine: 14, EndLine: 16,
			Attrs: []Attr{{"step", "a", 13, 13}, {"timeout", "90s", 13, 22}}}},
	}, {
		name: "attribute names inside earlier values do not move columns",
		src: `'''text {file="step.txt" step="s" match="timeout" timeout="1s"}
x
'''
`,
		want: []blockWant{{Lang: "text", Info: `text {file="step.txt" step="s" match="timeout" timeout="1s"}`, Code: "x\n",
			Line: 1, Col: 1, FirstLine: 2, EndLine: 3,
			Attrs: []Attr{{"file", "step.txt", 1, 10}, {"step", "s", 1, 26}, {"match", "timeout", 1, 35}, {"timeout", "1s", 1, 51}}}},
	}, {
		name: "attribute value forms goldmark accepts",
		src: `'''sh {.cls #ident exit=1 background=true q="a\"step" step=x, arr=["a", "]"]}
echo
'''
`,
		want: []blockWant{{Lang: "sh", Info: `sh {.cls #ident exit=1 background=true q="a\"step" step=x, arr=["a", "]"]}`, Code: "echo\n",
			Line: 1, Col: 1, FirstLine: 2, EndLine: 3,
			Attrs: []Attr{{"class", "cls", 1, 8}, {"id", "ident", 1, 13}, {"exit", "1", 1, 20}, {"background", "true", 1, 27},
				{"q", `a"step`, 1, 43}, {"step", "x", 1, 55}, {"arr", "[[97] [93]]", 1, 63}}}},
	}, {
		name: "tilde fence, longer fences, a fence inside a fence",
		src: `~~~yaml {file="a.yaml"}
a: 1
~~~

''''markdown
'''console {step="shown"}
$ true
'''
''''
`,
		want: []blockWant{
			{Lang: "yaml", Info: `yaml {file="a.yaml"}`, Code: "a: 1\n", Line: 1, Col: 1, FirstLine: 2, EndLine: 3,
				Attrs: []Attr{{"file", "a.yaml", 1, 10}}},
			{Lang: "markdown", Info: "markdown", Code: "'''console {step=\"shown\"}\n$ true\n'''\n", Line: 5, Col: 1, FirstLine: 6, EndLine: 9},
		},
	}, {
		name: "empty blocks, with and without info string",
		src: `text

'''
'''

'''sh {step="e"}
'''

~~~
~~~
`,
		want: []blockWant{
			{Prose: "text", Line: 3, Col: 1, FirstLine: 4, EndLine: 4},
			{Lang: "sh", Info: `sh {step="e"}`, Line: 6, Col: 1, FirstLine: 7, EndLine: 7, Attrs: []Attr{{"step", "e", 6, 8}}},
			{Line: 9, Col: 1, FirstLine: 10, EndLine: 10},
		},
	}, {
		name: "indented fences: list items and block quotes",
		src: `- item

  '''console {step="l"}
  $ true
  '''

> quoted:
>
> '''sh {step="q"}
> echo
> '''

1. '''sh
   echo 1
   '''
`,
		want: []blockWant{
			{Lang: "console", Info: `console {step="l"}`, Code: "$ true\n", Prose: "- item", Line: 3, Col: 3, FirstLine: 4, EndLine: 5,
				Attrs: []Attr{{"step", "l", 3, 15}}},
			{Lang: "sh", Info: `sh {step="q"}`, Code: "echo\n", Prose: "> quoted:\n>", Line: 9, Col: 3, FirstLine: 10, EndLine: 11,
				Attrs: []Attr{{"step", "q", 9, 10}}},
			{Lang: "sh", Info: "sh", Code: "echo 1\n", Line: 13, Col: 4, FirstLine: 14, EndLine: 15},
		},
	}, {
		name: "CRLF line endings",
		src:  "---\r\ntitle: x\r\n---\r\n\r\n'''sh {step=\"a\"}\r\necho\r\n'''\r\n",
		want: []blockWant{{Lang: "sh", Info: `sh {step="a"}`, Code: "echo\n", Line: 5, Col: 1, FirstLine: 6, EndLine: 7,
			Attrs: []Attr{{"step", "a", 5, 8}}}},
	}, {
		name: "a byte order mark is dropped",
		src:  "\xef\xbb\xbf---\ntitle: x\n---\n\n'''sh {step=\"a\"}\necho\n'''\n",
		want: []blockWant{{Lang: "sh", Info: `sh {step="a"}`, Code: "echo\n", Line: 5, Col: 1, FirstLine: 6, EndLine: 7,
			Attrs: []Attr{{"step", "a", 5, 8}}}},
	}, {
		name: "indented code and inline code are not fenced blocks",
		src:  "    '''sh\n    echo\n    '''\n\nInline '''sh {step=\"x\"}''' code.\n",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse("content/2017/01-x.md", md(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			got := blocksOf(a)
			for i := range tt.want {
				tt.want[i].Code = strings.ReplaceAll(tt.want[i].Code, "'", "`")
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("blocks:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{{
		name: "malformed attribute list",
		src:  fm + "\n'''console {step=}\n$ true\n'''\n",
		want: `content/2017/01-x.md:11:12: malformed attribute list {step=} (write name="value" pairs, quote the values)`,
	}, {
		name: "attribute list not closed",
		src:  fm + "\n'''console {step=\"a\"\n$ true\n'''\n",
		want: `content/2017/01-x.md:11:12: attribute list is not closed: missing "}"`,
	}, {
		name: "text after the attribute list",
		src:  fm + "\n'''console {step=\"a\"} extra\n$ true\n'''\n",
		want: `content/2017/01-x.md:11:22: unexpected text "extra" after the attribute list`,
	}, {
		name: "unterminated fence at the end of the file",
		src:  fm + "\n'''console {step=\"a\"}\n$ true\n",
		want: `content/2017/01-x.md:11:1: code fence is never closed`,
	}, {
		name: "unterminated fence without a final newline",
		src:  fm + "\n  ~~~\nx",
		want: `content/2017/01-x.md:11:3: code fence is never closed`,
	}, {
		name: "a shorter fence does not close",
		src:  fm + "\n''''sh\necho\n'''\n",
		want: `content/2017/01-x.md:11:1: code fence is never closed`,
	}, {
		name: "backtick in the info string",
		src:  fm + "\ntext\n\n'''console {note=\"`x`\"}\n$ true\n'''\n",
		want: "content/2017/01-x.md:13:1: the info string of a ``` fence cannot contain a backtick (CommonMark would not see a code block): open this block with ~~~ instead",
	}, {
		name: "several problems, in line order",
		src:  fm + "\n'''sh {a=}\n'''\n\n'''sh {b\n'''\n",
		want: "content/2017/01-x.md:11:7: malformed attribute list {a=} (write name=\"value\" pairs, quote the values)\n" +
			`content/2017/01-x.md:14:7: attribute list is not closed: missing "}"`,
	}, {
		name: "front matter not closed",
		src:  "---\ntitle: x\n",
		want: `content/2017/01-x.md:1:1: front matter is not closed: no line "---" after the opening one`,
	}, {
		name: "front matter YAML parser error (0-based line in yaml.v3)",
		src:  "---\ntitle: x\ntags: [a, b\nday: 1\n---\n",
		want: `content/2017/01-x.md:3: front matter: did not find expected ',' or ']'`,
	}, {
		name: "front matter YAML scanner error",
		src:  "---\ntitle: x\nsummary: a: b\n---\n",
		want: `content/2017/01-x.md:3:11: front matter: mapping values are not allowed in this context: the value holds ": "; quote it: summary: "a: b"`,
	}, {
		name: "a colon in the title",
		src:  "---\ntitle: Day 1: strace\n---\n",
		want: `content/2017/01-x.md:2:13: front matter: mapping values are not allowed in this context: the value holds ": "; quote it: title: "Day 1: strace"`,
	}, {
		name: "a repeated front matter key",
		src:  "---\ntitle: x\nday: 1\ntitle: y\n---\n",
		want: `content/2017/01-x.md:4:1: front matter: key "title" is repeated (first at line 2); Hugo would keep only one of them`,
	}, {
		name: "not UTF-8 in the front matter",
		src:  "---\ntitle: x\nsummary: caf\xe9\n---\n",
		want: `content/2017/01-x.md:3:13: not UTF-8 (byte 0xe9): save the file as UTF-8`,
	}, {
		name: "front matter YAML error found at the end of the front matter",
		src:  "---\n[a\n---\n",
		want: `content/2017/01-x.md:3: front matter: did not find expected ',' or ']'`,
	}, {
		name: "front matter with lone CRs, which YAML counts as line ends (found by FuzzExtract)",
		src:  "---\n#a\r\r#b\nx\n---",
		want: `content/2017/01-x.md:3:1: front matter must be a mapping of keys to values`,
	}, {
		name: "front matter key after a lone CR",
		src:  "---\ntitle: a\rtitle: b\n---\n",
		want: `content/2017/01-x.md:2:10: front matter: key "title" is repeated (first at line 2); Hugo would keep only one of them`,
	}, {
		name: "front matter not a mapping",
		src:  "---\n- a\n- b\n---\n",
		want: `content/2017/01-x.md:2:1: front matter must be a mapping of keys to values`,
	}, {
		name: "front matter values of the wrong type",
		src:  "---\ntitle: [a]\nday: first\nyear: 2017\ndate: 2017-13-45\nauthors: Ann\nhandles: [a]\ntags: {a: b}\n---\n",
		want: "content/2017/01-x.md:2:8: front matter \"title\": want a string\n" +
			"content/2017/01-x.md:3:6: front matter \"day\": want a day of the month (1-31)\n" +
			"content/2017/01-x.md:5:7: front matter \"date\": want a date such as 2017-12-05\n" +
			"content/2017/01-x.md:6:10: front matter \"authors\": want a list of names\n" +
			"content/2017/01-x.md:7:10: front matter \"handles\": want a mapping of names to handles\n" +
			"content/2017/01-x.md:8:7: front matter \"tags\": want a list of tags",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("content/2017/01-x.md", md(tt.src))
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if !diag.IsInput(err) {
				t.Errorf("%T is not an input error", err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestFrontMatter(t *testing.T) {
	a, err := Parse("content/2017/05-x.md", []byte(`---
title: "Do you want to build a helm chart?"
date: 2017-12-05
day: 5
year: 2017
authors: ["Paul Czarkowski"]
editors: ["Paul Stack"]
handles: {"Paul Czarkowski": "pczarkowski", "Paul Stack": "stack72"}
tags: ["kubernetes", "helm"]
summary: "A summary."
lab: helm
description: kept for section pages
---
Body.
`))
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	want := &Article{
		Path: "content/2017/05-x.md", Title: "Do you want to build a helm chart?",
		Date: time.Date(2017, 12, 5, 0, 0, 0, 0, time.UTC), Day: 5, Year: 2017,
		Authors: []string{"Paul Czarkowski"}, Editors: []string{"Paul Stack"},
		Handles: map[string]string{"Paul Czarkowski": "pczarkowski", "Paul Stack": "stack72"},
		Tags:    []string{"kubernetes", "helm"}, Summary: "A summary.", Lab: "helm",
		HasFrontMatter: true,
		Fields: map[string]int{"title": 2, "date": 3, "day": 4, "year": 5, "authors": 6, "editors": 7,
			"handles": 8, "tags": 9, "summary": 10, "lab": 11, "description": 12},
		Body: []byte("Body.\n"), BodyLine: 14,
	}
	if !reflect.DeepEqual(a, want) {
		t.Errorf("got  %+v\nwant %+v", a, want)
	}

	// No front matter at all: a plain Markdown file (lint input).
	p, err := Parse("README.md", []byte("# Title\n\n```sh\necho\n```\n"))
	if err != nil {
		t.Fatal(err)
	}
	if p.HasFrontMatter || len(p.Blocks) != 1 || p.Blocks[0].Line != 3 {
		t.Errorf("plain file: %+v", p)
	}
	if err := p.Validate(); err == nil || err.Error() != "README.md:1:1: article has no front matter (want title, date, day, year, authors)" {
		t.Errorf("Validate: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, path, src, want string
	}{{
		name: "missing title, date and authors",
		path: "content/2017/01-x.md",
		src:  "---\nday: 1\nyear: 2017\n---\n",
		want: "content/2017/01-x.md:1: front matter: missing title (the article's title)\n" +
			"content/2017/01-x.md:1: front matter: missing date (publication date, e.g. 2017-12-05)\n" +
			"content/2017/01-x.md:1: front matter: missing authors (a list of author names)",
	}, {
		name: "missing day and year",
		path: "content/2017/01-x.md",
		src:  "---\ntitle: T\ndate: 2017-12-01\nauthors: [A]\nhandles: {A: a}\n---\n",
		want: "content/2017/01-x.md:1: front matter: missing day (day of December)\n" +
			"content/2017/01-x.md:1: front matter: missing year (e.g. 2017)",
	}, {
		name: "empty title",
		path: "content/2017/01-x.md",
		src:  "---\ntitle: \"  \"\ndate: 2017-12-01\nday: 1\nyear: 2017\nauthors: [A]\nhandles: {A: a}\n---\n",
		want: "content/2017/01-x.md:2: front matter: missing title (the article's title)",
	}, {
		name: "day and year disagree with the date and the section",
		path: "content/2018/01-x.md",
		src:  "---\ntitle: T\ndate: 2017-12-01\nday: 2\nyear: 2016\nauthors: [A]\nhandles: {A: a}\n---\n",
		want: "content/2018/01-x.md:4: front matter: day 2 does not match date 2017-12-01\n" +
			"content/2018/01-x.md:5: front matter: year 2016 does not match date 2017-12-01\n" +
			"content/2018/01-x.md:5: front matter: year 2016 but the article is in section 2018",
	}, {
		name: "day out of range",
		path: "content/2017/01-x.md",
		src:  "---\ntitle: T\nyear: 2017\nday: 32\nauthors: [A]\nhandles: {A: a}\ndate: 2017-12-01\n---\n",
		want: "content/2017/01-x.md:4: front matter: day 32 is not a day of the month\n" +
			"content/2017/01-x.md:4: front matter: day 32 does not match date 2017-12-01",
	}, {
		name: "authors and editors need handles",
		path: "content/2017/01-x.md",
		src:  "---\ntitle: T\ndate: 2017-12-01\nday: 1\nyear: 2017\nauthors: [A, \"\"]\neditors: [E]\nhandles: {A: a}\n---\n",
		want: "content/2017/01-x.md:6: front matter: empty author or editor name\n" +
			"content/2017/01-x.md:8: front matter: handles has no entry for \"E\"",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.path, []byte(tt.src))
			if err != nil {
				t.Fatal(err)
			}
			err = a.Validate()
			if err == nil {
				t.Fatalf("no error, want %s", tt.want)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n got %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestIsArticle(t *testing.T) {
	for path, want := range map[string]bool{
		"content/2017/05-helm-chart.md": true,
		"content/2017/_index.md":        false,
		"content/2017/index.md":         false,
		"content/_index.md":             false,
		"content/about/writing-labs.md": false,
		"content/17/x.md":               false,
		"content/20x7/x.md":             false,
	} {
		if got := IsArticle(path); got != want {
			t.Errorf("IsArticle(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestLoadDir(t *testing.T) {
	root := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	article := func(day int) string {
		return strings.NewReplacer("DD", twoDigits(day), "D", twoDigits(day)[1:]).Replace(
			"---\ntitle: T\ndate: 2017-12-DD\nday: D\nyear: 2017\nauthors: [A]\nhandles: {A: a}\n---\n")
	}
	write("content/_index.md", "---\ntitle: Home\n---\n")
	write("content/about/writing-labs.md", "# How to write labs\n")
	write("content/2017/_index.md", "---\ntitle: \"2017\"\n---\n")
	write("content/2017/05-a.md", article(5))
	write("content/2017/06-b.md", article(6))
	write("content/2017/notes.txt", "not Markdown")
	arts, err := LoadDir(root, "content")
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, a := range arts {
		paths = append(paths, a.Path)
	}
	want := []string{"content/2017/05-a.md", "content/2017/06-b.md", "content/2017/_index.md", "content/_index.md", "content/about/writing-labs.md"}
	if !reflect.DeepEqual(paths, want) {
		t.Errorf("LoadDir paths = %q, want %q", paths, want)
	}
	if got := Articles(arts); len(got) != 2 || got[0].Day != 5 || got[1].Day != 6 {
		t.Errorf("Articles = %+v", got)
	}

	// Problems of every file are reported at once, sorted, with the day
	// already taken reported at the second article's day line.
	write("content/2017/05-c.md", article(5))
	write("content/2017/07-d.md", "---\ntitle: [\n---\n")
	write("content/2017/08-e.md", article(8)+"\n```sh\nunclosed\n")
	_, err = LoadDir(root, "content")
	wantErr := "content/2017/05-c.md:4: day 5 of 2017 is already taken by content/2017/05-a.md\n" +
		"content/2017/07-d.md:3: front matter: did not find expected node content\n" +
		"content/2017/08-e.md:10:1: code fence is never closed"
	if err == nil || err.Error() != wantErr {
		t.Errorf("LoadDir error:\n got %v\nwant %s", err, wantErr)
	}
	if !diag.IsInput(err) {
		t.Errorf("LoadDir error %T is not an input error", err)
	}

	if _, err := LoadDir(root, "missing"); err == nil || diag.IsInput(err) {
		t.Errorf("LoadDir of a missing directory: %v (want a non-input error)", err)
	}
}

func twoDigits(n int) string {
	return string([]byte{byte('0' + n/10), byte('0' + n%10)})
}

func TestYAMLSyntaxError(t *testing.T) {
	tests := []struct {
		src      string
		line     int
		problem  string
		isSyntax bool
	}{
		{"a: 1\nb: [1\n", 2, "did not find expected ',' or ']'", true},
		{"a: 1\nb: {x: 1\n", 2, "did not find expected ',' or '}'", true},
		{"a: 1\nb: c: d\n", 2, "mapping values are not allowed in this context", true},
		{"a: 1\n\tb: 2\n", 2, "found a tab character that violates indentation", true},
		{"a: 1\nb: \"open\n", 2, "found unexpected end of stream", true},
		// yaml.v3 names the line where the sequence starts.
		{"a:\n  - x\n  y: 1\n", 2, "did not find expected '-' indicator", true},
		{"a: !!int x\n", 0, "", false},
	}
	for _, tt := range tests {
		var n yaml.Node
		var v struct{ A int }
		err := yaml.Unmarshal([]byte(tt.src), &n)
		if err == nil {
			err = yaml.Unmarshal([]byte(tt.src), &v)
		}
		if err == nil {
			t.Fatalf("%q: no error", tt.src)
		}
		line, msg := YAMLSyntaxError(err)
		if !tt.isSyntax {
			if line != 0 || msg != err.Error() {
				t.Errorf("%q: YAMLSyntaxError(%v) = %d, %q; want 0 and the whole error", tt.src, err, line, msg)
			}
			continue
		}
		if line != tt.line || msg != tt.problem {
			t.Errorf("%q: YAMLSyntaxError(%v) = %d, %q; want %d, %q", tt.src, err, line, msg, tt.line, tt.problem)
		}
	}
	if line, msg := YAMLSyntaxError(errors.New("other")); line != 0 || msg != "other" {
		t.Errorf("YAMLSyntaxError(other) = %d, %q", line, msg)
	}
}

func TestAttrNames(t *testing.T) {
	tests := []struct {
		raw  string
		want []attrName
	}{
		{`{}`, nil},
		{`{a="1"}`, []attrName{{"a", 1}}},
		{`{ a = "x b=" b="2" }`, []attrName{{"a", 2}, {"b", 13}}},
		{`{.c1 .c2 #i k=v,l=1.5}`, []attrName{{"class", 1}, {"class", 5}, {"id", 9}, {"k", 12}, {"l", 16}}},
		{`{a=["x", "]", 1] b="\"" c=true}`, []attrName{{"a", 1}, {"b", 17}, {"c", 24}}},
		{`{a="unterminated`, []attrName{{"a", 1}}},
		{`{=`, nil},
		{`{`, nil},
	}
	for _, tt := range tests {
		if got := attrNames(tt.raw); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("attrNames(%s) = %v, want %v", tt.raw, got, tt.want)
		}
	}
}

// TestLoadDirSeesWhatHugoSees: every file Hugo would render is either read
// and validated (Markdown in any of Hugo's spellings) or rejected with its
// path (other content formats, symbolic links), and raw HTML in a body is
// an error at its position rather than text Hugo silently drops.
func TestLoadDirSeesWhatHugoSees(t *testing.T) {
	root := t.TempDir()
	write := func(name, src string) {
		t.Helper()
		p := filepath.Join(root, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	good := "---\ntitle: T\ndate: 2017-12-05\nday: 5\nyear: 2017\nauthors: [A]\nhandles: {A: a}\n---\n"
	write("content/2017/05-a.md", good+"\nText with <!-- a comment --> and {{<figure>}}.\n\n<!--\nblock comment\n-->\n")
	// A .markdown and a .MD file are articles too: their front matter is
	// checked like any other's.
	write("content/2017/06-b.markdown", "---\ntitle: [1, 2]\n---\n")
	write("content/2017/07-c.MD", strings.Replace(good, "day: 5", "day: 5\nday: 7", 1))
	write("content/2017/08-d.html", "<p>hello</p>\n")
	write("content/2017/09-e.md", strings.NewReplacer("05", "09", "day: 5", "day: 9").Replace(good)+
		"\n<pre>\nexample\n</pre>\n\nSome <b>bold</b> words.\n\n```html\n<p>code is fine</p>\n```\n")
	write("content/2017/10-f.md", "---\r\ntitle: x\r\n---\r\nfine\r\n")
	if err := os.Symlink("/nonexistent/target.md", filepath.Join(root, "content/2017/11-dangling.md")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(root, "content/2017/12-outside.md")); err != nil {
		t.Fatal(err)
	}
	_, err := LoadDir(root, "content")
	// Every problem of a file comes at once: the bad title and the
	// missing keys of 06-b.
	want := strings.Join([]string{
		// Hugo's built-in shortcodes write their arguments into the page.
		`content/2017/05-a.md:10:34: shortcode "figure" is one of Hugo's built-in ones, which put their arguments into the page unchecked: use the site's own (layouts/_shortcodes)`,
		`content/2017/06-b.markdown:1: front matter: missing date (publication date, e.g. 2017-12-05)`,
		`content/2017/06-b.markdown:1: front matter: missing authors (a list of author names)`,
		`content/2017/06-b.markdown:1: front matter: missing day (day of December)`,
		`content/2017/06-b.markdown:1: front matter: missing year (e.g. 2017)`,
		`content/2017/06-b.markdown:2:8: front matter "title": want a string`,
		`content/2017/07-c.MD:4: day 5 of 2017 is already taken by content/2017/05-a.md`,
		`content/2017/07-c.MD:5:1: front matter: key "day" is repeated (first at line 4); Hugo would keep only one of them`,
		`content/2017/08-d.html:1:1: content format .html is not supported: Hugo would publish it without advent's checks; write the article in Markdown (.md)`,
		`content/2017/09-e.md:10:1: raw HTML <pre> is not rendered (Hugo drops raw HTML and its text); write it in Markdown`,
		`content/2017/09-e.md:14:6: raw HTML <b> is not rendered (Hugo drops raw HTML and its text); write it in Markdown`,
		// CRLF front matter is read: what is missing is reported, not
		// "no front matter".
		`content/2017/10-f.md:1: front matter: missing date (publication date, e.g. 2017-12-05)`,
		`content/2017/10-f.md:1: front matter: missing authors (a list of author names)`,
		`content/2017/10-f.md:1: front matter: missing day (day of December)`,
		`content/2017/10-f.md:1: front matter: missing year (e.g. 2017)`,
		`content/2017/11-dangling.md: broken or looping symbolic link: advent does not follow links under content/ (they can point outside the project); copy the file instead`,
		`content/2017/12-outside.md: symbolic link: advent does not follow links under content/ (they can point outside the project); copy the file instead`,
	}, "\n")
	if err == nil || err.Error() != want {
		t.Errorf("LoadDir error:\n got %v\nwant %s", err, want)
	}
	if !diag.IsInput(err) {
		t.Errorf("LoadDir error %T is not an input error", err)
	}
}

// TestLoadSite: no content/ and a content/ without articles are input
// errors, never an empty site.
func TestLoadSite(t *testing.T) {
	root := t.TempDir()
	_, err := LoadSite(root)
	if err == nil || !diag.IsInput(err) || !strings.HasPrefix(err.Error(), "content: no content/ folder in ") {
		t.Errorf("LoadSite without content/: %v", err)
	}
	if err := os.MkdirAll(filepath.Join(root, "content"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "content/_index.md"), []byte("---\ntitle: x\n---\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = LoadSite(root)
	if err == nil || !diag.IsInput(err) || !strings.HasPrefix(err.Error(), "content: content/ holds no articles") {
		t.Errorf("LoadSite of an empty content/: %v", err)
	}
}

func TestYAMLPositions(t *testing.T) {
	tests := []struct {
		doc               string
		line, col         int
		wantLine, wantCol int
	}{
		{"a: 1\nb: 2", 2, 1, 2, 1},
		{"a: 1\r\nb: 2", 2, 1, 2, 1},
		{"a: 1\rb: 2\nc: 3", 2, 1, 1, 6},
		{"a: 1\rb: 2\nc: 3", 3, 4, 2, 4},
		{"a\u0085b\u2028c\u2029d\ne", 4, 1, 1, 12},
		{"a\u0085b\u2028c\u2029d\ne", 5, 1, 2, 1},
		{"a: 1\rb: 2", 2, 0, 1, 0}, // no column stays none
		{"a: 1", 7, 1, 1, 1},       // past the end: the last line
	}
	for _, tt := range tests {
		l, c := YAMLPositions([]byte(tt.doc))(tt.line, tt.col)
		if l != tt.wantLine || c != tt.wantCol {
			t.Errorf("YAMLPositions(%q)(%d, %d) = %d, %d; want %d, %d", tt.doc, tt.line, tt.col, l, c, tt.wantLine, tt.wantCol)
		}
		// What yaml.v3 reports for the key on that line agrees.
		var n yaml.Node
		if tt.col == 1 && yaml.Unmarshal([]byte(tt.doc), &n) == nil && len(n.Content) > 0 {
			keys := n.Content[0].Content
			for i := 0; i < len(keys); i += 2 {
				if k := keys[i]; k.Line == tt.line && k.Column != 1 {
					t.Errorf("%q: yaml.v3 puts line %d's node at column %d", tt.doc, tt.line, k.Column)
				}
			}
		}
	}
}
