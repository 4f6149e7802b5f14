package lint

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/content"
)

var v134 = Version{1, 34}

// lintCode lints code as one block of lang starting at line 10 (fence)
// and returns the findings' rules.
func lintCode(t *testing.T, lang, code string) []Finding {
	t.Helper()
	b := &content.Block{Lang: lang, Code: code, Line: 10, Col: 1, FirstLine: 11}
	return lintBlock("x.md", b, v134)
}

func rulesOf(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestCommandRules(t *testing.T) {
	tests := []struct {
		cmd  string
		want []string // rule IDs, in order; nil for none
	}{
		// Helm 2 verbs.
		{"helm init", []string{"helm-init"}},
		{"helm init --service-account tiller --upgrade", []string{"helm-init"}},
		{"helm reset --force", []string{"helm-reset"}},
		{"helm serve &", []string{"helm-serve"}},
		{"ls $(helm home)/repository", []string{"helm-home"}},
		{"helm version --short", nil},
		{"helm repo add stable https://charts.helm.sh/stable", nil},
		{"helm create mychart", nil},
		// helm install: the release name.
		{"helm install example .", nil},
		{"helm install -n example .", []string{"helm-install-name"}},
		{"helm install -n apache . --set image=httpd:alpine --set replicaCount=3", []string{"helm-install-name"}},
		{"helm install --name example stable/nginx", []string{"helm-install-name"}},
		{"helm install --name=example ./chart", []string{"helm-install-name"}},
		{"helm install -n web example ./chart", nil}, // -n is the namespace
		{"helm install example ./chart --namespace web --create-namespace", nil},
		{"helm install example ./chart -f values.yaml --set a=b --wait", nil},
		{"helm install stable/mysql", []string{"helm-install-no-name"}},
		{"helm install stable/mysql --generate-name", nil},
		{"helm install -g stable/mysql", nil},
		{"helm upgrade -n web example .", nil},
		{"helm upgrade --install example .", nil},
		// helm delete --purge.
		{"helm delete example --purge", []string{"helm-delete-purge"}},
		{"helm delete --purge example", []string{"helm-delete-purge"}},
		{"helm del --purge example", []string{"helm-delete-purge"}},
		{"helm delete example", nil}, // still an alias of uninstall
		{"helm uninstall example", nil},
		// Tiller flags.
		{"helm ls --tiller-namespace kube-system", []string{"helm-tiller-flag"}},
		{"helm list --tiller-namespace=tiller", []string{"helm-tiller-flag"}},
		{"helm list -n kube-system", nil},
		// helm search.
		{"helm search nginx", []string{"helm-search-term"}},
		{"helm search repo nginx", nil},
		{"helm search hub nginx", nil},
		// kubectl run.
		{"kubectl run example --image=nginx:alpine -o yaml > deployment.yaml", []string{"kubectl-run-deployment"}},
		{"kubectl run example --image=nginx --replicas=3", []string{"kubectl-run-deployment"}},
		{"kubectl run example --image=nginx --replicas 3 --port=80", []string{"kubectl-run-deployment"}},
		{"kubectl run x --image=y --restart=Never", nil},
		{"kubectl run x --image=y", nil},
		{"kubectl run x --image=y --dry-run=client -o yaml", nil},
		{"kubectl run x --image=y --restart=Never -o yaml", nil}, // a Pod then and now
		{"kubectl run x --image=y --restart=Always -o json", []string{"kubectl-run-deployment"}},
		{"kubectl run -it --rm debug --image=busybox --restart=Never -- sh", nil},
		{"kubectl create deployment example --image=nginx:alpine --dry-run=client -o yaml", nil},
		{"kubectl create deployment example --image=nginx --replicas=3", nil},
		{"kubectl -n web run x --image=y -oyaml", []string{"kubectl-run-deployment"}},
		// --generator.
		{"kubectl run x --image=y --generator=run-pod/v1", []string{"kubectl-generator"}},
		{"kubectl run x --image=y --generator=deployment/apps.v1", []string{"kubectl-generator"}},
		{"kubectl expose deployment x --port=80 --generator=service/v2", []string{"kubectl-generator"}},
		{"kubectl expose deployment example --port=80 --type=NodePort", nil},
		// kubectl get.
		{"kubectl get pods --show-all", []string{"kubectl-get-show-all"}},
		{"kubectl get pods -a", []string{"kubectl-get-show-all"}},
		{"kubectl get pods -A", nil},
		{"kubectl get deploy x -o yaml --export", []string{"kubectl-get-export"}},
		{"kubectl get pods -o wide", nil},
		{"kubectl --context=fed get clusters", nil}, // federation contexts are not a rule
		{"kubectl --context fed create namespace default", nil},
		// Retired tools.
		{"kubefed init fed --host-cluster-context=host", []string{"kubefed-archived"}},
		{"./kubefed join aws --host-cluster-context=host", []string{"kubefed-archived"}},
		{"kubefedctl join cluster1 --cluster-context cluster1", []string{"kubefed-archived"}},
		// Homebrew.
		{"brew cask install minikube", []string{"brew-cask"}},
		{"brew cask install docker virtualbox", []string{"brew-cask"}},
		{"brew cask list", []string{"brew-cask"}},
		{"brew install --cask minikube", nil},
		{"brew install kubernetes-helm", nil},
		// InSpec.
		{"inspec exec profile.tar.gz --attrs attrs.yml", []string{"inspec-attrs"}},
		{"inspec exec . --attrs=a.yml", []string{"inspec-attrs"}},
		{"inspec exec . --input-file inputs.yml", nil},
		// Commands inside pipes, lists, substitutions and wrappers.
		{"kubectl get ns && helm init", []string{"helm-init"}},
		{"true || helm init; echo done", []string{"helm-init"}},
		{"echo $(helm home)", []string{"helm-home"}},
		{"helm ls | grep x; sudo helm reset", []string{"helm-reset"}},
		{"KUBECONFIG=x helm init", []string{"helm-init"}},
		{"sudo -u admin env FOO=bar helm init", []string{"helm-init"}},
		{"if true; then\n  helm init\nfi", []string{"helm-init"}},
		{"for r in a b; do helm delete $r --purge; done", []string{"helm-delete-purge"}},
		// Mentions that are not calls.
		{"echo helm init", nil},
		{"# helm init", nil},
		{"echo 'helm init'", nil},
		{"grep 'kubectl run' notes.txt", nil},
	}
	for _, tc := range tests {
		t.Run(tc.cmd, func(t *testing.T) {
			got := rulesOf(lintCode(t, "sh", tc.cmd+"\n"))
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCommandReplacements(t *testing.T) {
	tests := []struct{ cmd, message, replacement string }{
		{"helm install -n example .",
			"helm install -n NAME: Helm 3 reads -n as --namespace and takes the release name as the first argument (removed in Helm v3.0.0, 2019-11-13)",
			"helm install example . (the release name is the first argument; -n is --namespace)"},
		{"helm delete example --purge", "helm delete --purge was removed in Helm v3.0.0 (2019-11-13)", "helm uninstall example (it purges by default)"},
		{"brew cask install minikube", "brew cask install was removed in Homebrew 2.7.0 (2020-12-21)", "brew install --cask minikube"},
		{"kubectl run example --image=nginx:alpine -o yaml",
			"kubectl run -o yaml creates a Pod and prints it, not a Deployment: kubectl run stopped making Deployments (removed in kubectl v1.18, 2020-03-25)",
			"kubectl create deployment example --image=nginx:alpine --dry-run=client -o yaml"},
		{"kubectl run x --image=y --generator=run-pod/v1", "kubectl run --generator=run-pod/v1 was removed in kubectl v1.21 (2021-04-08)", "drop the flag: kubectl run always creates a Pod"},
		{"inspec exec p --attrs 'a b.yml'", "inspec --attrs is deprecated since InSpec 4", "--input-file 'a b.yml'"},
	}
	for _, tc := range tests {
		fs := lintCode(t, "sh", tc.cmd+"\n")
		if len(fs) != 1 {
			t.Fatalf("%s: %d findings", tc.cmd, len(fs))
		}
		if fs[0].Message != tc.message || fs[0].Replacement != tc.replacement {
			t.Errorf("%s:\n got  %q -> %q\n want %q -> %q", tc.cmd, fs[0].Message, fs[0].Replacement, tc.message, tc.replacement)
		}
	}
}

func TestRulesCiteSources(t *testing.T) {
	seen := map[string]bool{}
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
		if r.Tool != "kubernetes" && r.RemovedIn == "" && r.DeprecatedIn == "" && r.Since == "" {
			t.Errorf("%s: no version or date", r.ID)
		}
	}
	for _, id := range ruleIDs() {
		if !seen[id] {
			t.Errorf("rule %s missing from Rules()", id)
		}
	}
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
		want             []string
	}{
		{"output is not commands", "console", "$ helm version\nhelm init\nhelm reset\n", nil},
		{"zsh prompt", "zsh", "% helm init\n$HELM_HOME has been configured\n", []string{"helm-init"}},
		{"user@host prompt", "console", "user@box:~/chart$ helm install -n ex .\nNAME: ex\n", []string{"helm-install-name"}},
		{"root prompt", "", "[root@box tmp]# kubefed init fed\n", []string{"kubefed-archived"}},
		{"prompts in a bash block", "bash", "$ helm init\n$ helm install stable/nginx\n", []string{"helm-init", "helm-install-no-name"}},
		{"output first", "console", "some output\n$ helm init\n", []string{"helm-init"}},
		{"placeholders the parser rejects", "sh",
			"kubectl describe job/<JOB IDENTIFIER>\nkubefed join aws --host-cluster-context=host\nkubectl get pods -a\n",
			[]string{"kubefed-archived", "kubectl-get-show-all"}},
		{"here-document manifest", "sh",
			"kubectl apply -f - <<EOF\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\nEOF\n",
			[]string{RuleAPIRemoved}},
		{"no language, manifest", "", "apiVersion: batch/v1beta1\nkind: CronJob\n", []string{RuleAPIRemoved}},
		{"no language, commands", "", "helm init\n", []string{"helm-init"}},
		{"yaml is not commands", "yaml", "script: helm init\n", nil},
		{"text is not commands", "text", "$ helm init\n", nil},
		{"a Chef recipe's command string", "ruby",
			"default['x']['cmd'] = \"C:/opscode/chef/embedded/bin/inspec exec #{path}/p.tar.gz --attrs #{default['x']['attrs']}\"\n",
			[]string{"inspec-attrs"}},
		{"a Jenkinsfile's sh step", "groovy", "sh 'helm init --client-only'\n", []string{"helm-init"}},
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
	calls := tokenize(`a "b c" 'd e' f\ g | h && i # j`+"\nk <X Y>", 1, 0, true)
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
