package lint

// Rule IDs of the Kubernetes API checks. One matcher, checkAPI, serves
// them all: their data comes from the Kubernetes API libraries (the
// APILifecycle* methods of k8s.io/api types, of the current module and,
// in history_gen.go, of older ones), not from this package.
const (
	RuleAPIRemoved    RuleID = "k8s-api-removed"
	RuleAPIDeprecated RuleID = "k8s-api-deprecated"
	RuleAPIUnknown    RuleID = "k8s-api-unknown-version"
	RuleKindUnknown   RuleID = "k8s-kind-unknown"
	RuleAPINotYet     RuleID = "k8s-api-not-yet-served"
)

// manifestExample is an example of a Kubernetes API rule: a YAML block.
func manifestExample(apiVersion, kind string, stale bool) Example {
	return Example{Lang: "yaml", Code: "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata:\n  name: x\n", Stale: stale}
}

var kubernetesRules = []*Rule{
	{
		ID: RuleAPIRemoved, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "a manifest's apiVersion+kind (or a nested reference's, such as an HPA's scaleTargetRef) is no longer served by the target Kubernetes release (APILifecycleRemoved of the k8s.io/api type)",
		Replacement: "the type's APILifecycleReplacement followed to one the target serves, or the same kind in a served version of the group",
		Source:      deprecationGuide,
		Examples: []Example{
			manifestExample("extensions/v1beta1", "Ingress", true), manifestExample("networking.k8s.io/v1", "Ingress", false),
			{Lang: "sh", Code: "kubectl apply -f - <<EOF\napiVersion: extensions/v1beta1\nkind: Ingress\nmetadata:\n  name: x\nEOF", Stale: true},
		},
	},
	{
		ID: RuleAPIDeprecated, Tool: "kubernetes", Severity: SeverityWarning,
		Summary:     "a manifest's apiVersion+kind is deprecated in the target release (APILifecycleDeprecated) but still served",
		Replacement: "the type's APILifecycleReplacement",
		Source:      deprecationGuide,
		Examples: []Example{
			{Lang: "yaml", Code: "apiVersion: autoscaling/v2beta2\nkind: HorizontalPodAutoscaler", Kubernetes: "v1.24", Stale: true},
			{Lang: "yaml", Code: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler", Kubernetes: "v1.24"},
		},
	},
	{
		ID: RuleAPIUnknown, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "a built-in API group's version that no release of the Kubernetes API libraries knows (e.g. batch/v2alpha1, never served by default)",
		Replacement: "the same kind in a served version of the group",
		Source:      deprecationGuide,
		Examples:    []Example{manifestExample("batch/v2alpha1", "CronJob", true), manifestExample("batch/v1", "CronJob", false)},
	},
	{
		ID: RuleKindUnknown, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "a kind that its built-in group version never served (policy/v1 PodSecurityPolicy): the API server rejects it",
		Replacement: "the kind in a group version that serves it, or what replaced the feature",
		Source:      deprecationGuide,
		Examples:    []Example{manifestExample("policy/v1", "PodSecurityPolicy", true), manifestExample("policy/v1", "PodDisruptionBudget", false)},
	},
	{
		ID: RuleAPINotYet, Tool: "kubernetes", Severity: SeverityError,
		Summary:     "an apiVersion+kind introduced after the target release (APILifecycleIntroduced)",
		Replacement: "a version of the kind the target serves",
		Source:      deprecationGuide,
		Examples: []Example{
			{Lang: "yaml", Code: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler", Kubernetes: "v1.20", Stale: true},
			{Lang: "yaml", Code: "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler", Kubernetes: "v1.23"},
		},
	},
}

// RuleUnreadable reports a file lint could not read or decode: it is a
// finding, so the other files' findings are still printed.
const RuleUnreadable RuleID = "file-unreadable"

// fileRules are about the input itself.
var fileRules = []*Rule{
	{
		ID: RuleUnreadable, Tool: "advent", Severity: SeverityError,
		Summary:     "a Markdown file that cannot be read, is binary or is not UTF-8 (a non-UTF-8 file is still linted with the bad bytes replaced)",
		Replacement: "fix the file's permissions or convert it to UTF-8 (iconv -t UTF-8)",
		Source:      "https://spec.commonmark.org/0.31.2/#characters-and-lines",
		Examples: []Example{
			{File: true, Code: "# notes\n\x00\x01binary", Stale: true},
			{File: true, Code: "# caf\xe9\n", Stale: true},
			{File: true, Code: "# café\n"},
		},
	},
}
