package lint

import (
	"fmt"
	"regexp"
	"strings"
)

// Severity says whether a finding fails.
type Severity string

// Severities. Errors fail the lint (outside 2017 originals); warnings
// (deprecated, still working) are reported and fail only with Strict.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
)

// RuleID names a rule in findings, SARIF and `advent lint -rules`.
type RuleID string

// Rule IDs of the Kubernetes API checks; their data comes from the
// Kubernetes API libraries, not from this package.
const (
	RuleAPIRemoved    RuleID = "k8s-api-removed"
	RuleAPIDeprecated RuleID = "k8s-api-deprecated"
	RuleAPIUnknown    RuleID = "k8s-api-unknown-version"
	RuleKindUnknown   RuleID = "k8s-kind-unknown"
	RuleAPINotYet     RuleID = "k8s-api-not-yet-served"
)

// RuleUnreadable reports a file lint could not read or decode: it is a
// finding, so the other files' findings are still printed.
const RuleUnreadable RuleID = "file-unreadable"

// Command-line rule IDs.
const (
	RuleHelmInit             RuleID = "helm-init"
	RuleHelmReset            RuleID = "helm-reset"
	RuleHelmServe            RuleID = "helm-serve"
	RuleHelmHome             RuleID = "helm-home"
	RuleHelmInstallName      RuleID = "helm-install-name"
	RuleHelmInstallNoName    RuleID = "helm-install-no-name"
	RuleHelmDeletePurge      RuleID = "helm-delete-purge"
	RuleHelmTillerFlag       RuleID = "helm-tiller-flag"
	RuleHelmSearchTerm       RuleID = "helm-search-term"
	RuleKubectlRunDeployment RuleID = "kubectl-run-deployment"
	RuleKubectlGenerator     RuleID = "kubectl-generator"
	RuleKubectlShowAll       RuleID = "kubectl-get-show-all"
	RuleKubectlExport        RuleID = "kubectl-get-export"
	RuleKubectlExecDash      RuleID = "kubectl-exec-no-dashes"
	RuleKubectlRollingUpdate RuleID = "kubectl-rolling-update"
	RuleKubectlDryRunBare    RuleID = "kubectl-dry-run-bare"
	RuleKubectlServerDryRun  RuleID = "kubectl-server-dry-run"
	RuleHelmStableRepo       RuleID = "helm-stable-repo-url"
	RuleKubectlRecord        RuleID = "kubectl-record"
	RuleKubectlDeleteLocal   RuleID = "kubectl-drain-delete-local-data"
	RuleKubeadmExperimental  RuleID = "kubeadm-experimental-flag"
	RuleKubefed              RuleID = "kubefed-archived"
	RuleBrewCask             RuleID = "brew-cask"
	RuleInspecAttrs          RuleID = "inspec-attrs"
)

// Rule describes one check: what it finds, since when, and where that is
// documented upstream.
type Rule struct {
	ID           RuleID   `json:"id"`
	Tool         string   `json:"tool"`
	Severity     Severity `json:"severity"`
	Summary      string   `json:"summary"`
	RemovedIn    string   `json:"removed_in"`
	DeprecatedIn string   `json:"deprecated_in"`
	Since        string   `json:"since"`
	Replacement  string   `json:"replacement"`
	Source       string   `json:"source"`
}

// Sources.
const (
	helmMigration = "https://helm.sh/docs/topics/v2_v3_migration/"
	helmChanges   = "https://helm.sh/docs/faq/changes_since_helm2/"
)

