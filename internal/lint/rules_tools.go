package lint

import "strings"

// toolRules are about tools that were retired or changed their command
// lines: kubefed, Homebrew, InSpec.
var toolRules = []*Rule{
	{
		ID: "kubefed-archived", Tool: "kubefed", Severity: SeverityError,
		Summary:     "kubefed (Kubernetes Federation) is retired: federation v1 was archived in 2019 and its successor KubeFed in 2023",
		Since:       "2023",
		Replacement: "none upstream: address each cluster with its own kubectl context, or adopt a maintained multi-cluster project",
		Source:      "https://github.com/kubernetes-retired/kubefed",
		Command: func(c command) []hit {
			return []hit{{at: c.words[0], what: c.program()}}
		},
		// Federation v1's parts, as its tutorials named them.
		Gone: []string{"kubefed", "kubefed init", "kubefed join", "federation control plane", "federation API server",
			"federation-apiserver", "fed-apiserver", "federation-system", "federation controller manager"},
		Examples: []Example{
			stale("kubefed init fed --host-cluster-context=host"), stale("./kubefed join aws --host-cluster-context=host"),
			stale("kubefedctl join cluster1 --cluster-context cluster1"),
		},
	},
	{
		ID: "brew-cask", Tool: "brew", Severity: SeverityError,
		Summary:      "brew cask COMMAND: deprecated in Homebrew 2.6.0, disabled in 2.7.0",
		DeprecatedIn: "Homebrew 2.6.0", RemovedIn: "Homebrew 2.7.0", Since: "2020-12-21",
		Replacement: "brew COMMAND --cask",
		Source:      "https://brew.sh/2020/12/21/homebrew-2.7.0/",
		Command:     brewCask,
		Examples: []Example{
			{Code: "brew cask install minikube", Stale: true,
				Message: "brew cask install was removed in Homebrew 2.7.0 (2020-12-21)", Replacement: "brew install --cask minikube"},
			stale("brew cask install docker virtualbox"), stale("brew cask list"),
			current("brew install --cask minikube"), current("brew install kubernetes-helm"),
		},
	},
	{
		ID: "inspec-attrs", Tool: "inspec", Severity: SeverityWarning,
		Summary:      "inspec --attrs: InSpec 4 renamed attributes to inputs; --attrs is the deprecated legacy name of --input-file",
		DeprecatedIn: "InSpec 4",
		Replacement:  "--input-file FILE",
		Source:       "https://docs.chef.io/inspec/cli/",
		Command: func(c command) []hit {
			var hits []hit
			for _, f := range c.flags {
				if f.name == "--attrs" {
					repl := "--input-file FILE"
					if f.val != nil {
						repl = "--input-file " + f.val.raw
					}
					hits = append(hits, hit{at: f.at, what: "inspec --attrs", replacement: repl})
				}
			}
			return hits
		},
		Examples: []Example{
			{Code: "inspec exec p --attrs 'a b.yml'", Stale: true, Message: "inspec --attrs is deprecated since InSpec 4", Replacement: "--input-file 'a b.yml'"},
			stale("inspec exec profile.tar.gz --attrs attrs.yml"), stale("inspec exec . --attrs=a.yml"),
			current("inspec exec . --input-file inputs.yml"),
			{Lang: "ruby", Stale: true, // a Chef recipe's command string
				Code: "default['x']['cmd'] = \"C:/opscode/chef/embedded/bin/inspec exec #{path}/p.tar.gz --attrs #{default['x']['attrs']}\""},
		},
	},
}

func brewCask(c command) []hit {
	if c.verb() != "cask" {
		return nil
	}
	cask := c.pos[0]
	if len(c.pos) == 1 {
		return []hit{{at: cask, what: "brew cask"}}
	}
	sub := c.pos[1]
	// Everything but "cask" and the subcommand, in order.
	var rest []string
	for _, w := range c.words[1:] {
		if w != cask && w != sub {
			rest = append(rest, w.raw)
		}
	}
	repl := "brew " + sub.s + " --cask"
	if len(rest) > 0 {
		repl += " " + strings.Join(rest, " ")
	}
	return []hit{{at: cask, what: "brew cask " + sub.s, replacement: repl}}
}
