package lint

import (
	"fmt"
	"reflect"
	"regexp"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"

	"go.yaml.in/yaml/v3"
	apiextscheme "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/scheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"
)

// DefaultKubernetes is the Kubernetes release manifests are checked
// against when no --kubernetes target is given.
//
// It must match the newest Kubernetes minor the project tests: the newest
// kind node image the project builds (internal/images DefaultK8sVersions).
// Raise it together with that list.
const DefaultKubernetes = "v1.34"

// deprecationGuide is the upstream list of every removed built-in API,
// with one section per release (#v1-16, #v1-22, ...).
const deprecationGuide = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/"

// Version is a Kubernetes minor release, e.g. v1.34.
type Version struct{ Major, Minor int }

func (v Version) String() string { return fmt.Sprintf("v%d.%d", v.Major, v.Minor) }

// IsZero reports whether v is unset.
func (v Version) IsZero() bool { return v.Major == 0 && v.Minor == 0 }

// less reports whether v is older than w.
func (v Version) less(w Version) bool {
	if v.Major != w.Major {
		return v.Major < w.Major
	}
	return v.Minor < w.Minor
}

var versionRE = regexp.MustCompile(`^v?(\d+)\.(\d+)(?:\.\d+)?$`)

// ParseVersion reads "v1.34", "1.34" or "v1.34.4" (the patch is ignored).
func ParseVersion(s string) (Version, error) {
	m := versionRE.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return Version{}, fmt.Errorf("Kubernetes version %q: want vMAJOR.MINOR such as %s", s, DefaultKubernetes)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	if major != 1 {
		return Version{}, fmt.Errorf("Kubernetes version %q: only 1.x releases exist", s)
	}
	return Version{major, minor}, nil
}

// The methods k8s.io/api generates for pre-release (alpha, beta) types in
// zz_generated.prerelease-lifecycle.go.
// GA types get only APILifecycleIntroduced; pre-release ones also get
// Deprecated and Removed (and Replacement when one exists).
type (
	lifecycleDeprecated interface {
		APILifecycleDeprecated() (major, minor int)
	}
	lifecycleRemoved interface {
		APILifecycleRemoved() (major, minor int)
	}
	lifecycleReplacement interface {
		APILifecycleReplacement() schema.GroupVersionKind
	}
)

// apiType is what the API libraries say about one kind in one version.
type apiType struct {
	prerelease  bool // has APILifecycleDeprecated or APILifecycleRemoved
	deprecated  Version
	removed     Version
	replacement schema.GroupVersionKind // zero when none is named
}

// apiIndex is built once from the client schemes.
type apiIndex struct {
	types map[schema.GroupVersionKind]apiType
	// versions of each group, and the kinds of each group version.
	groups map[string]map[string]bool
	kinds  map[schema.GroupVersion]map[string]bool
	// lastRemoval is the newest removal among a group version's
	// pre-release kinds, and whether every resource kind of it has one:
	// then the whole group version is no longer served from that release.
	lastRemoval map[schema.GroupVersion]Version
	allRemoved  map[schema.GroupVersion]bool
	libVersion  string // k8s.io/api module version, for messages
}

var (
	indexOnce sync.Once
	index     *apiIndex
)

func apis() *apiIndex {
	indexOnce.Do(func() { index = buildIndex(scheme.Scheme, apiextscheme.Scheme) })
	return index
}