// cliRules is the command-line rule set. Each rule cites the upstream
// page or change that removed (or deprecated) what it finds.
var cliRules = []Rule{
	{
		ID: RuleHelmInit, Tool: "helm", Severity: SeverityError,
		Summary:   "helm init installed Tiller and set up $HELM_HOME; Helm 3 has neither",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "nothing to run: Helm 3 talks to the cluster with your kubeconfig (add chart repositories with `helm repo add`)",
		Source:      helmMigration,
	},
	{
		ID: RuleHelmReset, Tool: "helm", Severity: SeverityError,
		Summary:   "helm reset uninstalled Tiller",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "nothing to run: Helm 3 has no Tiller",
		Source:      helmMigration,
	},
	{
		ID: RuleHelmServe, Tool: "helm", Severity: SeverityError,
		Summary:   "helm serve ran a local chart repository",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "serve a directory indexed by `helm repo index` with any web server, or push charts to an OCI registry",
		Source:      helmChanges,
	},
	{
		ID: RuleHelmHome, Tool: "helm", Severity: SeverityError,
		Summary:   "helm home printed $HELM_HOME, which Helm 3 replaced with XDG directories",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm env (HELM_CACHE_HOME, HELM_CONFIG_HOME, HELM_DATA_HOME)",
		Source:      helmMigration,
	},
	{
		ID: RuleHelmInstallName, Tool: "helm", Severity: SeverityError,
		Summary:   "helm install -n NAME / --name NAME: the release name is the first argument in Helm 3, and -n means --namespace",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm install NAME CHART",
		Source:      helmMigration,
	},
	{
		ID: RuleHelmInstallNoName, Tool: "helm", Severity: SeverityError,
		Summary:   "helm install CHART without a release name: Helm 3 requires a name or --generate-name",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm install NAME CHART (or helm install CHART --generate-name)",
		Source:      helmChanges,
	},
	{
		ID: RuleHelmDeletePurge, Tool: "helm", Severity: SeverityError,
		Summary:   "helm delete --purge: Helm 3 renamed delete to uninstall, which purges by default",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm uninstall NAME (--keep-history keeps the release record)",
		Source:      helmChanges,
	},
	{
		ID: RuleHelmTillerFlag, Tool: "helm", Severity: SeverityError,
		Summary:   "--tiller-namespace and the other --tiller-* flags: Helm 3 has no Tiller",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "drop the flag (use --namespace for the release's namespace)",
		Source:      helmChanges,
	},
	{
		ID: RuleHelmSearchTerm, Tool: "helm", Severity: SeverityError,
		Summary:   "helm search TERM: Helm 3 searches with the subcommands repo and hub",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm search repo TERM (or helm search hub TERM)",
		Source:      helmMigration,
	},
	{
		ID: RuleKubectlRunDeployment, Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl run used to make a Deployment (--replicas, or -o yaml of what it created); since v1.18 it only creates a Pod",
		DeprecatedIn: "kubectl v1.12", RemovedIn: "kubectl v1.18", Since: "2020-03-25",
		Replacement: "kubectl create deployment NAME --image=IMAGE (add --dry-run=client -o yaml to write a manifest)",
		Source:      "https://github.com/kubernetes/kubernetes/pull/87077",
	},
	{
		ID: RuleKubectlGenerator, Tool: "kubectl", Severity: SeverityError,
		Summary:      "--generator: kubectl's generators were removed; the flag had no effect since v1.18 and is gone since v1.21",
		DeprecatedIn: "kubectl v1.18", RemovedIn: "kubectl v1.21", Since: "2021-04-08",
		Replacement: "drop the flag (kubectl run only creates Pods; use kubectl create deployment|job|cronjob for the others)",
		Source:      "https://github.com/kubernetes/kubernetes/pull/99732",
	},
	{
		ID: RuleKubectlShowAll, Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl get --show-all (-a): pods in every state are shown by default",
		DeprecatedIn: "kubectl v1.10", RemovedIn: "kubectl v1.14", Since: "2019-03-25",
		Replacement: "drop the flag",
		Source:      "https://github.com/kubernetes/kubernetes/pull/69255",
	},
	{
		ID: RuleKubectlExport, Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl get --export",
		DeprecatedIn: "kubectl v1.14", RemovedIn: "kubectl v1.18", Since: "2020-03-25",
		Replacement: "kubectl get -o yaml and delete the status and server-set metadata, or write the manifest with kubectl create ... --dry-run=client -o yaml",
		Source:      "https://github.com/kubernetes/kubernetes/pull/88649",
	},
	{
		ID: RuleKubectlExecDash, Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl exec POD COMMAND: the command must follow --; kubectl v1.18 deprecated the form without it and v1.31 made it an error",
		DeprecatedIn: "kubectl v1.18", RemovedIn: "kubectl v1.31", Since: "2024-08-13",
		Replacement: "kubectl exec POD -- COMMAND",
		Source:      "https://github.com/kubernetes/kubernetes/pull/125437",
	},
	{
		ID: RuleKubectlRollingUpdate, Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl rolling-update (of ReplicationControllers): deprecated in v1.11, removed in v1.18; Deployments roll out by themselves",
		DeprecatedIn: "kubectl v1.11", RemovedIn: "kubectl v1.18", Since: "2020-03-25",
		Replacement: "a Deployment, updated with kubectl set image deployment/NAME CONTAINER=IMAGE (kubectl rollout status|undo)",
		Source:      "https://github.com/kubernetes/kubernetes/pull/88057",
	},
	{
		ID: RuleKubectlDryRunBare, Tool: "kubectl", Severity: SeverityWarning,
		Summary:      "--dry-run without a value (or =true|false): deprecated since kubectl v1.18; removed in v1.23.0 and restored in v1.23.1, it still prints a deprecation warning",
		DeprecatedIn: "kubectl v1.18",
		Replacement:  "--dry-run=client (or --dry-run=server)",
		Source:       "https://github.com/kubernetes/kubernetes/pull/105327",
	},
	{
		ID: RuleKubectlServerDryRun, Tool: "kubectl", Severity: SeverityError,
		Summary:      "--server-dry-run: deprecated in v1.18, removed in v1.19",
		DeprecatedIn: "kubectl v1.18", RemovedIn: "kubectl v1.19", Since: "2020-08-26",
		Replacement: "--dry-run=server",
		Source:      "https://github.com/kubernetes/kubernetes/pull/91308",
	},
	{
		ID: RuleHelmStableRepo, Tool: "helm", Severity: SeverityError,
		Summary:     "the stable and incubator chart repositories at kubernetes-charts(-incubator).storage.googleapis.com were deleted on 2020-11-13; helm repo add refuses them",
		Since:       "2020-11-13",
		Replacement: "https://charts.helm.sh/stable (or /incubator), a frozen archive: prefer the chart's own maintained repository",
		Source:      "https://helm.sh/blog/new-location-stable-incubator-charts/",
	},
	{
		ID: RuleKubectlRecord, Tool: "kubectl", Severity: SeverityWarning,
		Summary:      "--record (the kubernetes.io/change-cause annotation): deprecated since kubectl v1.22, hidden from help, to be removed",
		DeprecatedIn: "kubectl v1.22",
		Replacement:  "drop the flag, or kubectl annotate RESOURCE kubernetes.io/change-cause=\"WHY\"",
		Source:       "https://github.com/kubernetes/kubernetes/pull/102873",
	},
	{
		ID: RuleKubectlDeleteLocal, Tool: "kubectl", Severity: SeverityWarning,
		Summary:      "kubectl drain --delete-local-data: deprecated since kubectl v1.20 for --delete-emptydir-data",
		DeprecatedIn: "kubectl v1.20",
		Replacement:  "--delete-emptydir-data",
		Source:       "https://github.com/kubernetes/kubernetes/pull/95076",
	},
	{
		ID: RuleKubeadmExperimental, Tool: "kubeadm", Severity: SeverityError,
		Summary:      "kubeadm --experimental-upload-certs and --experimental-control-plane: renamed in v1.15, the old names removed in v1.16",
		DeprecatedIn: "kubeadm v1.15", RemovedIn: "kubeadm v1.16", Since: "2019-09-18",
		Replacement: "--upload-certs, --control-plane",
		Source:      "https://github.com/kubernetes/kubernetes/pull/78452",
	},
	{
		ID: RuleKubefed, Tool: "kubefed", Severity: SeverityError,
		Summary:     "kubefed (Kubernetes Federation) is retired: federation v1 was archived in 2019 and its successor KubeFed in 2023",
		Since:       "2023",
		Replacement: "none upstream: address each cluster with its own kubectl context, or adopt a maintained multi-cluster project",
		Source:      "https://github.com/kubernetes-retired/kubefed",
	},
	{
		ID: RuleBrewCask, Tool: "brew", Severity: SeverityError,
		Summary:      "brew cask COMMAND: deprecated in Homebrew 2.6.0, disabled in 2.7.0",
		DeprecatedIn: "Homebrew 2.6.0", RemovedIn: "Homebrew 2.7.0", Since: "2020-12-21",
		Replacement: "brew COMMAND --cask",
		Source:      "https://brew.sh/2020/12/21/homebrew-2.7.0/",
	},
	{
		ID: RuleInspecAttrs, Tool: "inspec", Severity: SeverityWarning,
		Summary:      "inspec --attrs: InSpec 4 renamed attributes to inputs; --attrs is the deprecated legacy name of --input-file",
		DeprecatedIn: "InSpec 4",
		Replacement:  "--input-file FILE",
		Source:       "https://docs.chef.io/inspec/cli/",
	},
}

