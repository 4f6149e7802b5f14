package site_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/site"
)

// An article without a lab is linted at build time: what lint knows is
// outdated shows at the block that holds it, the header counts it, and
// the calendar marks the day. An article with no code says so.
func TestKnownStaleWithoutLab(t *testing.T) {
	root := copyProject(t)
	files := map[string]string{
		"content/2010/_index.md": "---\ntitle: \"SysAdvent 2010\"\nyear: 2010\n---\n",
		"content/2010/03-old-helm.md": "---\ntitle: \"Old Helm\"\ndate: 2010-12-03\nday: 3\nyear: 2010\nauthors: [\"Ann\"]\nhandles: {\"Ann\": \"ann\"}\n---\n\n" +
			"Set up Helm:\n\n```console\n$ helm init\n```\n\nThen apply:\n\n```\napiVersion: extensions/v1beta1\nkind: Deployment\nmetadata:\n  name: web\n```\n\n" +
			"And this still works:\n\n```console\n$ kubectl get pods\n```\n",
		"content/2010/04-essay.md": "---\ntitle: \"An essay\"\ndate: 2010-12-04\nday: 4\nyear: 2010\nauthors: [\"Bo\"]\nhandles: {\"Bo\": \"bo\"}\n---\n\nNo code here.\n",
	}
	for name, text := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out := build(t, root, site.Options{Lint: &lint.Options{}})
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	page := read("2010/03-old-helm/index.html")
	target, _ := lint.Options{}.Target()
	header := regexp.MustCompile(`<p class="verification verification--linted" data-evidence="linted" data-stale="2"><span class="v-icon" aria-hidden="true">⚠</span> <span class="verification-text">2 commands and manifests in this article are known to be outdated \(checked against Kubernetes ` +
		regexp.QuoteMeta(lint.Release(target)) + ` and Helm 4 on [A-Z][a-z]+ \d+, \d{4}\); its steps were never run.</span></p>`)
	if !header.MatchString(page) {
		t.Errorf("the header does not count the outdated steps:\n%s", section(page, "verification"))
	}
	stale := regexp.MustCompile(`(?s)<ul class="known-stale">(.*?)</ul>`).FindAllStringSubmatch(page, -1)
	if len(stale) != 2 {
		t.Fatalf("%d known-stale lists, want one under each of the two outdated blocks:\n%s", len(stale), page)
	}
	if s := stale[0][1]; !strings.Contains(s, `data-rule="helm-init"`) || !strings.Contains(s, "<strong>This command no longer works:</strong> helm init") {
		t.Errorf("the helm init block does not say it no longer works:\n%s", s)
	}
	if s := stale[1][1]; !strings.Contains(s, `data-rule="k8s-api-removed"`) || !strings.Contains(s, "<strong>This manifest no longer applies:</strong> extensions/v1beta1 Deployment was removed") {
		t.Errorf("the manifest block does not say it no longer applies:\n%s", s)
	}
	// Each list follows its own block: helm init's comes before the
	// manifest, the manifest's before the kubectl block.
	helm, manifest, kubectl := strings.Index(page, "helm init"), strings.Index(page, "extensions/v1beta1"), strings.Index(page, "kubectl get pods")
	first, second := strings.Index(page, stale[0][0]), strings.Index(page, stale[1][0])
	if !(helm < first && first < manifest && manifest < second && second < kubectl) {
		t.Errorf("the findings are not at their blocks: helm %d, list %d, manifest %d, list %d, kubectl %d", helm, first, manifest, second, kubectl)
	}

	essay := read("2010/04-essay/index.html")
	if !strings.Contains(essay, `data-evidence="none" data-stale="0"><span class="verification-text">This article has no commands or manifests to check.</span>`) {
		t.Errorf("the essay does not say it has nothing to check:\n%s", section(essay, "verification"))
	}

	cal := read("2010/index.html")
	day3 := regexp.MustCompile(`(?s)<li class="day day--article day--stale" data-day="3" data-stale="true">.*?</li>`).FindString(cal)
	if day3 == "" || !strings.Contains(day3, `<span class="badge badge--stale" data-state="stale"`) || !strings.Contains(day3, "⚠ 2 outdated") {
		t.Errorf("the calendar does not mark day 3:\n%s", section(cal, `class="calendar"`))
	}
	if regexp.MustCompile(`<li class="day[^"]*day--stale[^"]*" data-day="4"`).MatchString(cal) {
		t.Errorf("the calendar marks day 4, which has nothing outdated")
	}
	// Lab tutorials keep their verification line.
	if strings.Contains(read("2017/05-helm-chart/index.html"), `data-evidence=`) {
		t.Errorf("a lab tutorial got the linted line")
	}
}

// section is the part of page around the first occurrence of s, for
// error messages.
func section(page, s string) string {
	i := strings.Index(page, s)
	if i < 0 {
		return "(no " + s + ")"
	}
	return page[max(0, i-200):min(len(page), i+1500)]
}
