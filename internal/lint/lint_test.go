package lint_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/cli"
	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
)

const (
	repoRoot = "../.."
	day5     = "content/2017/05-helm-chart.md"
)

// advent runs the CLI in-process.
func advent(t testing.TB, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(context.Background(), args, &out, &errb)
	return code, out.String(), errb.String()
}

// TestContent lints the real articles: day 5's 2017 originals are flagged
// as expected findings, and the whole content passes (exit 0).
func TestContent(t *testing.T) {
	findings, err := lint.Paths(repoRoot, nil, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile(filepath.Join(repoRoot, day5))
	if err != nil {
		t.Fatal(err)
	}
	art, err := content.Parse(day5, src)
	if err != nil {
		t.Fatal(err)
	}
	originals := map[int]bool{}
	for _, b := range art.Blocks {
		if lab.IsOriginal(b) {
			originals[b.Line] = true
		}
	}

	byRule := map[lint.RuleID]int{}
	seen := map[string]bool{}
	for _, f := range findings {
		if f.Path != day5 {
			continue
		}
		byRule[f.Rule]++
		if !f.Expected || f.Original != "2017" || !originals[f.BlockLine] {
			t.Errorf("day 5 finding outside a 2017 original: %s (block %d)", f, f.BlockLine)
		}
		if f.Line <= f.BlockLine {
			t.Errorf("finding %s is not inside its block (fence at %d)", f, f.BlockLine)
		}
		key := fmt.Sprintf("%d/%d/%s", f.Line, f.Col, f.Rule)
		if seen[key] {
			t.Errorf("duplicate finding %s", f)
		}
		seen[key] = true
	}
	// brew cask install, helm init, kubectl run -o yaml, apps/v1beta1
	// (twice), helm install -n (twice), helm delete --purge (twice).
	for rule, n := range map[lint.RuleID]int{
		"brew-cask": 1, "helm-init": 1, "kubectl-run-deployment": 1, lint.RuleAPIRemoved: 2,
		"helm-install-name": 2, "helm-delete-purge": 2,
	} {
		if byRule[rule] < n {
			t.Errorf("day 5: %d %s findings, want at least %d (all: %v)", byRule[rule], rule, n, byRule)
		}
	}

	// The site's content passes: every stale block is a 2017 original
	// (make test runs `advent lint` and needs exit 0).
	code, stdout, stderr := advent(t, "lint", "-root", repoRoot)
	if code != 0 {
		t.Errorf("advent lint: exit %d, want 0\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, day5+":") || !strings.Contains(stdout, "(expected, 2017 original)") {
		t.Errorf("output lacks day 5's expected findings:\n%s", stdout)
	}

	// Day 5 alone passes: its stale blocks are all originals.
	if code, stdout, stderr := advent(t, "lint", "-root", repoRoot, day5); code != 0 {
		t.Errorf("advent lint %s: exit %d\n%s%s", day5, code, stdout, stderr)
	}
}

// TestPlainMarkdown: a README with no lab annotations has every block
// checked, and its findings fail.
func TestPlainMarkdown(t *testing.T) {
	code, stdout, stderr := advent(t, "lint", "testdata/README.md")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, stdout, stderr)
	}
	contains(t, "output", stdout,
		"testdata/README.md:11:8: helm init installed Tiller, Helm 2's in-cluster server; Helm 3 removed Tiller and helm init with it (removed in Helm v3.0.0, 2019-11-13) -> ",
		"testdata/README.md:28:1: extensions/v1beta1 Ingress was removed in Kubernetes v1.22 (deprecated since v1.14) -> networking.k8s.io/v1 Ingress\n",
		"advent lint: Kubernetes v1.37: 2 failing, 0 expected in originals, 0 warnings")
	if strings.Contains(stdout, "(expected") {
		t.Errorf("nothing is expected in plain Markdown:\n%s", stdout)
	}
	// The same through the directory.
	if code, stdout, _ := advent(t, "lint", "testdata/README.md", "testdata/corpus"); code != 1 || !strings.Contains(stdout, "testdata/README.md:28:") {
		t.Errorf("lint testdata: exit %d\n%s", code, stdout)
	}
}