// apiRules describe the Kubernetes API checks. Their versions come from
// the generated APILifecycle* methods of k8s.io/api types (the current
// module's, and history_gen.go's for the kinds it no longer carries).
var apiRules = []Rule{
	{
		ID: RuleAPIRemoved, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "a manifest's apiVersion+kind (or a nested reference's, such as an HPA's scaleTargetRef) is no longer served by the target Kubernetes release (APILifecycleRemoved of the k8s.io/api type)",
		Replacement: "the type's APILifecycleReplacement followed to one the target serves, or the same kind in a served version of the group",
		Source:      deprecationGuide,
	},
	{
		ID: RuleAPIDeprecated, Tool: "kubernetes", Severity: SeverityWarning,
		Summary:     "a manifest's apiVersion+kind is deprecated in the target release (APILifecycleDeprecated) but still served",
		Replacement: "the type's APILifecycleReplacement",
		Source:      deprecationGuide,
	},
	{
		ID: RuleAPIUnknown, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "a built-in API group's version that no release of the Kubernetes API libraries knows (e.g. batch/v2alpha1, never served by default)",
		Replacement: "the same kind in a served version of the group",
		Source:      deprecationGuide,
	},
	{
		ID: RuleKindUnknown, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "a kind that its built-in group version never served (policy/v1 PodSecurityPolicy): the API server rejects it",
		Replacement: "the kind in a group version that serves it, or what replaced the feature",
		Source:      deprecationGuide,
	},
	{
		ID: RuleAPINotYet, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "an apiVersion+kind introduced after the target release (APILifecycleIntroduced)",
		Replacement: "a version of the kind the target serves",
		Source:      deprecationGuide,
	},
}

