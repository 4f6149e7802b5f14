package lint_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/sysadvent/advent/internal/lint"
)

var update = flag.Bool("update", false, "rewrite the golden files of testdata/")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the output (go test -run %s -update rewrites it):\n--- got\n%s--- want\n%s", p, t.Name(), got, want)
	}
}

func lintCorpus(t testing.TB, target string) []lint.Finding {
	t.Helper()
	findings, err := lint.Paths("testdata", []string{"corpus"}, lint.Options{Kubernetes: target})
	if err != nil {
		t.Fatal(err)
	}
	return findings
}

func text(findings []lint.Finding) []byte {
	var b bytes.Buffer
	for _, f := range findings {
		fmt.Fprintf(&b, "%s\n\t[%s] source: %s\n", f, f.Rule, f.Source)
	}
	return b.Bytes()
}

// TestCorpus: the findings on the corpus (stale and modern files written
// for this test, one or more per class of issue #15), at the default
// target and at v1.24 and v1.20, where the rules that depend on the
// release say less.
func TestCorpus(t *testing.T) {
	for _, target := range []string{"", "v1.24", "v1.20"} {
		name := "corpus.golden"
		if target != "" {
			name = "corpus-" + target + ".golden"
		}
		t.Run(name, func(t *testing.T) {
			golden(t, name, text(lintCorpus(t, target)))
		})
	}
	// The modern files have no finding at all, on any target from v1.24.
	for _, target := range []string{"", "v1.24"} {
		for _, f := range lintCorpus(t, target) {
			if strings.HasPrefix(filepath.Base(f.Path), "modern-") {
				t.Errorf("%s: finding in a modern file: %s", target, f)
			}
		}
	}
	// Every finding is positioned, cites a source, and says what to do.
	for _, f := range lintCorpus(t, "") {
		if f.Rule != lint.RuleUnreadable && (f.Line < 1 || f.Col < 1 || f.BlockLine < 1) {
			t.Errorf("unpositioned: %s", f)
		}
		if !strings.HasPrefix(f.Source, "https://") || f.Replacement == "" || f.Message == "" {
			t.Errorf("incomplete: %+v", f)
		}
	}
}

type label struct {
	path string
	line int
	rule lint.RuleID
}

func readLabels(t *testing.T) map[label]bool {
	t.Helper()
	f, err := os.Open("testdata/corpus-labels.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	labels := map[label]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		var (
			path, rule string
			line       int
		)
		pos, r, _ := strings.Cut(l, " ")
		p, n, _ := strings.Cut(pos, ":")
		if _, err := fmt.Sscan(n, &line); err != nil {
			t.Fatalf("label %q: %v", l, err)
		}
		path, rule = "corpus/"+p, r
		labels[label{path, line, lint.RuleID(rule)}] = true
	}
	return labels
}

// TestCorpusRecall measures lint against the hand labels of the corpus
// (testdata/corpus-labels.txt): precision must be 1.00 and recall at
// least 0.95, the targets of issue #15.
func TestCorpusRecall(t *testing.T) {
	labels := readLabels(t)
	found := map[label]bool{}
	for _, f := range lintCorpus(t, "") {
		found[label{f.Path, f.Line, f.Rule}] = true
	}
	var tp, fp, fn []string
	for l := range found {
		if labels[l] {
			tp = append(tp, fmt.Sprint(l))
		} else {
			fp = append(fp, fmt.Sprint(l))
		}
	}
	for l := range labels {
		if !found[l] {
			fn = append(fn, fmt.Sprint(l))
		}
	}
	sort.Strings(fp)
	sort.Strings(fn)
	precision := float64(len(tp)) / float64(len(tp)+len(fp))
	recall := float64(len(tp)) / float64(len(tp)+len(fn))
	t.Logf("corpus: %d labelled, %d found, %d true positives: precision %.2f, recall %.2f", len(labels), len(found), len(tp), precision, recall)
	if len(fp) > 0 {
		t.Errorf("false positives (precision %.2f):\n%s", precision, strings.Join(fp, "\n"))
	}
	if recall < 0.95 || len(fn) > 0 {
		t.Errorf("missed (recall %.2f):\n%s", recall, strings.Join(fn, "\n"))
	}
}

// TestSARIF validates `advent lint -format sarif` on the corpus against
// the SARIF 2.1.0 JSON schema (testdata/sarif, from the OASIS
// specification), and checks what GitHub code scanning reads from it.
func TestSARIF(t *testing.T) {
	code, stdout, stderr := advent(t, "lint", "-root", "testdata", "-format", "sarif", "corpus", "README.md")
	if code != 1 || stderr != "" {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	validateSARIF(t, []byte(stdout))

	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID      string `json:"id"`
						HelpURI string `json:"helpUri"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text string `json:"text"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
						Region *struct {
							StartLine   int `json:"startLine"`
							StartColumn int `json:"startColumn"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(stdout), &log); err != nil {
		t.Fatal(err)
	}
	findings := lintCorpus(t, "")
	run := log.Runs[0]
	if log.Version != "2.1.0" || len(run.Results) != len(findings)+2 {
		t.Fatalf("version %q, %d results for %d findings + README's 2", log.Version, len(run.Results), len(findings))
	}
	var r0 = run.Results[0]
	loc := r0.Locations[0].PhysicalLocation
	if loc.ArtifactLocation.URI != "README.md" || loc.Region == nil || loc.Region.StartLine != 11 || loc.Region.StartColumn != 8 ||
		r0.RuleID != "helm-init" || r0.Level != "error" || run.Tool.Driver.Rules[r0.RuleIndex].ID != "helm-init" ||
		!strings.Contains(r0.Message.Text, "Tiller") || !strings.Contains(r0.Message.Text, "https://helm.sh/") {
		t.Errorf("first result: %+v", r0)
	}
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
	}

	// Expected findings in a 2017 original are suppressed; no findings is
	// an empty, valid run.
	dir := t.TempDir()
	write(t, dir, "a.md", "```console {original=\"2017\"}\n$ helm init\n```\n")
	write(t, dir, "ok.md", "```yaml\napiVersion: apps/v1\nkind: Deployment\n```\n")
	code, stdout, _ = advent(t, "lint", "-root", dir, "-format", "sarif", "a.md")
	if code != 0 || !strings.Contains(stdout, `"suppressions"`) || !strings.Contains(stdout, `"kind": "inSource"`) {
		t.Errorf("original: exit %d\n%s", code, stdout)
	}
	validateSARIF(t, []byte(stdout))
	code, stdout, _ = advent(t, "lint", "-root", dir, "-format", "sarif", "ok.md")
	if code != 0 || !strings.Contains(stdout, `"results": []`) {
		t.Errorf("no findings: exit %d\n%s", code, stdout)
	}
	validateSARIF(t, []byte(stdout))
}

func validateSARIF(t *testing.T, out []byte) {
	t.Helper()
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	sch, err := c.Compile("testdata/sarif/sarif-schema-2.1.0.json")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	if err := sch.Validate(doc); err != nil {
		t.Errorf("not valid SARIF 2.1.0: %v", err)
	}
}
