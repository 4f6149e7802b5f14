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

func rulesOf(fs []Finding) []RuleID {
	var out []RuleID
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	return out
}

func TestCommandRules(t *testing.T) {
	tests := []struct {
		cmd  string
		want []RuleID // rule IDs, in order; nil for none
	}{
		// Helm 2 verbs.
		{"helm init", []RuleID{"helm-init"}},
		{"helm init --service-account tiller --upgrade", []RuleID{"helm-init"}},
		{"helm reset --force", []RuleID{"helm-reset"}},
		{"helm serve &", []RuleID{"helm-serve"}},
		{"ls $(helm home)/repository", []RuleID{"helm-home"}},
		{"helm version --short", nil},
		{"helm repo add stable https://charts.helm.sh/stable", nil},
		{"helm create mychart", nil},
		// helm install: the release name.
		{"helm install example .", nil},
		{"helm install -n example .", []RuleID{"helm-install-name"}},
		{"helm install -n apache . --set image=httpd:alpine --set replicaCount=3", []RuleID{"helm-install-name"}},
		{"helm install --name example stable/nginx", []RuleID{"helm-install-name"}},
		{"helm install --name=example ./chart", []RuleID{"helm-install-name"}},
		{"helm install -n web example ./chart", nil}, // -n is the namespace
		{"helm install example ./chart --namespace web --create-namespace", nil},
		{"helm install example ./chart -f values.yaml --set a=b --wait", nil},
		{"helm install stable/mysql", []RuleID{"helm-install-no-name"}},
		{"helm install stable/mysql --generate-name", nil},
		{"helm install -g stable/mysql", nil},
		{"helm upgrade -n web example .", nil},
		{"helm upgrade --install example .", nil},
		// helm delete --purge.
		{"helm delete example --purge", []RuleID{"helm-delete-purge"}},
		{"helm delete --purge example", []RuleID{"helm-delete-purge"}},
		{"helm del --purge example", []RuleID{"helm-delete-purge"}},
		{"helm delete example", nil}, // still an alias of uninstall
		{"helm uninstall example", nil},
		// Tiller flags.
		{"helm ls --tiller-namespace kube-system", []RuleID{"helm-tiller-flag"}},
		{"helm list --tiller-namespace=tiller", []RuleID{"helm-tiller-flag"}},
		{"helm list -n kube-system", nil},
		// Plugins have flags of their own.
		{"helm 2to3 cleanup --tiller-ns some_namespace", nil},
		{"helm diff upgrade web ./chart", nil},
		// helm search.
		{"helm search nginx", []RuleID{"helm-search-term"}},
		{"helm search repo nginx", nil},
		{"helm search hub nginx", nil},
		// kubectl run.
		{"kubectl run example --image=nginx:alpine -o yaml > deployment.yaml", []RuleID{"kubectl-run-deployment"}},
		{"kubectl run example --image=nginx --replicas=3", []RuleID{"kubectl-run-deployment"}},
		{"kubectl run example --image=nginx --replicas 3 --port=80", []RuleID{"kubectl-run-deployment"}},
		{"kubectl run x --image=y --restart=Never", nil},
		{"kubectl run x --image=y", nil},
		{"kubectl run x --image=y --dry-run=client -o yaml", nil},
		{"kubectl run x --image=y --dry-run -o yaml", []RuleID{"kubectl-dry-run-bare"}},
		{"kubectl run x --image=y --restart=Never -o yaml", nil}, // a Pod then and now
		{"kubectl run x --image=y --restart=Always -o json", []RuleID{"kubectl-run-deployment"}},
		{"kubectl run -it --rm debug --image=busybox --restart=Never -- sh", nil},
		{"kubectl create deployment example --image=nginx:alpine --dry-run=client -o yaml", nil},
		{"kubectl create deployment example --image=nginx --replicas=3", nil},
		{"kubectl -n web run x --image=y -oyaml", []RuleID{"kubectl-run-deployment"}},
		// --generator.
		{"kubectl run x --image=y --generator=run-pod/v1", []RuleID{"kubectl-generator"}},
		{"kubectl run x --image=y --generator=deployment/apps.v1", []RuleID{"kubectl-generator"}},
		{"kubectl expose deployment x --port=80 --generator=service/v2", []RuleID{"kubectl-generator"}},
		{"kubectl expose deployment example --port=80 --type=NodePort", nil},
		// kubectl get.
		{"kubectl get pods --show-all", []RuleID{"kubectl-get-show-all"}},
		{"kubectl get pods -a", []RuleID{"kubectl-get-show-all"}},
		{"kubectl get pods -A", nil},
		{"kubectl get deploy x -o yaml --export", []RuleID{"kubectl-get-export"}},
		{"kubectl get pods -o wide", nil},
		{"kubectl --context=fed get clusters", nil}, // federation contexts are not a rule
		{"kubectl --context fed create namespace default", nil},
		// Retired tools.
		{"kubefed init fed --host-cluster-context=host", []RuleID{"kubefed-archived"}},
		{"./kubefed join aws --host-cluster-context=host", []RuleID{"kubefed-archived"}},
		{"kubefedctl join cluster1 --cluster-context cluster1", []RuleID{"kubefed-archived"}},
		// Homebrew.
		{"brew cask install minikube", []RuleID{"brew-cask"}},
		{"brew cask install docker virtualbox", []RuleID{"brew-cask"}},
		{"brew cask list", []RuleID{"brew-cask"}},
		{"brew install --cask minikube", nil},
		{"brew install kubernetes-helm", nil},
		// InSpec.
		{"inspec exec profile.tar.gz --attrs attrs.yml", []RuleID{"inspec-attrs"}},
		{"inspec exec . --attrs=a.yml", []RuleID{"inspec-attrs"}},
		{"inspec exec . --input-file inputs.yml", nil},
		// Commands inside pipes, lists, substitutions and wrappers.
		{"kubectl get ns && helm init", []RuleID{"helm-init"}},
		{"true || helm init; echo done", []RuleID{"helm-init"}},
		{"echo $(helm home)", []RuleID{"helm-home"}},
		{"helm ls | grep x; sudo helm reset", []RuleID{"helm-reset"}},
		{"KUBECONFIG=x helm init", []RuleID{"helm-init"}},
		{"sudo -u admin env FOO=bar helm init", []RuleID{"helm-init"}},
		{"if true; then\n  helm init\nfi", []RuleID{"helm-init"}},
		{"for r in a b; do helm delete $r --purge; done", []RuleID{"helm-delete-purge"}},
		// Placeholders with blanks are one argument.
		{"helm install -f [VALUES FILE].yaml .", []RuleID{"helm-install-no-name"}},
		{"helm install <RELEASE NAME> ./chart -f [VALUES FILE].yaml", nil},
		{"helm install [RELEASE NAME] ./chart", nil},
		{"helm install --name <RELEASE NAME> ./chart", []RuleID{"helm-install-name"}},
		// kubectl exec needs -- before the command since v1.31.
		{"kubectl exec mypod env", []RuleID{"kubectl-exec-no-dashes"}},
		{"kubectl exec -it mypod bash", []RuleID{"kubectl-exec-no-dashes"}},
		{"kubectl exec -it mypod -c app sh", []RuleID{"kubectl-exec-no-dashes"}},
		{"kubectl exec <POD NAME> env", []RuleID{"kubectl-exec-no-dashes"}},
		{"kubectl exec -it mypod -- bash", nil},
		{"kubectl -n web exec mypod -c app -- ls", nil},
		{"kubectl exec deploy/web -- env", nil},
		{"kubectl exec -it mypod", nil}, // no command: kubectl says so itself
		// Removed kubectl commands and flags.
		{"kubectl rolling-update frontend --image=image:v2", []RuleID{"kubectl-rolling-update"}},
		{"kubectl rollout status deployment/frontend", nil},
		{"kubectl create deployment x --image=y --dry-run -o yaml", []RuleID{"kubectl-dry-run-bare"}},
		{"kubectl create deployment x --image=y --dry-run=true -o yaml", []RuleID{"kubectl-dry-run-bare"}},
		{"kubectl create deployment x --image=y --dry-run=client -o yaml", nil},
		{"kubectl apply -f x.yaml --server-dry-run", []RuleID{"kubectl-server-dry-run"}},
		{"kubectl apply -f x.yaml --dry-run=server", nil},
		{"kubectl set image deployment/web web=nginx:1.27 --record", []RuleID{"kubectl-record"}},
		{"kubectl apply -f web.yaml --record=true", []RuleID{"kubectl-record"}},
		{"kubectl drain node1 --ignore-daemonsets --delete-local-data", []RuleID{"kubectl-drain-delete-local-data"}},
		{"kubectl drain node1 --ignore-daemonsets --delete-emptydir-data", nil},
		{"sudo kubeadm init --control-plane-endpoint lb:6443 --experimental-upload-certs", []RuleID{"kubeadm-experimental-flag"}},
		{"kubeadm join lb:6443 --token t --experimental-control-plane --certificate-key k", []RuleID{"kubeadm-experimental-flag"}},
		{"kubeadm init --upload-certs", nil},
		// The deleted chart repositories.
		{"helm repo add stable https://kubernetes-charts.storage.googleapis.com", []RuleID{"helm-stable-repo-url"}},
		{"helm repo add incubator https://kubernetes-charts-incubator.storage.googleapis.com/", []RuleID{"helm-stable-repo-url"}},
		{"helm repo add stable https://charts.helm.sh/stable", nil},
		// A completion demo is not a command.
		{"helm install myrelease --version 2.0.[tab]", nil},
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

// TestRulesCiteSources compares the rules with a list written here, by
// hand, from the upstream pages each one cites: a rule added, dropped or
// re-dated in rules.go without this list fails.
func TestRulesCiteSources(t *testing.T) {
	want := map[string]string{ // id: removed in (or deprecated in, or since)
		"k8s-api-removed":                 "",
		"k8s-api-deprecated":              "",
		"k8s-api-unknown-version":         "",
		"k8s-kind-unknown":                "",
		"k8s-api-not-yet-served":          "",
		"helm-init":                       "Helm v3.0.0",
		"helm-reset":                      "Helm v3.0.0",
		"helm-serve":                      "Helm v3.0.0",
		"helm-home":                       "Helm v3.0.0",
		"helm-install-name":               "Helm v3.0.0",
		"helm-install-no-name":            "Helm v3.0.0",
		"helm-delete-purge":               "Helm v3.0.0",
		"helm-tiller-flag":                "Helm v3.0.0",
		"helm-search-term":                "Helm v3.0.0",
		"kubectl-run-deployment":          "kubectl v1.18",
		"kubectl-generator":               "kubectl v1.21",
		"kubectl-get-show-all":            "kubectl v1.14",
		"kubectl-get-export":              "kubectl v1.18",
		"kubectl-exec-no-dashes":          "kubectl v1.31",
		"kubectl-rolling-update":          "kubectl v1.18",
		"kubectl-dry-run-bare":            "kubectl v1.18",
		"kubectl-server-dry-run":          "kubectl v1.19",
		"helm-stable-repo-url":            "2020-11-13",
		"kubectl-record":                  "kubectl v1.22",
		"kubectl-drain-delete-local-data": "kubectl v1.20",
		"kubeadm-experimental-flag":       "kubeadm v1.16",
		"kubefed-archived":                "2023",
		"brew-cask":                       "Homebrew 2.7.0",
		"inspec-attrs":                    "InSpec 4",
		"file-unreadable":                 "",
		"prose-replaced-tool":             "",
	}
	seen := map[string]bool{}
	for _, r := range Rules() {
		id := string(r.ID)
		if seen[id] {
			t.Errorf("duplicate rule %s", id)
		}
		seen[id] = true
		when, ok := want[id]
		if !ok {
			t.Errorf("rule %s is not in the list of this test", id)
			continue
		}
		if got := firstOf(r.RemovedIn, r.DeprecatedIn, r.Since); r.Tool != "kubernetes" && r.Tool != "advent" && got != when {
			t.Errorf("%s: removed/deprecated %q, the list says %q", id, got, when)
		}
		u, err := url.Parse(r.Source)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("%s: source %q is not a URL", id, r.Source)
		}
		if r.Severity != SeverityError && r.Severity != SeverityWarning {
			t.Errorf("%s: severity %q", id, r.Severity)
		}
		if r.Summary == "" {
			t.Errorf("%s: no summary", id)
		}
		if ruleByID[r.ID] == nil {
			t.Errorf("%s: not found by ID", id)
		}
	}
	for id := range want {
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