// fileRules are about the input itself.
var fileRules = []Rule{
	{
		ID: RuleUnreadable, Tool: "advent", Severity: SeverityError,
		Summary:     "a Markdown file that cannot be read, is binary or is not UTF-8 (a non-UTF-8 file is still linted with the bad bytes replaced)",
		Replacement: "fix the file's permissions or convert it to UTF-8 (iconv -t UTF-8)",
		Source:      "https://spec.commonmark.org/0.31.2/#characters-and-lines",
	},
}

// Rules lists every rule: Kubernetes API rules, command-line rules, the
// rule about unreadable files, then the prose rule (prose.go).
func Rules() []Rule {
	out := append([]Rule(nil), apiRules...)
	out = append(out, cliRules...)
	out = append(out, fileRules...)
	return append(out, proseRules...)
}

var ruleByID = func() map[RuleID]*Rule {
	m := map[RuleID]*Rule{}
	for _, rs := range [][]Rule{apiRules, cliRules, fileRules, proseRules} {
		for i := range rs {
			m[rs[i].ID] = &rs[i]
		}
	}
	return m
}()

// hit is a rule matched at a word.
type hit struct {
	rule        RuleID
	at          word
	what        string // the stale usage, e.g. "helm init"
	msg         string // a fuller sentence than "WHAT was removed in ..."
	replacement string // specific to the command; "" means the rule's
}

// checkCall applies the command-line rules to one call.
func checkCall(c call) []hit {
	c.words = joinPlaceholders(c.words)
	for _, w := range c.words {
		if s := strings.ToLower(w.s); strings.Contains(s, "[tab]") || strings.Contains(s, "<tab>") {
			return nil // a shell completion demo, not a command to run
		}
	}
	switch c.program() {
	case "helm":
		return checkHelm(c)
	case "kubectl":
		return checkKubectl(c)
	case "brew":
		return checkBrew(c)
	case "kubeadm":
		return checkKubeadm(c)
	case "kubefed", "kubefedctl":
		return []hit{{rule: RuleKubefed, at: c.words[0], what: c.program()}}
	case "inspec":
		return checkInspec(c)
	}
	return nil
}

// joinPlaceholders makes one word of a placeholder that holds blanks, as
// tutorials write them: [VALUES FILE].yaml, <POD NAME>, {RELEASE NAME}.
// The shell splits them, which would make one argument look like two.
func joinPlaceholders(ws []word) []word {
	out := make([]word, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if unbalanced(w.s) {
			joined := w
			for j := i + 1; j < len(ws) && j <= i+6; j++ {
				joined.s += " " + ws[j].s
				joined.raw += " " + ws[j].raw
				if !unbalanced(joined.s) {
					w, i = joined, j
					break
				}
			}
		}
		out = append(out, w)
	}
	return out
}

