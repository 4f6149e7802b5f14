package lint

import (
	"fmt"
	"strings"
)

// kubectlRules find kubectl and kubeadm commands and flags that newer
// releases removed or deprecated. Both ship with each Kubernetes release,
// so a removal newer than the target is a warning there (cliFinding).
var kubectlRules = []*Rule{
	{
		ID: "kubectl-run-deployment", Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl run used to make a Deployment (--replicas, or -o yaml of what it created); since v1.18 it only creates a Pod",
		DeprecatedIn: "kubectl v1.12", RemovedIn: "kubectl v1.18", Since: "2020-03-25",
		Replacement: "kubectl create deployment NAME --image=IMAGE (add --dry-run=client -o yaml to write a manifest)",
		Source:      "https://github.com/kubernetes/kubernetes/pull/87077",
		Command:     kubectlRun,
		Examples: []Example{
			{Code: "kubectl run example --image=nginx:alpine -o yaml", Stale: true,
				Message:     "kubectl run -o yaml creates a Pod and prints it, not a Deployment: kubectl run stopped making Deployments (removed in kubectl v1.18, 2020-03-25)",
				Replacement: "kubectl create deployment example --image=nginx:alpine --dry-run=client -o yaml"},
			stale("kubectl run example --image=nginx:alpine -o yaml > deployment.yaml"),
			stale("kubectl run example --image=nginx --replicas=3"), stale("kubectl run example --image=nginx --replicas 3 --port=80"),
			current("kubectl run x --image=y --restart=Never"), current("kubectl run x --image=y"),
			current("kubectl run x --image=y --dry-run=client -o yaml"),
			current("kubectl run x --image=y --restart=Never -o yaml"), // a Pod then and now
			stale("kubectl run x --image=y --restart=Always -o json"),
			current("kubectl run -it --rm debug --image=busybox --restart=Never -- sh"),
			current("kubectl create deployment example --image=nginx:alpine --dry-run=client -o yaml"),
			current("kubectl create deployment example --image=nginx --replicas=3"),
			stale("kubectl -n web run x --image=y -oyaml"),
		},
	},
	{
		ID: "kubectl-generator", Tool: "kubectl", Severity: SeverityError,
		Summary:      "--generator: kubectl's generators were removed; the flag had no effect since v1.18 and is gone since v1.21",
		DeprecatedIn: "kubectl v1.18", RemovedIn: "kubectl v1.21", Since: "2021-04-08",
		Replacement: "drop the flag (kubectl run only creates Pods; use kubectl create deployment|job|cronjob for the others)",
		Source:      "https://github.com/kubernetes/kubernetes/pull/99732",
		Command:     kubectlGenerator,
		Examples: []Example{
			{Code: "kubectl run x --image=y --generator=run-pod/v1", Stale: true,
				Message: "kubectl run --generator=run-pod/v1 was removed in kubectl v1.21 (2021-04-08)", Replacement: "drop the flag: kubectl run always creates a Pod"},
			stale("kubectl run x --image=y --generator=deployment/apps.v1"),
			stale("kubectl expose deployment x --port=80 --generator=service/v2"),
			current("kubectl expose deployment example --port=80 --type=NodePort"),
		},
	},
	{
		ID: "kubectl-get-show-all", Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl get --show-all (-a): pods in every state are shown by default",
		DeprecatedIn: "kubectl v1.10", RemovedIn: "kubectl v1.14", Since: "2019-03-25",
		Replacement: "drop the flag",
		Source:      "https://github.com/kubernetes/kubernetes/pull/69255",
		Command: func(c command) []hit {
			if f := c.flag("--show-all", "-a"); f != nil && c.verb() == "get" {
				return []hit{{at: f.at, what: "kubectl get " + f.name}}
			}
			return nil
		},
		Examples: []Example{stale("kubectl get pods --show-all"), stale("kubectl get pods -a"), current("kubectl get pods -A"), current("kubectl get pods -o wide")},
	},
	{
		ID: "kubectl-get-export", Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl get --export",
		DeprecatedIn: "kubectl v1.14", RemovedIn: "kubectl v1.18", Since: "2020-03-25",
		Replacement: "kubectl get -o yaml and delete the status and server-set metadata, or write the manifest with kubectl create ... --dry-run=client -o yaml",
		Source:      "https://github.com/kubernetes/kubernetes/pull/88649",
		Command: func(c command) []hit {
			if f := c.flag("--export"); f != nil && c.verb() == "get" {
				return []hit{{at: f.at, what: "kubectl get --export"}}
			}
			return nil
		},
		Examples: []Example{
			stale("kubectl get deploy x -o yaml --export"),
			current("kubectl --context=fed get clusters"), // federation contexts are not a rule
			current("kubectl --context fed create namespace default"),
		},
	},
	{
		ID: "kubectl-exec-no-dashes", Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl exec POD COMMAND: the command must follow --; kubectl v1.18 deprecated the form without it and v1.31 made it an error",
		DeprecatedIn: "kubectl v1.18", RemovedIn: "kubectl v1.31", Since: "2024-08-13",
		Replacement: "kubectl exec POD -- COMMAND",
		Source:      "https://github.com/kubernetes/kubernetes/pull/125437",
		Command:     kubectlExec,
		Examples: []Example{
			stale("kubectl exec mypod env"), stale("kubectl exec -it mypod bash"), stale("kubectl exec -it mypod -c app sh"),
			stale("kubectl exec <POD NAME> env"),
			current("kubectl exec -it mypod -- bash"), current("kubectl -n web exec mypod -c app -- ls"), current("kubectl exec deploy/web -- env"),
			current("kubectl exec -it mypod"), // no command: kubectl says so itself
		},
	},
	{
		ID: "kubectl-rolling-update", Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl rolling-update (of ReplicationControllers): deprecated in v1.11, removed in v1.18; Deployments roll out by themselves",
		DeprecatedIn: "kubectl v1.11", RemovedIn: "kubectl v1.18", Since: "2020-03-25",
		Replacement: "a Deployment, updated with kubectl set image deployment/NAME CONTAINER=IMAGE (kubectl rollout status|undo)",
		Source:      "https://github.com/kubernetes/kubernetes/pull/88057",
		Command: func(c command) []hit {
			return verbHit(c, "rolling-update", hit{what: "kubectl rolling-update"})
		},
		Examples: []Example{stale("kubectl rolling-update frontend --image=image:v2"), current("kubectl rollout status deployment/frontend")},
	},
	{
		ID: "kubectl-dry-run-bare", Tool: "kubectl", Severity: SeverityWarning,
		Summary:      "--dry-run without a value (or =true|false): deprecated since kubectl v1.18; removed in v1.23.0 and restored in v1.23.1, it still prints a deprecation warning",
		DeprecatedIn: "kubectl v1.18",
		Replacement:  "--dry-run=client (or --dry-run=server)",
		Source:       "https://github.com/kubernetes/kubernetes/pull/105327",
		Command: func(c command) []hit {
			if f := c.flag("--dry-run"); f != nil && (f.val == nil || f.val.s == "true" || f.val.s == "false") {
				return []hit{{at: f.at, what: "kubectl " + c.verb() + " " + f.at.s}}
			}
			return nil
		},
		Examples: []Example{
			stale("kubectl run x --image=y --dry-run -o yaml"),
			stale("kubectl create deployment x --image=y --dry-run -o yaml"),
			stale("kubectl create deployment x --image=y --dry-run=true -o yaml"),
			current("kubectl create deployment x --image=y --dry-run=client -o yaml"),
		},
	},
	{
		ID: "kubectl-server-dry-run", Tool: "kubectl", Severity: SeverityError,
		Summary:      "--server-dry-run: deprecated in v1.18, removed in v1.19",
		DeprecatedIn: "kubectl v1.18", RemovedIn: "kubectl v1.19", Since: "2020-08-26",
		Replacement: "--dry-run=server",
		Source:      "https://github.com/kubernetes/kubernetes/pull/91308",
		Command:     kubectlFlag("--server-dry-run"),
		Examples:    []Example{stale("kubectl apply -f x.yaml --server-dry-run"), current("kubectl apply -f x.yaml --dry-run=server")},
	},
	{
		ID: "kubectl-record", Tool: "kubectl", Severity: SeverityWarning,
		Summary:      "--record (the kubernetes.io/change-cause annotation): deprecated since kubectl v1.22, hidden from help, to be removed",
		DeprecatedIn: "kubectl v1.22",
		Replacement:  "drop the flag, or kubectl annotate RESOURCE kubernetes.io/change-cause=\"WHY\"",
		Source:       "https://github.com/kubernetes/kubernetes/pull/102873",
		Command:      kubectlFlag("--record"),
		Examples:     []Example{stale("kubectl set image deployment/web web=nginx:1.27 --record"), stale("kubectl apply -f web.yaml --record=true")},
	},
	{
		ID: "kubectl-drain-delete-local-data", Tool: "kubectl", Severity: SeverityWarning,
		Summary:      "kubectl drain --delete-local-data: deprecated since kubectl v1.20 for --delete-emptydir-data",
		DeprecatedIn: "kubectl v1.20",
		Replacement:  "--delete-emptydir-data",
		Source:       "https://github.com/kubernetes/kubernetes/pull/95076",
		Command:      kubectlFlag("--delete-local-data"),
		Examples: []Example{
			stale("kubectl drain node1 --ignore-daemonsets --delete-local-data"),
			current("kubectl drain node1 --ignore-daemonsets --delete-emptydir-data"),
		},
	},
	{
		ID: "kubectl-prune-whitelist", Tool: "kubectl", Severity: SeverityError,
		Summary:      "kubectl apply --prune-whitelist: renamed --prune-allowlist in v1.26, the old name removed in v1.29",
		DeprecatedIn: "kubectl v1.26", RemovedIn: "kubectl v1.29", Since: "2023-12-13",
		Replacement: "--prune-allowlist",
		Source:      "https://github.com/kubernetes/kubernetes/pull/120246",
		Command:     kubectlFlag("--prune-whitelist"),
		Examples: []Example{
			stale("kubectl apply --prune -l app=web -f web/ --prune-whitelist=core/v1/ConfigMap"),
			{Code: "kubectl apply --prune -l app=web -f web/ --prune-whitelist=core/v1/ConfigMap", Kubernetes: "v1.27", Stale: true,
				Message: "kubectl apply --prune-whitelist is deprecated since kubectl v1.26 and is removed in kubectl v1.29"},
			current("kubectl apply --prune -l app=web -f web/ --prune-allowlist=core/v1/ConfigMap"),
		},
	},
	{
		ID: "kubeadm-experimental-flag", Tool: "kubeadm", Severity: SeverityError,
		Summary:      "kubeadm --experimental-upload-certs and --experimental-control-plane: renamed in v1.15, the old names removed in v1.16",
		DeprecatedIn: "kubeadm v1.15", RemovedIn: "kubeadm v1.16", Since: "2019-09-18",
		Replacement: "--upload-certs, --control-plane",
		Source:      "https://github.com/kubernetes/kubernetes/pull/78452",
		Command: func(c command) []hit {
			var hits []hit
			for _, w := range c.words[1:] {
				name, _, _ := strings.Cut(w.s, "=")
				if repl, ok := strings.CutPrefix(name, "--experimental-"); ok && (repl == "upload-certs" || repl == "control-plane") {
					hits = append(hits, hit{at: w, what: "kubeadm " + name, replacement: "--" + repl})
				}
			}
			return hits
		},
		Examples: []Example{
			stale("sudo kubeadm init --control-plane-endpoint lb:6443 --experimental-upload-certs"),
			stale("kubeadm join lb:6443 --token t --experimental-control-plane --certificate-key k"),
			current("kubeadm init --upload-certs"),
		},
	},
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

// kubectlFlag matches a flag on any kubectl command.
func kubectlFlag(name string) func(c command) []hit {
	return func(c command) []hit {
		if f := c.flag(name); f != nil {
			return []hit{{at: f.at, what: "kubectl " + c.verb() + " " + name}}
		}
		return nil
	}
}

// kubectlGenerator finds --generator on any kubectl command; on kubectl
// run, the replacement makes the same object today.
func kubectlGenerator(c command) []hit {
	var hits []hit
	for _, f := range c.flags {
		if f.name != "--generator" {
			continue
		}
		h := hit{at: f.at, what: "kubectl " + c.verb() + " --generator"}
		if f.val != nil {
			h.what += "=" + f.val.s
			if c.verb() == "run" {
				h.replacement = generatorReplacement(f.val.s, c.args)
			}
		}
		hits = append(hits, h)
	}
	return hits
}

// kubectlRun finds kubectl run used to make a Deployment, which it stopped
// doing in v1.18.
func kubectlRun(c command) []hit {
	if c.verb() != "run" {
		return nil
	}
	name, image := "NAME", "IMAGE"
	if len(c.pos) > 1 {
		name = c.pos[1].raw
	}
	if f := c.flag("--image"); f != nil && f.val != nil {
		image = f.val.raw
	}
	repl := fmt.Sprintf("kubectl create deployment %s --image=%s", name, image)
	dryRun := c.flag("--dry-run") != nil
	out := c.flag("-o", "--output")
	// Before v1.18, only --restart=Always (the default) made a
	// Deployment; Never made a Pod then too.
	deployment := true
	if r := c.flag("--restart"); r != nil && r.val != nil && r.val.s != "Always" {
		deployment = false
	}
	switch r := c.flag("--replicas"); {
	case r != nil:
		if r.val != nil {
			repl += " --replicas=" + r.val.raw
		}
		if out != nil {
			repl += " --dry-run=client -o " + flagValue(out)
		}
		return []hit{{at: r.at, what: "kubectl run --replicas", replacement: repl}}
	case out != nil && !dryRun && deployment:
		repl += " --dry-run=client -o " + flagValue(out)
		return []hit{{at: out.at, what: "kubectl run -o " + flagValue(out),
			msg:         "kubectl run -o " + flagValue(out) + " creates a Pod and prints it, not a Deployment: kubectl run stopped making Deployments",
			replacement: repl}}
	}
	return nil
}

// kubectlExec finds kubectl exec [flags] POD COMMAND: a second positional
// argument before any "--" is the command without it.
func kubectlExec(c command) []hit {
	if c.verb() != "exec" || c.dashes >= 0 || len(c.pos) <= 2 {
		return nil
	}
	cmd := c.pos[2]
	var b strings.Builder
	for _, w := range c.words {
		if w.line == cmd.line && w.col == cmd.col {
			b.WriteString("-- ")
		}
		b.WriteString(w.raw)
		b.WriteByte(' ')
	}
	return []hit{{at: cmd, what: "kubectl exec POD COMMAND without --",
		replacement: strings.TrimSpace(b.String())}}
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
