package lab

import (
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/content"
)

func TestMergeExpectedKeepsWhatStillMatches(t *testing.T) {
	for _, tc := range []struct {
		name   string
		expect []string
		output string
		want   []string
	}{
		{"one line changed", []string{"a", "b", "c"}, "a\nB\nc\n", []string{"a", "B", "c"}},
		{"elision keeps covering", []string{"NAME STATUS", "...", "done"}, "NAME STATUS\nx 1\ny 2\nfinished\n",
			[]string{"NAME STATUS", "...", "finished"}},
		{"prefix and regexp stay", []string{"v3.22...", "/[0-9]+ pods/", "old"}, "v3.22.1+g1234\n12 pods\nnew\n",
			[]string{"v3.22...", "/[0-9]+ pods/", "new"}},
		{"volatile values stay as written", []string{"web-5d8f7c6b9d-x7k2p   1/1   Running   0   2m", "gone"},
			"web-7b9c8d6f5c-q4z8w   1/1   Running   0   14s\n",
			[]string{"web-5d8f7c6b9d-x7k2p   1/1   Running   0   2m"}},
		{"a new line in the middle", []string{"first", "last"}, "first\nextra\nlast\n", []string{"first", "extra", "last"}},
		{"stale prefix replaced", []string{"v3.22..."}, "v4.0.0\n", []string{"v4.0.0"}},
		{"elision at the end", []string{"header", "..."}, "HEADER\nrest\nmore\n", []string{"HEADER", "..."}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := MergeExpected(tc.expect, tc.output)
			if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Errorf("MergeExpected(%q, %q) =\n%q\nwant\n%q", tc.expect, tc.output, got, tc.want)
			}
			if !Match(got, tc.output) {
				t.Errorf("the merged expectation does not match the output: %q", got)
			}
		})
	}
}

const acceptArticle = `---
title: "A"
date: 2017-12-01
day: 1
year: 2017
authors: ["Ann"]
handles: {"Ann": "ann"}
lab: a
---

1. A list item:

   ` + "```console {step=\"versions\"}" + `
   $ tool version \
       --short
   v1.0...
   built today
   $ echo same
   same
   ` + "```" + `

` + "```console {step=\"pods\"}" + `
$ kubectl get pods
NAME                   READY   AGE
web-5d8f7c6b9d-x7k2p   1/1     2m
...
` + "```" + `
`

func extractOne(t *testing.T, src string) *Lab {
	t.Helper()
	a, err := content.Parse("content/2017/01-a.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	labs, err := Extract([]*content.Article{a})
	if err != nil || len(labs) != 1 {
		t.Fatalf("extract: %v (%d labs)", err, len(labs))
	}
	return labs[0]
}

func TestAcceptRewritesOnlyWhatDiffers(t *testing.T) {
	l := extractOne(t, acceptArticle)
	obs := []Observed{
		{Step: "versions", Index: 0, Cmd: "tool version \\\n    --short", Output: "v2.0.1\nbuilt today\n"},
		{Step: "versions", Index: 1, Cmd: "echo same", Output: "same\n"},
		{Step: "pods", Index: 0, Cmd: "kubectl get pods", Output: "NAME READY AGE\nweb-7b9c8d6f5c-q4z8w 1/1 9s\ndb-0 1/1 1h\n"},
	}
	out, acc, skipped, err := Accept([]byte(acceptArticle), l, obs)
	if err != nil {
		t.Fatal(err)
	}
	if len(skipped) != 0 {
		t.Errorf("skipped %+v", skipped)
	}
	if len(acc) != 1 || acc[0].Step != "versions" || acc[0].Line != 14 {
		t.Errorf("accepted %+v", acc)
	}
	want := strings.Replace(acceptArticle, "   v1.0...\n", "   v2.0.1\n", 1)
	if string(out) != want {
		t.Errorf("article:\n%s\nwant:\n%s", out, want)
	}
	// The rewritten article extracts to a lab whose expectations match the
	// run, and accepting again changes nothing.
	l2 := extractOne(t, string(out))
	if !Match(l2.Steps[0].Commands[0].Expect, obs[0].Output) {
		t.Errorf("re-extracted expectation %q does not match", l2.Steps[0].Commands[0].Expect)
	}
	again, acc, _, err := Accept(out, l2, obs)
	if err != nil || len(acc) != 0 || string(again) != string(out) {
		t.Errorf("second accept: %v %+v changed=%v", err, acc, string(again) != string(out))
	}
}

func TestAcceptSkipsAndRefuses(t *testing.T) {
	l := extractOne(t, acceptArticle)
	_, acc, skipped, err := Accept([]byte(acceptArticle), l, []Observed{
		{Step: "versions", Index: 1, Cmd: "echo changed", Output: "x\n"},
		{Step: "gone", Index: 0, Cmd: "x", Output: "x\n"},
		{Step: "versions", Index: 1, Cmd: "echo same", Output: "$ not a prompt\n"},
	})
	if err != nil || len(acc) != 0 || len(skipped) != 3 {
		t.Fatalf("err %v accepted %+v skipped %+v", err, acc, skipped)
	}
	for i, want := range []string{"command changed", "no such step", "reads as a prompt"} {
		if !strings.Contains(skipped[i].Why, want) {
			t.Errorf("skipped[%d] = %q, want %q", i, skipped[i].Why, want)
		}
	}
	// An article that is not the one the lab came from is an error.
	edited := strings.Replace(acceptArticle, "   same\n", "   other\n", 1)
	if _, _, _, err := Accept([]byte(edited), l, []Observed{{Step: "versions", Index: 1, Cmd: "echo same", Output: "x\n"}}); err == nil || !strings.Contains(err.Error(), "is not there") {
		t.Errorf("stale lab: %v", err)
	}
}