// unbalanced reports whether s opens more [ < { than it closes.
func unbalanced(s string) bool {
	for _, p := range []string{"[]", "<>", "{}"} {
		if strings.Count(s, p[:1]) > strings.Count(s, p[1:]) {
			return true
		}
	}
	return false
}

// args is a command line split into flags and positional arguments.
type args struct {
	pos   []word
	flags []flagUse
	// dashes is the index in pos of the first argument after "--", or -1
	// when there is no "--".
	dashes int
}

type flagUse struct {
	name string // "--name", "-n"
	val  *word  // nil for a boolean flag
	at   word
}

// parseArgs splits words the way cobra/pflag would: flags anywhere,
// --flag=value, -f value for flags in withValue, -fvalue for one-letter
// flags in withValue, and everything after "--" positional.
func parseArgs(ws []word, withValue map[string]bool) args {
	a := args{dashes: -1}
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		s := w.s
		switch {
		case s == "--":
			a.dashes = len(a.pos)
			a.pos = append(a.pos, ws[i+1:]...)
			return a
		case strings.HasPrefix(s, "--") && len(s) > 2:
			name, val, hasVal := strings.Cut(s, "=")
			f := flagUse{name: name, at: w}
			if hasVal {
				f.val = &word{s: val, raw: rawValue(w.raw, val), line: w.line, col: w.col + len(name) + 1}
			} else if withValue[name] && i+1 < len(ws) {
				i++
				f.val = &ws[i]
			}
			a.flags = append(a.flags, f)
		case strings.HasPrefix(s, "-") && len(s) > 1:
			short := s[:2]
			f := flagUse{name: s, at: w}
			switch {
			case withValue[short] && len(s) > 2:
				v := strings.TrimPrefix(s[2:], "=")
				f.name, f.val = short, &word{s: v, raw: rawValue(w.raw, v), line: w.line, col: w.col + 2}
			case withValue[s] && i+1 < len(ws):
				i++
				f.val = &ws[i]
			}
			a.flags = append(a.flags, f)
		default:
			a.pos = append(a.pos, w)
		}
	}
	return a
}

// flag returns the first use of any of names.
func (a args) flag(names ...string) *flagUse {
	for i := range a.flags {
		for _, n := range names {
			if a.flags[i].name == n {
				return &a.flags[i]
			}
		}
	}
	return nil
}

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// Flags that take a value, for Helm 2 and 3 (global, install, upgrade).
var helmValueFlags = setOf(
	"-n", "--namespace", "--kube-context", "--kubeconfig", "--kube-apiserver",
	"--kube-as-user", "--kube-as-group", "--kube-ca-file", "--kube-token",
	"--kube-tls-server-name", "--registry-config", "--repository-cache",
	"--repository-config", "--burst-limit", "--qps", "--home", "--host",
	"--tiller-namespace", "--tiller-connection-timeout", "--tiller-image",
	"--service-account", "--stable-repo-url", "--name", "--name-template",
	"--set", "--set-string", "--set-file", "--set-json", "--set-literal",
	"-f", "--values", "--version", "--repo", "--username", "--password",
	"--timeout", "--description", "--post-renderer", "--post-renderer-args",
	"--ca-file", "--cert-file", "--key-file", "--keyring", "-o", "--output",
	"--labels", "--max-history", "--history-max",
)

// oldChartRepo matches the deleted Google-hosted chart repositories.
var oldChartRepo = regexp.MustCompile(`kubernetes-charts(?:-incubator)?\.storage\.googleapis\.com`)

// helmCommands are Helm's own commands, of Helm 2 and 3. Any other first
// argument names a plugin (helm 2to3, helm diff), whose flags are its own:
// helm 2to3 cleanup --tiller-ns is how Helm 3 users remove Tiller.
var helmCommands = setOf("completion", "create", "dependency", "dep", "dependencies", "env", "get", "help",
	"history", "hist", "install", "lint", "list", "ls", "package", "plugin", "pull", "fetch", "push", "registry",
	"repo", "rollback", "search", "show", "inspect", "status", "template", "test", "uninstall", "un", "delete",
	"del", "upgrade", "verify", "version", "init", "reset", "serve", "home")

