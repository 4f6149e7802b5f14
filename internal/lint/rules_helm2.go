package lint

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/sysadvent/advent/internal/content"
)

// Sources of the Helm 2 to 3 rules.
const (
	helmMigration = "https://helm.sh/docs/topics/v2_v3_migration/"
	helmChanges   = "https://helm.sh/docs/faq/changes_since_helm2/"
)

// helm2Rules find Helm 2 commands and flags that Helm 3 removed.
var helm2Rules = []*Rule{
	{
		ID: "helm-init", Tool: "helm", Severity: SeverityError,
		Summary:   "helm init installed Tiller and set up $HELM_HOME; Helm 3 has neither",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "nothing to run: Helm 3 talks to the cluster with your kubeconfig (add chart repositories with `helm repo add`)",
		Source:      helmMigration,
		Command: func(c command) []hit {
			return verbHit(c, "init", hit{what: "helm init",
				msg: "helm init installed Tiller, Helm 2's in-cluster server; Helm 3 removed Tiller and helm init with it"})
		},
		Gone: []string{"helm init", "Tiller"},
		Examples: []Example{
			stale("helm init"), stale("helm init --service-account tiller --upgrade"),
			current("helm version --short"), current("helm repo add stable https://charts.helm.sh/stable"), current("helm create mychart"),
			// Commands inside pipes, lists, substitutions and wrappers.
			stale("kubectl get ns && helm init"), stale("true || helm init; echo done"), stale("KUBECONFIG=x helm init"),
			stale("sudo -u admin env FOO=bar helm init"), stale("if true; then\n  helm init\nfi"),
			// Mentions that are not calls.
			current("echo helm init"), current("# helm init"), current("echo 'helm init'"), current("grep 'kubectl run' notes.txt"),
		},
	},
	{
		ID: "helm-reset", Tool: "helm", Severity: SeverityError,
		Summary:   "helm reset uninstalled Tiller",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "nothing to run: Helm 3 has no Tiller",
		Source:      helmMigration,
		Command: func(c command) []hit {
			return verbHit(c, "reset", hit{what: "helm reset",
				msg: "helm reset uninstalled Tiller, Helm 2's in-cluster server; Helm 3 removed Tiller and helm reset with it"})
		},
		Gone:     []string{"helm reset"},
		Examples: []Example{stale("helm reset --force"), stale("helm ls | grep x; sudo helm reset")},
	},
	{
		ID: "helm-serve", Tool: "helm", Severity: SeverityError,
		Summary:   "helm serve ran a local chart repository",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "serve a directory indexed by `helm repo index` with any web server, or push charts to an OCI registry",
		Source:      helmChanges,
		Command:     func(c command) []hit { return verbHit(c, "serve", hit{what: "helm serve"}) },
		Examples:    []Example{stale("helm serve &")},
	},
	{
		ID: "helm-home", Tool: "helm", Severity: SeverityError,
		Summary:   "helm home printed $HELM_HOME, which Helm 3 replaced with XDG directories",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm env (HELM_CACHE_HOME, HELM_CONFIG_HOME, HELM_DATA_HOME)",
		Source:      helmMigration,
		Command:     func(c command) []hit { return verbHit(c, "home", hit{what: "helm home"}) },
		Examples:    []Example{stale("ls $(helm home)/repository"), stale("echo $(helm home)")},
	},
	{
		ID: "helm-install-name", Tool: "helm", Severity: SeverityError,
		Summary:   "helm install -n NAME / --name NAME: the release name is the first argument in Helm 3, and -n means --namespace",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm install NAME CHART",
		Source:      helmMigration,
		Command:     helmInstallName,
		Examples: []Example{
			{Code: "helm install -n example .", Stale: true,
				Message:     "helm install -n NAME: Helm 3 reads -n as --namespace and takes the release name as the first argument (removed in Helm v3.0.0, 2019-11-13)",
				Replacement: "helm install example . (the release name is the first argument; -n is --namespace)"},
			stale("helm install -n apache . --set image=httpd:alpine --set replicaCount=3"),
			stale("helm install --name example stable/nginx"), stale("helm install --name=example ./chart"),
			stale("helm install --name <RELEASE NAME> ./chart"),
			current("helm install example ."),
			current("helm install -n web example ./chart"), // -n is the namespace
			current("helm install example ./chart --namespace web --create-namespace"),
			current("helm install example ./chart -f values.yaml --set a=b --wait"),
			current("helm upgrade -n web example ."), current("helm upgrade --install example ."),
			current("helm install myrelease --version 2.0.[tab]"), // a completion demo is not a command
			{Lang: "console", Code: "user@box:~/chart$ helm install -n ex .\nNAME: ex", Stale: true},
		},
	},
	{
		ID: "helm-install-no-name", Tool: "helm", Severity: SeverityError,
		Summary:   "helm install CHART without a release name: Helm 3 requires a name or --generate-name",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm install NAME CHART (or helm install CHART --generate-name)",
		Source:      helmChanges,
		Command:     helmInstallNoName,
		Examples: []Example{
			stale("helm install stable/mysql"), current("helm install stable/mysql --generate-name"), current("helm install -g stable/mysql"),
			// Placeholders with blanks are one argument.
			stale("helm install -f [VALUES FILE].yaml ."), current("helm install <RELEASE NAME> ./chart -f [VALUES FILE].yaml"),
			current("helm install [RELEASE NAME] ./chart"),
		},
	},
	{
		ID: "helm-delete-purge", Tool: "helm", Severity: SeverityError,
		Summary:   "helm delete --purge: Helm 3 renamed delete to uninstall, which purges by default",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm uninstall NAME (--keep-history keeps the release record)",
		Source:      helmChanges,
		Command:     helmDeletePurge,
		Examples: []Example{
			{Code: "helm delete example --purge", Stale: true,
				Message: "helm delete --purge was removed in Helm v3.0.0 (2019-11-13)", Replacement: "helm uninstall example (it purges by default)"},
			stale("helm delete --purge example"), stale("helm del --purge example"),
			stale("for r in a b; do helm delete $r --purge; done"),
			current("helm delete example"), // still an alias of uninstall
			current("helm uninstall example"),
		},
	},
	{
		ID: "helm-tiller-flag", Tool: "helm", Severity: SeverityError,
		Summary:   "--tiller-namespace and the other --tiller-* flags: Helm 3 has no Tiller",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "drop the flag (use --namespace for the release's namespace)",
		Source:      helmChanges,
		Command: func(c command) []hit {
			var hits []hit
			for _, f := range c.flags {
				if strings.HasPrefix(f.name, "--tiller-") {
					hits = append(hits, hit{at: f.at, what: "helm " + f.name,
						msg: "helm " + f.name + " configured Tiller, Helm 2's in-cluster server; Helm 3 has no Tiller"})
				}
			}
			return hits
		},
		Examples: []Example{
			stale("helm ls --tiller-namespace kube-system"), stale("helm list --tiller-namespace=tiller"), current("helm list -n kube-system"),
			// Plugins have flags of their own.
			current("helm 2to3 cleanup --tiller-ns some_namespace"), current("helm diff upgrade web ./chart"),
		},
	},
	{
		ID: "helm-search-term", Tool: "helm", Severity: SeverityError,
		Summary:   "helm search TERM: Helm 3 searches with the subcommands repo and hub",
		RemovedIn: "Helm v3.0.0", Since: "2019-11-13",
		Replacement: "helm search repo TERM (or helm search hub TERM)",
		Source:      helmMigration,
		Command:     helmSearch,
		Examples:    []Example{stale("helm search nginx"), current("helm search repo nginx"), current("helm search hub nginx")},
	},
	{
		ID: "helm-stable-repo-url", Tool: "helm", Severity: SeverityError,
		Summary:     "the stable and incubator chart repositories at kubernetes-charts(-incubator).storage.googleapis.com were deleted on 2020-11-13; helm repo add refuses them",
		Since:       "2020-11-13",
		Replacement: "https://charts.helm.sh/stable (or /incubator), a frozen archive: prefer the chart's own maintained repository",
		Source:      "https://helm.sh/blog/new-location-stable-incubator-charts/",
		Command: func(c command) []hit {
			var hits []hit
			for _, w := range c.words[1:] {
				if oldChartRepo.MatchString(w.s) {
					hits = append(hits, hit{at: w, what: w.s, msg: "the chart repository " + w.s + " was deleted on 2020-11-13"})
				}
			}
			return hits
		},
		Code: chartRepoLines,
		Examples: []Example{
			stale("helm repo add stable https://kubernetes-charts.storage.googleapis.com"),
			stale("helm repo add incubator https://kubernetes-charts-incubator.storage.googleapis.com/"),
			current("helm repo add stable https://charts.helm.sh/stable"),
			{Lang: "yaml", Code: "dependencies:\n- name: mysql\n  repository: https://kubernetes-charts.storage.googleapis.com/\n", Stale: true},
		},
	},
}

