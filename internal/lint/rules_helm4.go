package lint

import "strings"

// helm4Since is Helm v4.0.0's release date.
const helm4Since = "2025-11-12"

// helm4Rules find Helm 3 flags and arguments that Helm 4 renamed or
// removed. Each cites the pull request that made the change in
// github.com/helm/helm, or Helm 4's source where no single one did.
var helm4Rules = []*Rule{
	{
		ID: "helm-atomic", Tool: "helm", Severity: SeverityWarning,
		Summary:      "helm install|upgrade --atomic: Helm 4 renamed it --rollback-on-failure; --atomic is deprecated (and helm install rejected it in v4.0 and v4.1)",
		DeprecatedIn: "Helm v4.0.0",
		Replacement:  "--rollback-on-failure",
		Source:       "https://github.com/helm/helm/pull/13629",
		Command:      renamedFlag("--atomic", "--rollback-on-failure", "install", "upgrade"),
		Examples: []Example{
			{Code: "helm upgrade --install web ./chart --atomic --timeout 5m", Stale: true,
				Message:     "helm upgrade --atomic is deprecated since Helm v4.0.0",
				Replacement: "helm upgrade --install web ./chart --rollback-on-failure --timeout 5m"},
			stale("helm install web ./chart --atomic"),
			current("helm upgrade --install web ./chart --rollback-on-failure"),
		},
	},
	{
		ID: "helm-force", Tool: "helm", Severity: SeverityWarning,
		Summary:      "helm install|upgrade|rollback --force: Helm 4 renamed it --force-replace (it replaces resources; --force-conflicts is server-side apply's force)",
		DeprecatedIn: "Helm v4.0.0",
		Replacement:  "--force-replace",
		Source:       "https://github.com/helm/helm/pull/30982",
		Command:      renamedFlag("--force", "--force-replace", "install", "upgrade", "rollback"),
		Examples: []Example{
			{Code: "helm rollback web 1 --force", Stale: true, Replacement: "helm rollback web 1 --force-replace"},
			stale("helm upgrade web ./chart --force"),
			current("helm upgrade web ./chart --force-replace"),
			current("helm repo add bitnami https://charts.bitnami.com/bitnami --force-update"),
		},
	},
	{
		ID: "helm-recreate-pods", Tool: "helm", Severity: SeverityError,
		Summary:   "helm upgrade|rollback --recreate-pods: deprecated in Helm 3, removed in Helm 4",
		RemovedIn: "Helm v4.0.0", Since: helm4Since,
		Replacement: "drop the flag and restart the workload: kubectl rollout restart deployment/NAME (or roll pods from the chart with a checksum annotation)",
		Source:      "https://github.com/helm/helm/pull/31023",
		Command:     removedFlag("--recreate-pods", "upgrade", "rollback"),
		Examples:    []Example{stale("helm upgrade web ./chart --recreate-pods"), stale("helm rollback web 2 --recreate-pods")},
	},
	{
		ID: "helm-status-show-flags", Tool: "helm", Severity: SeverityError,
		Summary:   "helm status --show-desc and --show-resources: removed in Helm 4, whose helm status shows the description and, in table output, the resources",
		RemovedIn: "Helm v4.0.0", Since: helm4Since,
		Replacement: "helm status NAME (drop the flag)",
		Source:      "https://github.com/helm/helm/pull/13444",
		Command: func(c command) []hit {
			return append(removedFlag("--show-desc", "status")(c), removedFlag("--show-resources", "status")(c)...)
		},
		Examples: []Example{stale("helm status web --show-resources"), stale("helm status web --show-desc"), current("helm status web")},
	},
	{
		ID: "helm-repo-add-no-update", Tool: "helm", Severity: SeverityError,
		Summary:   "helm repo add --no-update: ignored since Helm 3 made --force-update the way to replace a repository, removed in Helm 4",
		RemovedIn: "Helm v4.0.0", Since: helm4Since,
		Replacement: "drop the flag (--force-update replaces an existing repository of the same name)",
		Source:      "https://github.com/helm/helm/pull/13494",
		Command:     removedFlag("--no-update", "repo"),
		Examples:    []Example{stale("helm repo add bitnami https://charts.bitnami.com/bitnami --no-update"), current("helm repo add bitnami https://charts.bitnami.com/bitnami")},
	},
	{
		ID: "helm-repo-update-fail-flag", Tool: "helm", Severity: SeverityError,
		Summary:   "helm repo update --fail-on-repo-update-fail: Helm 4 fails whenever a repository cannot be updated, and the flag is gone",
		RemovedIn: "Helm v4.0.0", Since: helm4Since,
		Replacement: "drop the flag",
		Source:      "https://github.com/helm/helm/pull/30699",
		Command:     removedFlag("--fail-on-repo-update-fail", "repo"),
		Examples:    []Example{stale("helm repo update --fail-on-repo-update-fail"), current("helm repo update")},
	},
	{
		ID: "helm-post-renderer-path", Tool: "helm", Severity: SeverityError,
		Summary:   "helm install|upgrade|template --post-renderer PATH: Helm 4 post-renderers are plugins, and the flag takes a plugin's name, not an executable",
		RemovedIn: "Helm v4.0.0", Since: helm4Since,
		Replacement: "package the executable as a postrenderer/v1 plugin, helm plugin install it, and pass its name: --post-renderer NAME",
		Source:      "https://github.com/helm/helm/pull/31217",
		Command: func(c command) []hit {
			f := c.flag("--post-renderer")
			if f == nil || f.val == nil || !strings.ContainsAny(f.val.s, `/\`) && !strings.HasSuffix(f.val.s, ".sh") {
				return nil
			}
			return []hit{{at: *f.val, what: "helm " + c.verb() + " --post-renderer " + f.val.raw,
				msg: "helm " + c.verb() + " --post-renderer " + f.val.raw + ": Helm 4 runs post-renderers as plugins, by name"}}
		},
		Examples: []Example{
			stale("helm install web ./chart --post-renderer ./kustomize.sh"),
			stale("helm upgrade web ./chart --post-renderer=/usr/local/bin/render"),
			current("helm install web ./chart --post-renderer kustomize-pr"),
		},
	},
	{
		ID: "helm-registry-login-url", Tool: "helm", Severity: SeverityError,
		Summary:   "helm registry login with a URL (oci://, https://) or a repository path: Helm 4 passes the argument to the registry client as a host name, and anything else is an invalid reference",
		RemovedIn: "Helm v4.0.0", Since: helm4Since,
		Replacement: "helm registry login HOST (e.g. ghcr.io), without scheme or path",
		Source:      "https://github.com/helm/helm/blob/v4.0.0/pkg/registry/client.go#L228",
		Command:     registryLoginURL,
		Examples: []Example{
			{Code: "helm registry login oci://ghcr.io/acme/charts -u me --password-stdin", Stale: true,
				Replacement: "helm registry login ghcr.io"},
			stale("helm registry login https://registry.example.com"),
			current("echo \"$TOKEN\" | helm registry login ghcr.io -u me --password-stdin"),
			current("helm registry login localhost:5000 --insecure"),
		},
	},
	{
		ID: "helm-wait-bool", Tool: "helm", Severity: SeverityWarning,
		Summary:      "--wait=true|false: Helm 4's --wait takes a strategy (watcher, hookOnly, legacy); the boolean values are deprecated",
		DeprecatedIn: "Helm v4.0.0",
		Replacement:  "--wait (or --wait=watcher); omit it for --wait=false",
		Source:       "https://github.com/helm/helm/blob/v4.0.0/pkg/cmd/flags.go#L82-L97",
		Command: func(c command) []hit {
			f := c.flag("--wait")
			if f == nil || f.val == nil || f.val.s != "true" && f.val.s != "false" {
				return nil
			}
			repl := "--wait=watcher"
			if f.val.s == "false" {
				repl = "omit --wait"
			}
			return []hit{{at: f.at, what: "helm " + c.verb() + " --wait=" + f.val.s, replacement: repl}}
		},
		Examples: []Example{stale("helm upgrade --install web ./chart --wait=true"), current("helm upgrade --install web ./chart --wait"), current("helm install web ./chart --wait=watcher")},
	},
}

// renamedFlag matches a flag of some helm commands that Helm 4 renamed;
// the replacement is the command line with the new name.
func renamedFlag(old, new string, verbs ...string) func(c command) []hit {
	return func(c command) []hit {
		f := c.flag(old)
		if f == nil || !isOneOf(c.verb(), verbs) {
			return nil
		}
		var b strings.Builder
		for i, w := range c.words {
			if i > 0 {
				b.WriteByte(' ')
			}
			if w == f.at {
				b.WriteString(strings.Replace(w.raw, old, new, 1))
				continue
			}
			b.WriteString(w.raw)
		}
		return []hit{{at: f.at, what: "helm " + c.verb() + " " + old, replacement: b.String()}}
	}
}

// removedFlag matches a flag of some helm commands that Helm 4 removed.
func removedFlag(name string, verbs ...string) func(c command) []hit {
	return func(c command) []hit {
		if f := c.flag(name); f != nil && isOneOf(c.verb(), verbs) {
			return []hit{{at: f.at, what: helmCommandName(c) + " " + name}}
		}
		return nil
	}
}

// helmCommandName is "helm VERB", or "helm VERB SUBCOMMAND" for the
// commands that have subcommands (helm repo add).
func helmCommandName(c command) string {
	name := "helm " + c.verb()
	if isOneOf(c.verb(), []string{"repo", "registry", "plugin", "dependency", "get", "show"}) && len(c.pos) > 1 {
		name += " " + c.pos[1].s
	}
	return name
}

func isOneOf(s string, set []string) bool {
	for _, x := range set {
		if s == x {
			return true
		}
	}
	return false
}

// registryLoginURL finds helm registry login given a URL or a path where
// Helm 4 takes a host.
func registryLoginURL(c command) []hit {
	if c.verb() != "registry" || len(c.pos) < 3 || c.pos[1].s != "login" {
		return nil
	}
	arg := c.pos[2]
	host := arg.s
	if _, rest, ok := strings.Cut(host, "://"); ok {
		host = rest
	}
	host, _, _ = strings.Cut(host, "/")
	if host == arg.s || host == "" || strings.HasPrefix(arg.s, "$") {
		return nil
	}
	return []hit{{at: arg, what: "helm registry login " + arg.raw,
		msg:         "helm registry login " + arg.raw + ": Helm 4 takes a registry host, without scheme or path",
		replacement: "helm registry login " + host}}
}
