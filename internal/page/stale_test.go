package page

import (
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lint"
)

func TestAddStale(t *testing.T) {
	src := "---\ntitle: x\n---\n\n```console\n$ helm init\n```\n\n```\napiVersion: extensions/v1beta1\nkind: Deployment\n```\n"
	a, err := content.Parse("content/2010/03-x.md", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	essay, err := content.Parse("content/2010/04-y.md", []byte("---\ntitle: y\n---\n\nNo code.\n"))
	if err != nil {
		t.Fatal(err)
	}
	arts := []*content.Article{a, essay}
	m := Compute(arts, nil, nil)
	findings, err := lint.Articles(arts, lint.Options{Kubernetes: "v1.34"})
	if err != nil {
		t.Fatal(err)
	}
	m.AddStale(arts, findings, Checked{Kubernetes: "v1.34", Helm: "Helm 4", Date: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)})
	ar := m.Articles[a.Path]
	if ar == nil || ar.Evidence != EvidenceLint || ar.Stale != 2 || ar.Badge != "⚠ 2 outdated" {
		t.Fatalf("article = %+v, want linted with 2 outdated", ar)
	}
	if want := "2 commands and manifests in this article are known to be outdated (checked against Kubernetes v1.34 and Helm 4 on December 6, 2026); its steps were never run."; ar.StaleLine != want {
		t.Errorf("StaleLine = %q, want %q", ar.StaleLine, want)
	}
	for line, lead := range map[int]string{5: leadCommand, 9: leadManifest} {
		b := m.Blocks[Key(a.Path, line)]
		if b == nil || len(b.Notes) != 1 || b.Notes[0].Lead != lead {
			t.Errorf("block at line %d: %+v, want one note led by %q", line, b, lead)
		}
	}
	if e := m.Articles[essay.Path]; e == nil || e.Evidence != EvidenceNone || e.Stale != 0 || e.StaleLine != "This article has no commands or manifests to check." {
		t.Errorf("essay = %+v", e)
	}
	if got := staleLine(EvidenceLint, 1, 0, Checked{Kubernetes: "v1.37", Date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}); got != "1 command in this article is known to be outdated (checked against Kubernetes v1.37 on January 2, 2026); its steps were never run." {
		t.Errorf("one command: %q", got)
	}
	if got := staleLine(EvidenceLint, 0, 0, Checked{Kubernetes: "v1.37", Helm: "Helm 4", Date: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)}); !strings.HasPrefix(got, "No command or manifest in this article is known to be outdated") {
		t.Errorf("none outdated: %q", got)
	}
}