// Flags that take a value, for Helm 2, 3 and 4 (global, install, upgrade).
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
	"--labels", "--max-history", "--history-max", "-u", "-p",
)

// helmCommands are Helm's own commands, of Helm 2, 3 and 4.
var helmCommands = setOf("completion", "create", "dependency", "dep", "dependencies", "env", "get", "help",
	"history", "hist", "install", "lint", "list", "ls", "package", "plugin", "pull", "fetch", "push", "registry",
	"repo", "rollback", "search", "show", "inspect", "status", "template", "test", "uninstall", "un", "delete",
	"del", "upgrade", "verify", "version", "init", "reset", "serve", "home")

// verbHit is h at c's verb when the verb is name.
func verbHit(c command, name string, h hit) []hit {
	if c.verb() != name {
		return nil
	}
	h.at = c.pos[0]
	return []hit{h}
}

// oldChartRepo matches the deleted Google-hosted chart repositories.
var oldChartRepo = regexp.MustCompile(`kubernetes-charts(?:-incubator)?\.storage\.googleapis\.com`)

// repositoryLine matches a chart dependency's repository (Chart.yaml,
// requirements.yaml) on one of the deleted Google-hosted repositories.
var repositoryLine = regexp.MustCompile(`^(\s*-?\s*repository:\s*["']?)(\S*kubernetes-charts(?:-incubator)?\.storage\.googleapis\.com\S*?)["']?\s*$`)