func checkHelm(c call) []hit {
	a := parseArgs(c.words[1:], helmValueFlags)
	if len(a.pos) > 0 && !helmCommands[a.pos[0].s] {
		return nil // a plugin's command
	}
	var hits []hit
	for _, w := range c.words[1:] {
		if oldChartRepo.MatchString(w.s) {
			hits = append(hits, hit{rule: RuleHelmStableRepo, at: w, what: w.s,
				msg: "the chart repository " + w.s + " was deleted on 2020-11-13"})
		}
	}
	for _, f := range a.flags {
		if strings.HasPrefix(f.name, "--tiller-") {
			hits = append(hits, hit{rule: RuleHelmTillerFlag, at: f.at, what: "helm " + f.name,
				msg: "helm " + f.name + " configured Tiller, Helm 2's in-cluster server; Helm 3 has no Tiller"})
		}
	}
	if len(a.pos) == 0 {
		return hits
	}
	sub := a.pos[0]
	switch sub.s {
	case "init":
		hits = append(hits, hit{rule: RuleHelmInit, at: sub, what: "helm init",
			msg: "helm init installed Tiller, Helm 2's in-cluster server; Helm 3 removed Tiller and helm init with it"})
	case "reset":
		hits = append(hits, hit{rule: RuleHelmReset, at: sub, what: "helm reset",
			msg: "helm reset uninstalled Tiller, Helm 2's in-cluster server; Helm 3 removed Tiller and helm reset with it"})
	case "serve", "home":
		hits = append(hits, hit{rule: RuleID("helm-" + sub.s), at: sub, what: "helm " + sub.s})
	case "install":
		hits = append(hits, helmInstall(a, sub)...)
	case "delete", "del":
		hits = append(hits, helmDeletePurge(a)...)
	case "search":
		hits = append(hits, helmSearch(a, sub)...)
	}
	return hits
}

// helmInstall checks how helm install names the release: Helm 3 takes it
// as the first argument (or --generate-name); -n is the namespace.
func helmInstall(a args, sub word) []hit {
	rest := a.pos[1:]
	generate := a.flag("-g", "--generate-name") != nil
	chart := "CHART"
	if len(rest) == 1 {
		chart = rest[0].raw
	}
	release := func(f *flagUse) string {
		if f.val != nil {
			return f.val.raw
		}
		return "NAME"
	}
	switch name, ns := a.flag("--name"), a.flag("-n"); {
	case name != nil:
		return []hit{{rule: RuleHelmInstallName, at: name.at, what: "helm install --name",
			replacement: fmt.Sprintf("helm install %s %s", release(name), chart)}}
	case ns != nil && len(rest) == 1 && !generate:
		return []hit{{rule: RuleHelmInstallName, at: ns.at, what: "helm install -n NAME",
			msg:         "helm install -n NAME: Helm 3 reads -n as --namespace and takes the release name as the first argument",
			replacement: fmt.Sprintf("helm install %s %s (the release name is the first argument; -n is --namespace)", release(ns), chart)}}
	case len(rest) == 1 && !generate:
		return []hit{{rule: RuleHelmInstallNoName, at: sub, what: "helm install CHART without a release name",
			replacement: fmt.Sprintf("helm install NAME %s (or helm install %s --generate-name)", chart, chart)}}
	}
	return nil
}

func helmDeletePurge(a args) []hit {
	p := a.flag("--purge")
	if p == nil {
		return nil
	}
	names := make([]string, 0, len(a.pos)-1)
	for _, w := range a.pos[1:] {
		names = append(names, w.raw)
	}
	if len(names) == 0 {
		names = []string{"NAME"}
	}
	return []hit{{rule: RuleHelmDeletePurge, at: p.at, what: "helm delete --purge",
		replacement: "helm uninstall " + strings.Join(names, " ") + " (it purges by default)"}}
}

func helmSearch(a args, sub word) []hit {
	if len(a.pos) >= 2 && (a.pos[1].s == "repo" || a.pos[1].s == "hub") {
		return nil
	}
	term := "TERM"
	if len(a.pos) > 1 {
		term = a.pos[1].raw
	}
	return []hit{{rule: RuleHelmSearchTerm, at: sub, what: "helm search " + term,
		replacement: fmt.Sprintf("helm search repo %s (or helm search hub %s)", term, term)}}
}

