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