func chartRepoLines(b *content.Block) []hit {
	if !strings.Contains(b.Code, "storage.googleapis.com") {
		return nil
	}
	var out []hit
	for i, l := range strings.Split(b.Code, "\n") {
		m := repositoryLine.FindStringSubmatch(l)
		if m == nil {
			continue
		}
		w := word{s: m[2], raw: m[2], line: b.FirstLine + i, col: b.Col + len(m[1])}
		out = append(out, hit{at: w, what: m[2], msg: "the chart repository " + m[2] + " was deleted on 2020-11-13"})
	}
	return out
}

// installChart is what helm install's replacement names: its one
// positional argument after install, or CHART.
func installChart(c command) (chart string, ok bool) {
	if c.verb() != "install" {
		return "", false
	}
	rest := c.pos[1:]
	if len(rest) == 1 {
		return rest[0].raw, true
	}
	return "CHART", true
}

// releaseOf is the release name a -n or --name flag gives, or NAME.
func releaseOf(f *flagUse) string {
	if f.val != nil {
		return f.val.raw
	}
	return "NAME"
}

// helmInstallName finds helm install naming the release with --name, or
// with -n, which Helm 3 reads as the namespace.
func helmInstallName(c command) []hit {
	chart, ok := installChart(c)
	if !ok {
		return nil
	}
	generate := c.flag("-g", "--generate-name") != nil
	switch name, ns := c.flag("--name"), c.flag("-n"); {
	case name != nil:
		return []hit{{at: name.at, what: "helm install --name",
			replacement: fmt.Sprintf("helm install %s %s", releaseOf(name), chart)}}
	case ns != nil && len(c.pos) == 2 && !generate:
		return []hit{{at: ns.at, what: "helm install -n NAME",
			msg:         "helm install -n NAME: Helm 3 reads -n as --namespace and takes the release name as the first argument",
			replacement: fmt.Sprintf("helm install %s %s (the release name is the first argument; -n is --namespace)", releaseOf(ns), chart)}}
	}
	return nil
}

// helmInstallNoName finds helm install CHART, which Helm 3 refuses
// without a release name.
func helmInstallNoName(c command) []hit {
	chart, ok := installChart(c)
	if !ok || c.flag("--name") != nil || c.flag("-n") != nil || len(c.pos) != 2 || c.flag("-g", "--generate-name") != nil {
		return nil
	}
	return []hit{{at: c.pos[0], what: "helm install CHART without a release name",
		replacement: fmt.Sprintf("helm install NAME %s (or helm install %s --generate-name)", chart, chart)}}
}

func helmDeletePurge(c command) []hit {
	v := c.verb()
	p := c.flag("--purge")
	if p == nil || v != "delete" && v != "del" {
		return nil
	}
	names := make([]string, 0, len(c.pos)-1)
	for _, w := range c.pos[1:] {
		names = append(names, w.raw)
	}
	if len(names) == 0 {
		names = []string{"NAME"}
	}
	return []hit{{at: p.at, what: "helm delete --purge",
		replacement: "helm uninstall " + strings.Join(names, " ") + " (it purges by default)"}}
}

func helmSearch(c command) []hit {
	if c.verb() != "search" || len(c.pos) >= 2 && (c.pos[1].s == "repo" || c.pos[1].s == "hub") {
		return nil
	}
	term := "TERM"
	if len(c.pos) > 1 {
		term = c.pos[1].raw
	}
	return []hit{{at: c.pos[0], what: "helm search " + term,
		replacement: fmt.Sprintf("helm search repo %s (or helm search hub %s)", term, term)}}
}