// Flags that take a value: kubectl's global flags and those of the
// commands that tutorials use.
var kubectlValueFlags = setOf(
	"-n", "--namespace", "--context", "--cluster", "--user", "--kubeconfig",
	"-s", "--server", "--token", "--as", "--as-group", "--as-uid",
	"--certificate-authority", "--client-certificate", "--client-key",
	"--cache-dir", "--request-timeout", "--tls-server-name", "-v", "--v",
	"-o", "--output", "-f", "--filename", "-k", "--kustomize", "-l", "--selector",
	"--field-selector", "--image", "--port", "--type", "--replicas", "--restart",
	"--generator", "--env", "--labels", "--overrides", "--image-pull-policy",
	"--limits", "--requests", "--serviceaccount", "--target-port", "--name",
	"--protocol", "--template", "-c", "--container", "--sort-by", "--chunk-size",
	"--timeout", "--grace-period", "-p", "--patch", "--field-manager", "--for",
	"--since", "--tail", "--since-time", "--schedule", "-L", "--label-columns",
	"--raw", "--subresource", "--pod-running-timeout", "--external-ip", "--load-balancer-ip",
	"--session-affinity", "--cluster-ip", "--selector-fields", "--annotations",
)

func checkKubectl(c call) []hit {
	a := parseArgs(c.words[1:], kubectlValueFlags)
	verb := ""
	if len(a.pos) > 0 {
		verb = a.pos[0].s
	}
	hits := kubectlFlags(a, verb)
	switch verb {
	case "rolling-update":
		hits = append(hits, hit{rule: RuleKubectlRollingUpdate, at: a.pos[0], what: "kubectl rolling-update"})
	case "run":
		hits = append(hits, kubectlRun(a)...)
	case "exec":
		hits = append(hits, kubectlExec(c, a)...)
	case "get":
		if f := a.flag("--show-all", "-a"); f != nil {
			hits = append(hits, hit{rule: RuleKubectlShowAll, at: f.at, what: "kubectl get " + f.name})
		}
		if f := a.flag("--export"); f != nil {
			hits = append(hits, hit{rule: RuleKubectlExport, at: f.at, what: "kubectl get --export"})
		}
	}
	return hits
}

// kubectlFlags checks the flags any kubectl command may carry.
func kubectlFlags(a args, verb string) []hit {
	var hits []hit
	for _, f := range a.flags {
		if f.name != "--generator" {
			continue
		}
		h := hit{rule: RuleKubectlGenerator, at: f.at, what: "kubectl " + verb + " --generator"}
		if f.val != nil {
			h.what += "=" + f.val.s
			if verb == "run" {
				h.replacement = generatorReplacement(f.val.s, a)
			}
		}
		hits = append(hits, h)
	}
	if f := a.flag("--dry-run"); f != nil && (f.val == nil || f.val.s == "true" || f.val.s == "false") {
		hits = append(hits, hit{rule: RuleKubectlDryRunBare, at: f.at, what: "kubectl " + verb + " " + f.at.s})
	}
	for _, x := range []struct {
		flag string
		rule RuleID
	}{{"--record", RuleKubectlRecord}, {"--delete-local-data", RuleKubectlDeleteLocal}, {"--server-dry-run", RuleKubectlServerDryRun}} {
		if f := a.flag(x.flag); f != nil {
			hits = append(hits, hit{rule: x.rule, at: f.at, what: "kubectl " + verb + " " + x.flag})
		}
	}
	return hits
}

// kubectlRun finds kubectl run used to make a Deployment, which it stopped
// doing in v1.18.
func kubectlRun(a args) []hit {
	name, image := "NAME", "IMAGE"
	if len(a.pos) > 1 {
		name = a.pos[1].raw
	}
	if f := a.flag("--image"); f != nil && f.val != nil {
		image = f.val.raw
	}
	repl := fmt.Sprintf("kubectl create deployment %s --image=%s", name, image)
	dryRun := a.flag("--dry-run") != nil
	out := a.flag("-o", "--output")
	// Before v1.18, only --restart=Always (the default) made a
	// Deployment; Never made a Pod then too.
	deployment := true
	if r := a.flag("--restart"); r != nil && r.val != nil && r.val.s != "Always" {
		deployment = false
	}
	switch r := a.flag("--replicas"); {
	case r != nil:
		if r.val != nil {
			repl += " --replicas=" + r.val.raw
		}
		if out != nil {
			repl += " --dry-run=client -o " + flagValue(out)
		}
		return []hit{{rule: RuleKubectlRunDeployment, at: r.at, what: "kubectl run --replicas", replacement: repl}}
	case out != nil && !dryRun && deployment:
		repl += " --dry-run=client -o " + flagValue(out)
		return []hit{{rule: RuleKubectlRunDeployment, at: out.at, what: "kubectl run -o " + flagValue(out),
			msg:         "kubectl run -o " + flagValue(out) + " creates a Pod and prints it, not a Deployment: kubectl run stopped making Deployments",
			replacement: repl}}
	}
	return nil
}

