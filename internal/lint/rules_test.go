package lint

import (
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/version"

	"github.com/sysadvent/advent/internal/content"
)

var v134 = version.MajorMinor(1, 34)

// lintCode lints code as one block of lang starting at line 10 (fence)
// and returns the findings' rules.
func lintCode(t *testing.T, lang, code string) []Finding {
	t.Helper()
	b := &content.Block{Lang: lang, Code: code, Line: 10, Col: 1, FirstLine: 11}
	return lintBlock("x.md", b, v134)
}

func rulesOf(fs []Finding) []RuleID {
	var out []RuleID
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

// TestRuleExamples runs every rule's examples (Rule.Examples) on
// 2026-12-06: a stale
// example finds that rule and no other, a current one finds nothing, and
// a message or replacement given is the finding's exact text.
func TestRuleExamples(t *testing.T) {
	// End of life is judged on a fixed day, so that the examples keep
	// their meaning as releases age.
	defer func(f func() time.Time) { today = f }(today)
	today = func() time.Time { return time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC) }
	for _, r := range Rules() {
		stales := 0
		for i, ex := range r.Examples {
			if ex.Stale {
				stales++
			}
			t.Run(fmt.Sprintf("%s/%d", r.ID, i), func(t *testing.T) {
				fs := lintExample(t, ex)
				var want []RuleID
				if ex.Stale {
					want = []RuleID{r.ID}
				}
				if got := rulesOf(fs); !reflect.DeepEqual(got, want) {
					t.Fatalf("%q: got %v, want %v", ex.Code, got, want)
				}
				if ex.Stale && (ex.Message != "" && fs[0].Message != ex.Message || ex.Replacement != "" && fs[0].Replacement != ex.Replacement) {
					t.Errorf("%q:\n got  %q -> %q\n want %q -> %q", ex.Code, fs[0].Message, fs[0].Replacement, ex.Message, ex.Replacement)
				}
			})
		}
		if stales == 0 {
			t.Errorf("rule %s has no stale example", r.ID)
		}
	}
}

// lintExample lints an example as lint reads a file: its Code as one
// block of its language, or as the whole file.
func lintExample(t *testing.T, ex Example) []Finding {
	t.Helper()
	target := v134
	if ex.Kubernetes != "" {
		v, err := ParseVersion(ex.Kubernetes)
		if err != nil {
			t.Fatal(err)
		}
		target = v
	}
	src, path := ex.Code, ex.Path
	if path == "" {
		path = "doc.md"
	}
	if !ex.File {
		lang := ex.Lang
		if lang == "" {
			lang = "sh"
		}
		src = "```" + lang + "\n" + ex.Code + "\n```\n"
	}
	fs, err := lintSource(path, []byte(src), false, target)
	if err != nil {
		t.Fatalf("%q: %v", ex.Code, err)
	}
	return fs
}

// TestRules: every rule has a unique ID, a summary, a severity and an
// https source; what each says (severity, versions, dates, source) is
// testdata/rules.golden, so a rule added, dropped or re-dated shows there.
func TestRules(t *testing.T) {
	var b strings.Builder
	seen := map[RuleID]bool{}
	for _, r := range Rules() {
		if seen[r.ID] {
			t.Errorf("duplicate rule %s", r.ID)
		}
		seen[r.ID] = true
		u, err := url.Parse(r.Source)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("%s: source %q is not a URL", r.ID, r.Source)
		}
		if r.Severity != SeverityError && r.Severity != SeverityWarning {
			t.Errorf("%s: severity %q", r.ID, r.Severity)
		}
		if r.Summary == "" {
			t.Errorf("%s: no summary", r.ID)
		}
		if ruleByID[r.ID] == nil {
			t.Errorf("%s: not found by ID", r.ID)
		}
		if _, ok := tools[r.Tool]; r.Command != nil && !ok {
			t.Errorf("%s: a command rule of tool %q, which tools does not know", r.ID, r.Tool)
		}
		fmt.Fprintf(&b, "%s %s %s deprecated=%q removed=%q since=%q %s\n", r.ID, r.Tool, r.Severity, r.DeprecatedIn, r.RemovedIn, r.Since, r.Source)
	}
	goldenFile(t, "rules.golden", b.String())
}

func TestPositions(t *testing.T) {
	// The finding points at the stale word, on its own line of a
	// continued command.
	code := "$ mkdir -p templates\n\n$ kubectl run example --image=nginx:alpine \\\n    -o yaml > templates/deployment.yaml\n"
	fs := lintCode(t, "console", code)
	if len(fs) != 1 {
		t.Fatalf("got %v", fs)
	}
	if f := fs[0]; f.Line != 14 || f.Col != 5 || f.BlockLine != 10 {
		t.Errorf("at %d:%d (block %d), want 14:5 (block 10)", f.Line, f.Col, f.BlockLine)
	}
	fs = lintCode(t, "console", "$ helm version\nv2.7.2\n$ helm init\n$HELM_HOME has been configured\n")
	if len(fs) != 1 || fs[0].Line != 13 || fs[0].Col != 8 {
		t.Errorf("got %+v, want helm-init at 13:8", fs)
	}
	fs = lintCode(t, "sh", "kubectl apply -f - <<'EOF'\n---\napiVersion: batch/v1beta1\nkind: CronJob\nEOF\n")
	if len(fs) != 1 || fs[0].Line != 13 || fs[0].Col != 1 || fs[0].Replacement != "batch/v1 CronJob" {
		t.Errorf("here-document: got %+v, want batch/v1beta1 at 13:1", fs)
	}
	fs = lintCode(t, "yaml", "# comment\napiVersion: apps/v1beta1\nkind: Deployment\n")
	if len(fs) != 1 || fs[0].Line != 12 || fs[0].Col != 1 {
		t.Errorf("got %+v, want the apiVersion line 12", fs)
	}
}