func TestJSON(t *testing.T) {
	code, stdout, stderr := advent(t, "lint", "testdata/README.md", "--format", "json")
	if code != 1 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	var raw struct {
		Kubernetes string                   `json:"kubernetes"`
		Findings   []map[string]interface{} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &raw); err != nil {
		t.Fatalf("%v\n%s", err, stdout)
	}
	if raw.Kubernetes != lint.DefaultKubernetes || len(raw.Findings) != 2 {
		t.Fatalf("got %+v", raw)
	}
	for _, key := range []string{"path", "line", "col", "block_line", "rule", "severity", "message", "removed_in",
		"deprecated_in", "since", "replacement", "source", "expected", "original"} {
		if _, ok := raw.Findings[0][key]; !ok {
			t.Errorf("finding lacks %q: %v", key, raw.Findings[0])
		}
	}
	var report struct {
		Findings []lint.Finding `json:"findings"`
	}
	if err := json.Unmarshal([]byte(stdout), &report); err != nil {
		t.Fatal(err)
	}
	f := report.Findings[0]
	want := lint.Finding{
		Path: "testdata/README.md", Line: 11, Col: 8, BlockLine: 10, Rule: "helm-init", Severity: "error",
		Message: "helm init installed Tiller, Helm 2's in-cluster server; Helm 3 removed Tiller and helm init with it (removed in Helm v3.0.0, 2019-11-13)", RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: f.Replacement, Source: "https://helm.sh/docs/topics/v2_v3_migration/",
	}
	if f != want {
		t.Errorf("got  %#v\nwant %#v", f, want)
	}
	if f := report.Findings[1]; f.Rule != lint.RuleAPIRemoved || f.RemovedIn != "Kubernetes v1.22" || f.DeprecatedIn != "Kubernetes v1.14" ||
		f.Source != "https://kubernetes.io/docs/reference/using-api/deprecation-guide/#v1-22" || f.Line != 28 || f.BlockLine != 27 {
		t.Errorf("ingress finding %+v", f)
	}

	// No findings: an empty list, not null.
	dir := t.TempDir()
	write(t, dir, "ok.md", "```yaml\napiVersion: apps/v1\nkind: Deployment\n```\n")
	code, stdout, _ = advent(t, "lint", "-root", dir, "-format", "json", "ok.md")
	if code != 0 || !strings.Contains(stdout, `"findings": []`) {
		t.Errorf("exit %d\n%s", code, stdout)
	}
}

