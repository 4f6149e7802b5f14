package report

// Tool names a program or image whose version a run records.
type Tool string

// Tools a run records, in the order a page names them.
const (
	ToolKind       Tool = "kind"
	ToolHelm       Tool = "helm"
	ToolKubectl    Tool = "kubectl"
	ToolInSpec     Tool = "inspec"
	ToolKubernetes Tool = "kubernetes" // the node image's Kubernetes release
)

// Tools are the tools of Versions in the order a page names them.
var Tools = []Tool{ToolKind, ToolHelm, ToolKubectl, ToolInSpec, ToolKubernetes}

// Label is how a page names the tool: "kind", "Helm", "kubectl",
// "InSpec", "Kubernetes".
func (t Tool) Label() string {
	switch t {
	case ToolHelm:
		return "Helm"
	case ToolInSpec:
		return "InSpec"
	case ToolKubernetes:
		return "Kubernetes"
	}
	return string(t)
}

// Versions are the versions of the tools and the node image a run used;
// a tool the run did not use is empty. Results files spell it as an object
// keyed by Tool.
type Versions struct {
	Kind       string `json:"kind,omitempty"`
	Helm       string `json:"helm,omitempty"`
	Kubectl    string `json:"kubectl,omitempty"`
	InSpec     string `json:"inspec,omitempty"`
	Kubernetes string `json:"kubernetes,omitempty"`
}

// Get is the version of t ("" when the run did not use it).
func (v Versions) Get(t Tool) string {
	switch t {
	case ToolKind:
		return v.Kind
	case ToolHelm:
		return v.Helm
	case ToolKubectl:
		return v.Kubectl
	case ToolInSpec:
		return v.InSpec
	case ToolKubernetes:
		return v.Kubernetes
	}
	return ""
}

// Set records the version of t; an unknown tool is ignored.
func (v *Versions) Set(t Tool, version string) {
	switch t {
	case ToolKind:
		v.Kind = version
	case ToolHelm:
		v.Helm = version
	case ToolKubectl:
		v.Kubectl = version
	case ToolInSpec:
		v.InSpec = version
	case ToolKubernetes:
		v.Kubernetes = version
	}
}

// ToolVersion is one tool and its version.
type ToolVersion struct {
	Tool    Tool   `json:"tool"`
	Version string `json:"version"`
}

// List is the recorded versions in Tools order, empty ones left out.
func (v Versions) List() []ToolVersion {
	var out []ToolVersion
	for _, t := range Tools {
		if s := v.Get(t); s != "" {
			out = append(out, ToolVersion{t, s})
		}
	}
	return out
}