func buildIndex(schemes ...*runtime.Scheme) *apiIndex {
	x := &apiIndex{
		types:       map[schema.GroupVersionKind]apiType{},
		groups:      map[string]map[string]bool{},
		kinds:       map[schema.GroupVersion]map[string]bool{},
		lastRemoval: map[schema.GroupVersion]Version{},
		allRemoved:  map[schema.GroupVersion]bool{},
		libVersion:  moduleVersion("k8s.io/api"),
	}
	// hasLifecycle[gv] counts kinds with lifecycle data; withoutRemoval
	// counts those that have no removal release.
	hasLifecycle := map[schema.GroupVersion]int{}
	withoutRemoval := map[schema.GroupVersion]int{}
	for _, s := range schemes {
		for gvk, t := range s.AllKnownTypes() {
			if gvk.Version == runtime.APIVersionInternal || t.Kind() != reflect.Struct {
				continue
			}
			gv := gvk.GroupVersion()
			if x.groups[gvk.Group] == nil {
				x.groups[gvk.Group] = map[string]bool{}
			}
			x.groups[gvk.Group][gvk.Version] = true
			if x.kinds[gv] == nil {
				x.kinds[gv] = map[string]bool{}
			}
			x.kinds[gv][gvk.Kind] = true
			obj := reflect.New(t).Interface()
			var a apiType
			if o, ok := obj.(lifecycleDeprecated); ok {
				a.prerelease = true
				a.deprecated = versionOf(o.APILifecycleDeprecated())
			}
			if o, ok := obj.(lifecycleRemoved); ok {
				a.prerelease = true
				a.removed = versionOf(o.APILifecycleRemoved())
			}
			if o, ok := obj.(lifecycleReplacement); ok {
				a.replacement = o.APILifecycleReplacement()
			}
			if !a.prerelease {
				// GA kinds and the meta kinds every group version
				// registers (ListOptions, WatchEvent, ...).
				if _, seen := x.types[gvk]; !seen {
					x.types[gvk] = a
				}
				continue
			}
			x.types[gvk] = a
			hasLifecycle[gv]++
			if a.removed.IsZero() {
				withoutRemoval[gv]++
			} else if x.lastRemoval[gv].less(a.removed) {
				x.lastRemoval[gv] = a.removed
			}
		}
	}
	for gv, n := range hasLifecycle {
		x.allRemoved[gv] = n > 0 && withoutRemoval[gv] == 0
	}
	return x
}

// metaKind names the kinds every group version registers for requests.
func metaKind(k string) bool {
	switch k {
	case "WatchEvent", "ListOptions", "GetOptions", "DeleteOptions", "CreateOptions", "UpdateOptions", "PatchOptions", "ExportOptions", "TableOptions", "Status":
		return true
	}
	return strings.HasSuffix(k, "List")
}

func versionOf(major, minor int) Version {
	if major == 0 && minor == 0 {
		return Version{}
	}
	return Version{major, minor}
}

func moduleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return ""
}

// formatGVK writes "apps/v1 Deployment" (core kinds: "v1 Service").
func formatGVK(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String() + " " + gvk.Kind
}

// apiFinding is what the index says about one apiVersion and kind.
type apiFinding struct {
	rule         string
	severity     string
	message      string
	removedIn    string
	deprecatedIn string
	replacement  string
	source       string
}

