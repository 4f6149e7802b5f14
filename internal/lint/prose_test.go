package lint_test

import (
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lint"
)

const proseArticle = `---
title: "T"
date: 2017-12-05
day: 5
year: 2017
authors: ["Ann Author"]
handles: {"Ann Author": "ann"}
lab: t
---

Bring up a test Kubernetes environment using Minikube:

~~~console {original="2017" note="kind replaces Minikube for throwaway clusters."}
$ minikube start
~~~

` + "```console {step=\"cluster\"}\n$ kind create cluster\n...\n```" + `

Wait a minute or so and then install Tiller:

~~~console {original="2017" note="Helm 3 has no Tiller."}
$ helm init
~~~

` + "```console {step=\"helm\"}\n$ helm version --short\nv3...\n```" + `

{{< changed was="Then run helm init once more." why="Helm 3 has no helm init" >}}Then check the version again.{{< /changed >}}

` + "```console {step=\"again\"}\n$ helm version --short\nv3...\n```" + `

Minikube was the usual local cluster in 2017; kind replaces it.

` + "```console {step=\"nodes\"}\n$ kubectl get nodes\n...\n```" + `
`

// TestProseNamingReplacedTools: the paragraph before a step or original
// that names what the lab replaced (Minikube, from the note; Tiller, which
// the helm-init rule says helm init installed; helm init itself) is a
// finding at its line; wording marked as 2017's, and sentences about the
// change, are not.
func TestProseNamingReplacedTools(t *testing.T) {
	a, err := content.Parse("content/2017/05-t.md", []byte(proseArticle))
	if err != nil {
		t.Fatal(err)
	}
	fs, err := lint.Article(a, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range fs {
		if f.Rule == lint.RuleProseReplaced {
			got = append(got, f.String())
			if !f.Fails(false) {
				t.Errorf("a prose finding does not fail the lint: %s", f)
			}
		}
	}
	want := []string{
		`content/2017/05-t.md:11: the prose names "Minikube"`,
		`content/2017/05-t.md:22: the prose names "Tiller"`,
	}
	if len(got) != len(want) {
		t.Fatalf("prose findings:\n%s\nwant %d", strings.Join(got, "\n"), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d: %s\nwant it to start with %s", i, got[i], want[i])
		}
	}
	if !strings.Contains(got[1], `"Wait a minute or so and then install Tiller:"`) {
		t.Errorf("the finding does not quote the sentence: %s", got[1])
	}
	found := false
	for _, r := range lint.Rules() {
		found = found || r.ID == lint.RuleProseReplaced
	}
	if !found {
		t.Error("lint.Rules() does not list the prose rule (SARIF needs it)")
	}
}

// TestProseDay9: day 9 as it stood before its editorial pass
// (testdata/day9, a copy of content/2017/09-multi-provider-batch-jobs.md at
// main 969294a) is flagged where it still told the reader to do what no
// step does: the nine sentences that introduce a 2017 original no step
// replaces, the heading of the section made of originals only, the
// Conclusion's dangling "including:", and every instruction that names
// the federation control plane. The whole output is day9.golden.
func TestProseDay9(t *testing.T) {
	findings, err := lint.Paths("testdata/day9", nil, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var prose []lint.Finding
	for _, f := range findings {
		if f.Rule == lint.RuleProseReplaced || f.Rule == lint.RuleProseStaleIntro {
			prose = append(prose, f)
		}
	}
	golden(t, "day9.golden", text(prose))
	flagged := func(rule lint.RuleID, line int, quote string) bool {
		for _, f := range prose {
			if f.Rule == rule && f.Line == line && strings.Contains(f.Message, quote) {
				return true
			}
		}
		return false
	}
	for _, c := range []struct {
		line  int
		quote string
	}{
		{88, "Then, it’s time to create the configuration for the cluster:"},
		{126, "we need to have a few extra environment variables set:"},
		{133, "let’s set up state storage for the GCE work cluster using Google Storage:"},
		{139, "Now it’s time to generate the configuration for the GCE work cluster:"},
		{177, "Let’s generate the configuration for the host cluster, which will run the federation control plane:"},
		{192, "Once you’re ready, run this command to provision the cluster:"},
		{223, "If the message “Waiting for federation control plane to come up” takes an unreasonably long amount of time"},
		{230, "Once you see “Federation API server is running,” we can join the work clusters to the federation control plane:"},
		{260, "And within the configuration in the federation-apiserver section"},
		{173, "Part 4: Set up the host cluster"},
		{440, "There are many different applications for federated Kubernetes clusters, including:"},
	} {
		if !flagged(lint.RuleProseStaleIntro, c.line, c.quote) {
			t.Errorf("line %d %q is not flagged as a stale introduction", c.line, c.quote)
		}
	}
	for _, line := range []int{27, 28, 175, 200, 223, 230} {
		if !flagged(lint.RuleProseReplaced, line, "federation control plane") {
			t.Errorf("line %d names the federation control plane and is not flagged", line)
		}
	}
	// What the 2026 text already marks (changed shortcodes, "used to",
	// "There is no ...") is not flagged.
	for _, f := range prose {
		if f.Line == 198 || f.Line == 216 || f.Line == 42 || f.Line == 254 {
			t.Errorf("flagged marked or historical text: %s", f)
		}
	}
}