// kubectlExec finds kubectl exec [flags] POD COMMAND: a second positional
// argument before any "--" is the command without it.
func kubectlExec(c call, a args) []hit {
	if a.dashes >= 0 || len(a.pos) <= 2 {
		return nil
	}
	cmd := a.pos[2]
	var b strings.Builder
	for _, w := range c.words {
		if w.line == cmd.line && w.col == cmd.col {
			b.WriteString("-- ")
		}
		b.WriteString(w.raw)
		b.WriteByte(' ')
	}
	return []hit{{rule: RuleKubectlExecDash, at: cmd, what: "kubectl exec POD COMMAND without --",
		replacement: strings.TrimSpace(b.String())}}
}

func flagValue(f *flagUse) string {
	if f.val == nil {
		return "yaml"
	}
	return f.val.raw
}

// rawValue is the value part of a --flag=value word as written.
func rawValue(raw, val string) string {
	if _, v, ok := strings.Cut(raw, "="); ok {
		return v
	}
	return val
}

// generatorReplacement maps a kubectl run generator to the command that
// makes the same object today.
func generatorReplacement(gen string, a args) string {
	name, image := "NAME", "IMAGE"
	if len(a.pos) > 1 {
		name = a.pos[1].raw
	}
	if f := a.flag("--image"); f != nil && f.val != nil {
		image = f.val.raw
	}
	switch {
	case gen == "run-pod/v1":
		return "drop the flag: kubectl run always creates a Pod"
	case strings.HasPrefix(gen, "deployment/"), gen == "run/v1":
		return fmt.Sprintf("kubectl create deployment %s --image=%s", name, image)
	case strings.HasPrefix(gen, "job/"):
		return fmt.Sprintf("kubectl create job %s --image=%s", name, image)
	case strings.HasPrefix(gen, "cronjob/"):
		return fmt.Sprintf("kubectl create cronjob %s --image=%s --schedule=SCHEDULE", name, image)
	}
	return ""
}

// kubeadmRenamed maps the experimental flags kubeadm v1.15 renamed to
// their names since.
var kubeadmRenamed = map[string]string{
	"--experimental-upload-certs":  "--upload-certs",
	"--experimental-control-plane": "--control-plane",
}

func checkKubeadm(c call) []hit {
	var hits []hit
	for _, w := range c.words[1:] {
		name, _, _ := strings.Cut(w.s, "=")
		if repl, ok := kubeadmRenamed[name]; ok {
			hits = append(hits, hit{rule: RuleKubeadmExperimental, at: w, what: "kubeadm " + name, replacement: repl})
		}
	}
	return hits
}

func checkBrew(c call) []hit {
	ws := c.words[1:]
	a := parseArgs(ws, nil)
	if len(a.pos) == 0 || a.pos[0].s != "cask" {
		return nil
	}
	cask := a.pos[0]
	if len(a.pos) == 1 {
		return []hit{{rule: RuleBrewCask, at: cask, what: "brew cask"}}
	}
	sub := a.pos[1]
	// Everything but "cask" and the subcommand, in order.
	var rest []string
	for _, w := range ws {
		if w != cask && w != sub {
			rest = append(rest, w.raw)
		}
	}
	repl := "brew " + sub.s + " --cask"
	if len(rest) > 0 {
		repl += " " + strings.Join(rest, " ")
	}
	return []hit{{rule: RuleBrewCask, at: cask, what: "brew cask " + sub.s, replacement: repl}}
}

func checkInspec(c call) []hit {
	a := parseArgs(c.words[1:], setOf("--attrs", "--input-file", "-t", "--target", "--reporter", "--controls", "-b", "--backend"))
	var hits []hit
	for _, f := range a.flags {
		if f.name == "--attrs" {
			repl := "--input-file FILE"
			if f.val != nil {
				repl = "--input-file " + f.val.raw
			}
			hits = append(hits, hit{rule: RuleInspecAttrs, at: f.at, what: "inspec --attrs", replacement: repl})
		}
	}
	return hits
}