func TestKubernetesTarget(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "old.md", "```yaml\napiVersion: apps/v1beta1\nkind: Deployment\n```\n")

	code, stdout, _ := advent(t, "lint", "-root", dir, "--kubernetes", "v1.15", "old.md")
	if code != 0 || !strings.Contains(stdout, "old.md:2:1: warning: apps/v1beta1 Deployment is deprecated since Kubernetes v1.8 and is removed in v1.16 -> apps/v1 Deployment") {
		t.Errorf("v1.15: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := advent(t, "lint", "-root", dir, "--kubernetes", "v1.15", "-strict", "old.md"); code != 1 {
		t.Errorf("v1.15 -strict: exit %d\n%s", code, stdout)
	}
	if code, stdout, _ := advent(t, "lint", "-root", dir, "--kubernetes", "1.16", "old.md"); code != 1 || !strings.Contains(stdout, "removed in Kubernetes v1.16") {
		t.Errorf("1.16: exit %d\n%s", code, stdout)
	}
	if code, _, stderr := advent(t, "lint", "-root", dir, "--kubernetes", "latest", "old.md"); code != 2 || !strings.Contains(stderr, "latest") {
		t.Errorf("bad target: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := advent(t, "lint", "-root", dir, "-format", "xml", "old.md"); code != 2 || !strings.Contains(stderr, "xml") {
		t.Errorf("bad format: exit %d\n%s", code, stderr)
	}
}

// TestBadInput: the site's own articles keep the site's rules (an
// unclosed fence is an input error, exit 2) while the other files'
// findings are still printed; someone else's Markdown never fails to
// parse; a PATH that does not exist is bad usage.
func TestBadInput(t *testing.T) {
	dir := t.TempDir()
	site := "---\ntitle: x\ndate: 2017-12-01\nday: 1\nyear: 2017\nauthors: [A]\nhandles: {A: a}\n---\n\ntext\n\n```sh\nhelm init\n"
	write(t, dir, "content/2017/01-open.md", site)
	write(t, dir, "content/2017/02-ok.md", "```sh\nhelm init\n```\n")

	code, stdout, stderr := advent(t, "lint", "-root", dir)
	if code != 2 || !strings.Contains(stderr, "content/2017/01-open.md:12:1: code fence is never closed") ||
		!strings.Contains(stdout, "content/2017/02-ok.md:2:6: helm init") {
		t.Errorf("unclosed fence in the site: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	// The same file outside content/ is someone's docs: the fence runs to
	// the end of the file and what it holds is linted.
	write(t, dir, "docs/open.md", site)
	code, stdout, stderr = advent(t, "lint", "-root", dir, "docs")
	if code != 1 || stderr != "" || !strings.Contains(stdout, "docs/open.md:13:6: helm init") {
		t.Errorf("unclosed fence in docs: exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	// -site applies the site's rules anywhere.
	if code, _, stderr := advent(t, "lint", "-root", dir, "-site", "docs"); code != 2 || !strings.Contains(stderr, "docs/open.md:12:1: code fence is never closed") {
		t.Errorf("-site: exit %d\n%s", code, stderr)
	}
	code, _, stderr = advent(t, "lint", "-root", dir, "nope.md")
	if code != 2 || !strings.Contains(stderr, "nope.md: cannot read: no such file or directory") {
		t.Errorf("missing file: exit %d\n%s", code, stderr)
	}
	_, err := lint.Paths(dir, []string{"nope"}, lint.Options{})
	if err == nil || !strings.Contains(err.Error(), "nope: cannot read") {
		t.Errorf("Paths: %v", err)
	}
}

// TestLimits: someone else's Markdown is read within the site's limits
// (content.CheckLimits, content.MaxBlocks), each file over them refused
// at its position with exit 2 while the other files are still linted; and
// its fences are found where Hugo finds them, in footnotes and definition
// lists too.
func TestLimits(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "docs/deep.md", "intro\n\n"+strings.Repeat("> ", 50<<10)+"x\n") // 100 KB
	write(t, dir, "docs/large.md", strings.Repeat("text\n", content.MaxFileSize/5+1))
	write(t, dir, "docs/blocks.md", strings.Repeat("```sh\necho\n```\n\n", content.MaxBlocks+1))
	write(t, dir, "docs/notes.md", "text[^1]\n\n[^1]: note\n\n    ```sh\n    helm init\n    ```\n\n"+
		"Term\n:   ```sh\n    helm init\n    ```\n")
	code, stdout, stderr := advent(t, "lint", "-root", dir, "docs")
	if code != 2 {
		t.Errorf("exit %d, want 2", code)
	}
	contains(t, "stderr", stderr,
		"docs/deep.md:3:33: block quotes and lists nested 51200 deep here, over the limit of 16\n",
		"docs/large.md:1:1: file is 1048580 bytes, over the limit of 1048576: split the article\n",
		"docs/blocks.md:4001:1: more than 1000 code blocks in one file: split the article\n")
	// A fence in a footnote, and one in a definition.
	contains(t, "stdout", stdout, "docs/notes.md:6:10: helm init", "docs/notes.md:11:10: helm init")
}

// contains reports each of wants that got, the text of what, lacks.
func contains(t *testing.T, what, got string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", what, want, got)
		}
	}
}

// TestArticleModes: in an annotated article only lab blocks and originals
// are read; in a file outside the articles, every block is.
func TestArticleModes(t *testing.T) {
	dir := t.TempDir()
	const body = "```sh\nhelm init\n```\n\n" +
		"```console {original=\"2017\" note=\"x\"}\n$ helm reset\n```\n\n" +
		"```console {step=\"s\"}\n$ helm serve\n```\n"
	article := "---\ntitle: t\ndate: 2017-12-01\nday: 1\nyear: 2017\nauthors: [\"A\"]\nhandles: {\"A\": \"a\"}\nlab: t\n---\n\n" + body
	write(t, dir, "content/2017/01-a.md", article)
	write(t, dir, "docs/writing.md", body)

	findings, err := lint.Paths(dir, []string{"content", "docs"}, lint.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range findings {
		got = append(got, fmt.Sprintf("%s %s expected=%v", f.Path, f.Rule, f.Expected))
	}
	want := []string{
		"content/2017/01-a.md helm-reset expected=true",
		"content/2017/01-a.md helm-serve expected=false",
		"docs/writing.md helm-init expected=false",
		"docs/writing.md helm-reset expected=true",
		"docs/writing.md helm-serve expected=false",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func write(t testing.TB, dir, name, text string) {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// BenchmarkLint1000 lints 1,000 articles made from the real day 5.
func BenchmarkLint1000(b *testing.B) {
	src, err := os.ReadFile(filepath.Join(repoRoot, day5))
	if err != nil {
		b.Fatal(err)
	}
	dir := b.TempDir()
	for i := range 1000 {
		write(b, dir, fmt.Sprintf("content/%d/%03d-helm-chart.md", 2000+i/100, i%100), string(src))
	}
	b.ResetTimer()
	var n int
	for b.Loop() {
		findings, err := lint.Paths(dir, nil, lint.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(findings)
	}
	if n < 9000 {
		b.Fatalf("%d findings, want at least 9 per article", n)
	}
}