// checkAPI looks up apiVersion+kind for target. ok is false when there is
// nothing to say (a current kind, or a kind the libraries do not own,
// such as a custom resource).
func checkAPI(apiVersion, kind string, target Version) (apiFinding, bool) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || kind == "" {
		return apiFinding{}, false
	}
	x := apis()
	gvk := gv.WithKind(kind)
	what := formatGVK(gvk)
	if a, ok := x.types[gvk]; ok {
		if !a.prerelease {
			return apiFinding{}, false
		}
		repl := x.replacementFor(gvk, a)
		switch {
		case !a.removed.IsZero() && !target.less(a.removed):
			return apiFinding{
				rule:         RuleAPIRemoved,
				severity:     SeverityError,
				message:      fmt.Sprintf("%s was removed in Kubernetes %s", what, a.removed),
				removedIn:    "Kubernetes " + a.removed.String(),
				deprecatedIn: kubeVersion(a.deprecated),
				replacement:  repl,
				source:       guideAnchor(a.removed),
			}, true
		case !a.deprecated.IsZero() && !target.less(a.deprecated):
			msg := fmt.Sprintf("%s is deprecated since Kubernetes %s", what, a.deprecated)
			if !a.removed.IsZero() {
				msg += fmt.Sprintf(" and is removed in %s", a.removed)
			}
			return apiFinding{
				rule:         RuleAPIDeprecated,
				severity:     SeverityWarning,
				message:      msg,
				removedIn:    kubeVersion(a.removed),
				deprecatedIn: "Kubernetes " + a.deprecated.String(),
				replacement:  repl,
				source:       guideAnchor(a.removed),
			}, true
		}
		return apiFinding{}, false
	}
	versions, knownGroup := x.groups[gv.Group]
	if !knownGroup {
		return apiFinding{}, false // a custom resource or another tool's config
	}
	if !versions[gv.Version] && gv.Group != "" {
		// The libraries keep the Go types of removed versions for many
		// releases; a version they no longer know is long gone.
		return apiFinding{
			rule:     RuleAPIUnknown,
			severity: SeverityError,
			message: fmt.Sprintf("%s is not served by current Kubernetes: the Kubernetes API libraries%s no longer know %s (known: %s)",
				what, x.libSuffix(), gv, strings.Join(x.groupVersions(gv.Group), ", ")),
			replacement: x.sameKindElsewhere(gvk),
			source:      deprecationGuide,
		}, true
	}
	if x.allRemoved[gv] && !target.less(x.lastRemoval[gv]) && !metaKind(kind) {
		// A kind the libraries dropped (policy/v1beta1 PodSecurityPolicy)
		// in a group version whose every kind is removed.
		last := x.lastRemoval[gv]
		return apiFinding{
			rule:        RuleAPIRemoved,
			severity:    SeverityError,
			message:     fmt.Sprintf("%s was removed by Kubernetes %s, when the last kind of %s was", what, last, gv),
			removedIn:   "Kubernetes " + last.String(),
			replacement: x.sameKindElsewhere(gvk),
			source:      guideAnchor(last),
		}, true
	}
	return apiFinding{}, false
}

func kubeVersion(v Version) string {
	if v.IsZero() {
		return ""
	}
	return "Kubernetes " + v.String()
}

func guideAnchor(v Version) string {
	if v.IsZero() {
		return deprecationGuide
	}
	return fmt.Sprintf("%s#v%d-%d", deprecationGuide, v.Major, v.Minor)
}

func (x *apiIndex) libSuffix() string {
	if x.libVersion == "" {
		return ""
	}
	return " (k8s.io/api " + x.libVersion + ")"
}

// replacementFor is the kind the libraries name as the replacement, or
// the same kind in a GA version of the group.
func (x *apiIndex) replacementFor(gvk schema.GroupVersionKind, a apiType) string {
	if !a.replacement.Empty() {
		return formatGVK(a.replacement)
	}
	return x.sameKindElsewhere(gvk)
}

// sameKindElsewhere finds kind in another version of the group that is
// served for good (no lifecycle data), preferring v2 over v1.
func (x *apiIndex) sameKindElsewhere(gvk schema.GroupVersionKind) string {
	var best string
	for _, v := range x.groupVersions(gvk.Group) {
		c := schema.GroupVersionKind{Group: gvk.Group, Version: v, Kind: gvk.Kind}
		if c == gvk {
			continue
		}
		if a, ok := x.types[c]; ok && !a.prerelease {
			best = formatGVK(c)
		}
	}
	return best
}

// groupVersions lists a group's versions, oldest first (v1alpha1 < v1beta1 < v1 < v2).
func (x *apiIndex) groupVersions(group string) []string {
	var vs []string
	for v := range x.groups[group] {
		vs = append(vs, v)
	}
	sort.Slice(vs, func(i, j int) bool { return versionRank(vs[i]) < versionRank(vs[j]) })
	return vs
}

var kubeVersionRE = regexp.MustCompile(`^v(\d+)(?:(alpha|beta)(\d+))?$`)

func versionRank(v string) int {
	m := kubeVersionRE.FindStringSubmatch(v)
	if m == nil {
		return -1
	}
	major, _ := strconv.Atoi(m[1])
	stage := 2
	switch m[2] {
	case "alpha":
		stage = 0
	case "beta":
		stage = 1
	}
	n, _ := strconv.Atoi(m[3])
	return major*10000 + stage*1000 + n
}