func TestTranscripts(t *testing.T) {
	tests := []struct {
		name, lang, code string
		want             []RuleID
	}{
		{"output is not commands", "console", "$ helm version\nhelm init\nhelm reset\n", nil},
		{"zsh prompt", "zsh", "% helm init\n$HELM_HOME has been configured\n", []RuleID{"helm-init"}},
		{"user@host prompt", "console", "user@box:~/chart$ helm install -n ex .\nNAME: ex\n", []RuleID{"helm-install-name"}},
		{"root prompt", "", "[root@box tmp]# kubefed init fed\n", []RuleID{"kubefed-archived"}},
		{"prompts in a bash block", "bash", "$ helm init\n$ helm install stable/nginx\n", []RuleID{"helm-init", "helm-install-no-name"}},
		{"output first", "console", "some output\n$ helm init\n", []RuleID{"helm-init"}},
		{"placeholders the parser rejects", "sh",
			"kubectl describe job/<JOB IDENTIFIER>\nkubefed join aws --host-cluster-context=host\nkubectl get pods -a\n",
			[]RuleID{"kubefed-archived", "kubectl-get-show-all"}},
		{"here-document manifest", "sh",
			"kubectl apply -f - <<EOF\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\nEOF\n",
			[]RuleID{RuleAPIRemoved}},
		{"no language, manifest", "", "apiVersion: batch/v1beta1\nkind: CronJob\n", []RuleID{RuleAPIRemoved}},
		{"no language, commands", "", "helm init\n", []RuleID{"helm-init"}},
		{"yaml is not commands", "yaml", "script: helm init\n", nil},
		{"text is not commands", "text", "$ helm init\n", nil},
		{"a Chef recipe's command string", "ruby",
			"default['x']['cmd'] = \"C:/opscode/chef/embedded/bin/inspec exec #{path}/p.tar.gz --attrs #{default['x']['attrs']}\"\n",
			[]RuleID{"inspec-attrs"}},
		{"a Jenkinsfile's sh step", "groovy", "sh 'helm init --client-only'\n", []RuleID{"helm-init"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := rulesOf(lintCode(t, tc.lang, tc.code))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestTokenize(t *testing.T) {
	calls := tokenize(`a "b c" 'd e' f\ g | h && i # j`+"\nk <X Y>", 1, 0, 0, true)
	var got [][]string
	for _, c := range calls {
		var ws []string
		for _, w := range c.words {
			ws = append(ws, w.s)
		}
		got = append(got, ws)
	}
	want := [][]string{{"a", "b c", "d e", "f g"}, {"h"}, {"i"}, {"k", "<X", "Y>"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	if w := calls[0].words[1]; w.col != 3 || w.raw != `"b c"` {
		t.Errorf("word %+v", w)
	}
	if w := calls[3].words[0]; w.line != 2 || w.col != 1 {
		t.Errorf("word %+v", w)
	}
}

func TestFindingString(t *testing.T) {
	f := Finding{Path: "a.md", Line: 3, Severity: SeverityError, Message: "helm init was removed in Helm v3.0.0 (2019-11-13)",
		Replacement: "nothing", Expected: true, Original: "2017"}
	if got, want := f.String(), "a.md:3: helm init was removed in Helm v3.0.0 (2019-11-13) -> nothing (expected, 2017 original)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	f = Finding{Path: "a.md", Line: 3, Severity: SeverityWarning, Message: "x is deprecated"}
	if got := f.String(); !strings.HasPrefix(got, "a.md:3: warning: x is deprecated -> ") {
		t.Errorf("got %q", got)
	}
	if f.Fails(false) || !f.Fails(true) {
		t.Errorf("a warning fails only when strict")
	}
}

// goldenFile compares got with testdata/name, or rewrites it with -update
// (the flag of the package's external tests).
func goldenFile(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if f := flag.Lookup("update"); f != nil && f.Value.String() == "true" {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -run %s -update)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("%s differs (go test -run %s -update rewrites it):\n--- got\n%s--- want\n%s", p, t.Name(), got, want)
	}
}

// TestEOLMessages: an end-of-life finding names the release, its dates
// and the supported range on the day lint runs, and cites the date's
// source.
func TestEOLMessages(t *testing.T) {
	defer func(f func() time.Time) { today = f }(today)
	today = func() time.Time { return time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC) }
	for _, c := range []struct{ code, message, source string }{
		{"kind create cluster --image kindest/node:v1.29.2",
			"kindest/node:v1.29.2 is Kubernetes 1.29, past its end of life since 2025-02-28 (supported today: Kubernetes 1.35 to 1.37)",
			"https://kubernetes.io/releases/1.29/"},
		{"curl -fsSL https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash",
			"https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 is Helm 3, on security fixes only since 2026-09-09, end of life 2027-02-10 (supported today: Helm 3 to 4)",
			"https://helm.sh/blog/helm-v3-end-of-life/"},
	} {
		fs := lintCode(t, "sh", c.code+"\n")
		if len(fs) != 1 || fs[0].Message != c.message || fs[0].Source != c.source || fs[0].Severity != SeverityWarning {
			t.Errorf("%s:\n got  %+v\n want %q from %s", c.code, fs, c.message, c.source)
		}
	}
}