// manifest is one apiVersion/kind pair found in a block.
type manifest struct {
	apiVersion, kind string
	line, col        int // 1-based within the text given to findManifests
}

// findManifests finds apiVersion/kind pairs in YAML or JSON text that may
// hold several documents and Helm template syntax ({{ .Values.x }}, not
// YAML). It reads a document's top-level `apiVersion:` and `kind:` lines,
// which works whether or not the rest parses, and parses the document as
// YAML for the other forms (JSON, flow style, the items of a List).
func findManifests(text string) []manifest {
	var out []manifest
	for _, d := range splitDocuments(text) {
		if !strings.Contains(d.text, "apiVersion") || !strings.Contains(d.text, "kind") {
			continue
		}
		// Fast path: block-style YAML with top-level apiVersion: and
		// kind: lines (lines at column 0 are top-level keys in YAML).
		if m, ok := manifestLines(d.text); ok && !strings.HasSuffix(m.kind, "List") {
			m.line += d.line
			out = append(out, m)
			continue
		}
		var n yaml.Node
		if err := yaml.Unmarshal([]byte(d.text), &n); err == nil {
			if len(n.Content) > 0 {
				for _, m := range manifestsIn(n.Content[0]) {
					m.line += d.line
					out = append(out, m)
				}
			}
			continue
		}
	}
	return out
}

type document struct {
	text string
	line int // lines before the document in the whole text
}

var docSep = regexp.MustCompile(`^---(\s.*)?$`)

func splitDocuments(text string) []document {
	var (
		docs  []document
		cur   strings.Builder
		start int
	)
	lines := strings.SplitAfter(text, "\n")
	for i, l := range lines {
		if docSep.MatchString(strings.TrimRight(l, "\r\n")) {
			docs = append(docs, document{cur.String(), start})
			cur.Reset()
			start = i + 1
			continue
		}
		cur.WriteString(l)
	}
	return append(docs, document{cur.String(), start})
}

// manifestsIn reads apiVersion and kind of a mapping node, and of the
// items of a List.
func manifestsIn(n *yaml.Node) []manifest {
	if n.Kind != yaml.MappingNode {
		return nil
	}
	var (
		m     manifest
		items *yaml.Node
		hasAV bool
	)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "apiVersion":
			if v.Kind == yaml.ScalarNode {
				m.apiVersion, m.line, m.col, hasAV = v.Value, k.Line, k.Column, true
			}
		case "kind":
			if v.Kind == yaml.ScalarNode {
				m.kind = v.Value
			}
		case "items":
			items = v
		}
	}
	var out []manifest
	if hasAV && m.kind != "" && !strings.Contains(m.apiVersion, "{{") && !strings.Contains(m.kind, "{{") {
		out = append(out, m)
	}
	if items != nil && items.Kind == yaml.SequenceNode && strings.HasSuffix(m.kind, "List") {
		for _, it := range items.Content {
			out = append(out, manifestsIn(it)...)
		}
	}
	return out
}

var (
	apiVersionLine = regexp.MustCompile(`^apiVersion:\s*(.*?)\s*$`)
	kindLine       = regexp.MustCompile(`^kind:\s*(.*?)\s*$`)
)

// manifestLines reads the top-level apiVersion: and kind: lines of a
// document, which need not be valid YAML (Helm templates).
func manifestLines(text string) (manifest, bool) {
	var m manifest
	for i, l := range strings.Split(text, "\n") {
		l = strings.TrimRight(l, "\r")
		if s := apiVersionLine.FindStringSubmatch(l); s != nil && m.line == 0 {
			m.apiVersion, m.line, m.col = scalar(s[1]), i+1, 1
		} else if s := kindLine.FindStringSubmatch(l); s != nil && m.kind == "" {
			m.kind = scalar(s[1])
		}
	}
	if m.line == 0 || m.apiVersion == "" || m.kind == "" || strings.Contains(m.apiVersion+m.kind, "{{") {
		return manifest{}, false
	}
	return m, true
}

// scalar strips a trailing comment and quotes from a plain YAML value.
func scalar(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}
