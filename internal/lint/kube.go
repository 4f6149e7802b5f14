package lint

import (
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"

	apiextscheme "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset/scheme"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/version"
	"k8s.io/client-go/kubernetes/scheme"

	"github.com/sysadvent/advent/internal/images"
)

// DefaultKubernetes is the Kubernetes release manifests are checked
// against when no --kubernetes target is given: the newest minor the
// project tests, that is the newest kind node image it builds
// (images.DefaultK8sVersions).
var DefaultKubernetes = Release(newestRelease(images.DefaultK8sVersions))

// newestRelease is the newest minor among versions ("v1.34.4").
func newestRelease(versions []string) *version.Version {
	var newest *version.Version
	for _, s := range versions {
		v, err := ParseVersion(s)
		if err != nil {
			panic(fmt.Sprintf("images.DefaultK8sVersions: %v", err))
		}
		if newest == nil || newest.LessThan(v) {
			newest = v
		}
	}
	if newest == nil {
		panic("images.DefaultK8sVersions is empty")
	}
	return newest
}

// deprecationGuide is the upstream list of every removed built-in API,
// with one section per release (#v1-16, #v1-22, ...).
const deprecationGuide = "https://kubernetes.io/docs/reference/using-api/deprecation-guide/"

// ParseVersion reads a Kubernetes minor release, "v1.34", "1.34" or
// "v1.34.4" (the patch is dropped), with apimachinery's parser.
func ParseVersion(s string) (*version.Version, error) {
	v, err := version.ParseMajorMinor(strings.TrimSpace(s))
	if err != nil {
		return nil, fmt.Errorf("Kubernetes version %q: want vMAJOR.MINOR such as v1.34", s)
	}
	if v.Major() != 1 {
		return nil, fmt.Errorf("Kubernetes version %q: only 1.x releases exist", s)
	}
	return v, nil
}

// Release names a minor release as Kubernetes does: "v1.34".
func Release(v *version.Version) string { return fmt.Sprintf("v%d.%d", v.Major(), v.Minor()) }

// The methods k8s.io/api generates into zz_generated.prerelease-lifecycle.go.
// Pre-release (alpha, beta) types get Introduced, Deprecated and Removed
// (and Replacement when one exists); some GA types get Introduced only.
type (
	lifecycleIntroduced interface {
		APILifecycleIntroduced() (major, minor int)
	}
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

// historicType is the generated lifecycle of a kind that an older k8s.io/api
// release carried and the current one does not (history_gen.go).
type historicType struct {
	gvk                             schema.GroupVersionKind
	introduced, deprecated, removed *version.Version
	replacement                     schema.GroupVersionKind
	from                            string // module@version the data comes from
}

//go:generate go run ./genhistory -o history_gen.go k8s.io/api@v0.32.10 k8s.io/api@v0.29.15 k8s.io/api@v0.26.15 k8s.io/api@v0.25.16 k8s.io/api@v0.24.17 k8s.io/api@v0.22.17 k8s.io/api@v0.19.16

// apiType is what the API libraries say about one kind in one version.
type apiType struct {
	prerelease  bool // has APILifecycleDeprecated or APILifecycleRemoved
	introduced  *version.Version
	deprecated  *version.Version
	removed     *version.Version
	replacement schema.GroupVersionKind // zero when none is named
}

// apiIndex is built once from the client schemes and the generated history.
type apiIndex struct {
	types map[schema.GroupVersionKind]apiType
	// versions of each group, and the group versions of each kind.
	groups map[string]map[string]bool
	byKind map[string][]schema.GroupVersionKind
}

var (
	indexOnce sync.Once
	index     *apiIndex
)

func apis() *apiIndex {
	indexOnce.Do(func() { index = buildIndex(historicTypes, scheme.Scheme, apiextscheme.Scheme) })
	return index
}

func buildIndex(history []historicType, schemes ...*runtime.Scheme) *apiIndex {
	x := &apiIndex{
		types:  map[schema.GroupVersionKind]apiType{},
		groups: map[string]map[string]bool{},
		byKind: map[string][]schema.GroupVersionKind{},
	}
	add := func(gvk schema.GroupVersionKind, a apiType) {
		if old, seen := x.types[gvk]; seen && (old.prerelease || !a.prerelease) {
			return
		}
		if _, seen := x.types[gvk]; !seen {
			x.byKind[gvk.Kind] = append(x.byKind[gvk.Kind], gvk)
		}
		if x.groups[gvk.Group] == nil {
			x.groups[gvk.Group] = map[string]bool{}
		}
		x.groups[gvk.Group][gvk.Version] = true
		x.types[gvk] = a
	}
	for _, s := range schemes {
		for gvk, t := range s.AllKnownTypes() {
			if gvk.Version == runtime.APIVersionInternal || t.Kind() != reflect.Struct {
				continue
			}
			obj := reflect.New(t).Interface()
			var a apiType
			if o, ok := obj.(lifecycleIntroduced); ok {
				a.introduced = versionOf(o.APILifecycleIntroduced())
			}
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
			add(gvk, a)
		}
	}
	for _, h := range history {
		add(h.gvk, apiType{
			prerelease: h.deprecated != nil || h.removed != nil,
			introduced: h.introduced, deprecated: h.deprecated, removed: h.removed,
			replacement: h.replacement,
		})
	}
	for k := range x.byKind {
		sort.Slice(x.byKind[k], func(i, j int) bool {
			a, b := x.byKind[k][i], x.byKind[k][j]
			if a.Group != b.Group {
				return a.Group < b.Group
			}
			return versionRank(a.Version) < versionRank(b.Version)
		})
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

// versionOf is the release of a generated lifecycle method (APILifecycleRemoved
// and the others); nil for 0.0, none.
func versionOf(major, minor int) *version.Version {
	if major == 0 && minor == 0 {
		return nil
	}
	return version.MajorMinor(uint(major), uint(minor))
}

// formatGVK writes "apps/v1 Deployment" (core kinds: "v1 Service").
func formatGVK(gvk schema.GroupVersionKind) string {
	return gvk.GroupVersion().String() + " " + gvk.Kind
}

// apiFinding is what the index says about one apiVersion and kind.
type apiFinding struct {
	rule         RuleID
	severity     Severity
	message      string
	removedIn    string
	deprecatedIn string
	replacement  string
	source       string
}

// kindNote is what replaced a kind that has no successor kind: upstream
// retired the feature for something that is not an API object of the same
// kind. The deprecation guide names it; the API libraries cannot.
type kindNote struct{ replacement, source string }

var kindNotes = map[schema.GroupKind]kindNote{
	{Group: "policy", Kind: "PodSecurityPolicy"}: {
		replacement: "Pod Security Admission (label namespaces with pod-security.kubernetes.io/enforce), or a policy engine such as Kyverno or Gatekeeper",
		source:      "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
	},
	{Group: "extensions", Kind: "PodSecurityPolicy"}: {
		replacement: "Pod Security Admission (label namespaces with pod-security.kubernetes.io/enforce), or a policy engine such as Kyverno or Gatekeeper",
		source:      "https://kubernetes.io/docs/concepts/security/pod-security-admission/",
	},
}

// served reports whether the target release serves a.
func (a apiType) served(target *version.Version) bool {
	if a.introduced != nil && target.LessThan(a.introduced) {
		return false
	}
	return a.removed == nil || target.LessThan(a.removed)
}

// checkAPI looks up apiVersion+kind for target. ok is false when there is
// nothing to say (a kind the target serves, or a kind the libraries do not
// own, such as a custom resource).
func checkAPI(apiVersion, kind string, target *version.Version) (apiFinding, bool) {
	gv, err := schema.ParseGroupVersion(apiVersion)
	if err != nil || kind == "" || gv.Version == "" {
		return apiFinding{}, false
	}
	x := apis()
	gvk := gv.WithKind(kind)
	what := formatGVK(gvk)
	if a, ok := x.types[gvk]; ok {
		if a.introduced != nil && target.LessThan(a.introduced) {
			repl, src := x.replacementFor(gvk, a, target)
			return apiFinding{
				rule: RuleAPINotYet, severity: SeverityError,
				message:     fmt.Sprintf("%s is not served by Kubernetes %s: it was introduced in %s", what, Release(target), Release(a.introduced)),
				replacement: repl, source: firstOf(src, deprecationGuide),
			}, true
		}
		if !a.prerelease {
			return apiFinding{}, false
		}
		repl, src := x.replacementFor(gvk, a, target)
		f := apiFinding{
			removedIn:    kubeVersion(a.removed),
			deprecatedIn: kubeVersion(a.deprecated),
			replacement:  repl,
			source:       firstOf(src, guideAnchor(a.removed)),
		}
		switch {
		case a.removed != nil && !target.LessThan(a.removed):
			f.rule, f.severity = RuleAPIRemoved, SeverityError
			f.message = fmt.Sprintf("%s was removed in Kubernetes %s", what, Release(a.removed))
			if a.deprecated != nil {
				f.message += fmt.Sprintf(" (deprecated since %s)", Release(a.deprecated))
			}
			return f, true
		case a.deprecated != nil && !target.LessThan(a.deprecated):
			f.rule, f.severity = RuleAPIDeprecated, SeverityWarning
			f.message = fmt.Sprintf("%s is deprecated since Kubernetes %s", what, Release(a.deprecated))
			if a.removed != nil {
				f.message += fmt.Sprintf(" and is removed in %s", Release(a.removed))
			}
			return f, true
		}
		return apiFinding{}, false
	}
	versions, knownGroup := x.groups[gv.Group]
	if !knownGroup {
		return apiFinding{}, false // a custom resource or another tool's config
	}
	if !versions[gv.Version] {
		if gv.Group == "" {
			return apiFinding{}, false // "v2" Chart, and other tools' files
		}
		// Neither the libraries nor their history know this version.
		return apiFinding{
			rule: RuleAPIUnknown, severity: SeverityError,
			message: fmt.Sprintf("%s: Kubernetes serves no version %s of %s (its versions: %s)",
				what, gv.Version, groupName(gv.Group), strings.Join(x.groupVersions(gv.Group), ", ")),
			replacement: x.servedKind(gvk, target),
			source:      deprecationGuide,
		}, true
	}
	if metaKind(kind) {
		return apiFinding{}, false
	}
	// The group version exists but has no such kind.
	elsewhere := x.byKind[kind]
	if gv.Group == "" && len(elsewhere) == 0 {
		return apiFinding{}, false // a kubeconfig (v1 Config) and other v1 files
	}
	return x.kindUnknown(gvk, elsewhere, target), true
}

// kindUnknown explains a kind its group version never served, with where
// the kind is (or was) served.
func (x *apiIndex) kindUnknown(gvk schema.GroupVersionKind, elsewhere []schema.GroupVersionKind, target *version.Version) apiFinding {
	f := apiFinding{
		rule: RuleKindUnknown, severity: SeverityError,
		message: fmt.Sprintf("%s does not exist: Kubernetes never served kind %s in %s", formatGVK(gvk), gvk.Kind, gvk.GroupVersion()),
		source:  deprecationGuide,
	}
	if len(elsewhere) == 0 {
		return f
	}
	var where []string
	var last *version.Version
	allRemoved := true
	for _, e := range elsewhere {
		a := x.types[e]
		s := e.GroupVersion().String()
		switch {
		case a.removed != nil:
			s += " until " + Release(a.removed)
			if last == nil || last.LessThan(a.removed) {
				last = a.removed
			}
		default:
			allRemoved = false
		}
		where = append(where, s)
	}
	f.message += fmt.Sprintf(" (%s was served as %s)", gvk.Kind, strings.Join(where, ", "))
	if allRemoved {
		f.removedIn = kubeVersion(last)
		f.source = guideAnchor(last)
	}
	f.replacement = x.servedKind(gvk, target)
	for _, e := range elsewhere {
		if a := x.types[e]; f.replacement == "" && !a.prerelease && a.served(target) {
			f.replacement = formatGVK(e) // the kind in another group (v1 Deployment)
		}
	}
	if f.replacement == "" {
		if n, ok := kindNotes[gvk.GroupKind()]; ok {
			f.replacement, f.source = n.replacement, n.source
		} else {
			for _, e := range elsewhere {
				if n, ok := kindNotes[e.GroupKind()]; ok {
					f.replacement, f.source = n.replacement, n.source
					break
				}
			}
		}
	}
	return f
}

func groupName(g string) string {
	if g == "" {
		return "the core group"
	}
	return g
}

func firstOf(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

func kubeVersion(v *version.Version) string {
	if v == nil {
		return ""
	}
	return "Kubernetes " + Release(v)
}

func guideAnchor(v *version.Version) string {
	if v == nil {
		return deprecationGuide
	}
	return fmt.Sprintf("%s#v%d-%d", deprecationGuide, v.Major(), v.Minor())
}

// replacementFor follows the libraries' replacement (or the same kind in
// a served version of the group) until a kind the target serves; when the
// chain ends in a retired feature it names what replaced it (and a source
// for that, else "").
func (x *apiIndex) replacementFor(gvk schema.GroupVersionKind, a apiType, target *version.Version) (string, string) {
	cur, ca := gvk, a
	for range 8 {
		next := ca.replacement
		if next.Empty() {
			if s := x.servedKind(cur, target); s != "" {
				return s, ""
			}
			break
		}
		na, ok := x.types[next]
		if !ok || na.served(target) {
			return formatGVK(next), ""
		}
		cur, ca = next, na
	}
	if n, ok := kindNotes[cur.GroupKind()]; ok {
		return n.replacement, n.source
	}
	return "", ""
}

// servedKind finds the kind in another version of its group that the
// target serves for good (GA, or not removed by the target), preferring
// newer versions and GA ones.
func (x *apiIndex) servedKind(gvk schema.GroupVersionKind, target *version.Version) string {
	var ga, beta, deprecated string
	for _, v := range x.groupVersions(gvk.Group) {
		c := schema.GroupVersionKind{Group: gvk.Group, Version: v, Kind: gvk.Kind}
		if c == gvk {
			continue
		}
		a, ok := x.types[c]
		switch {
		case !ok || !a.served(target):
		case !a.prerelease:
			ga = formatGVK(c)
		case a.deprecated == nil || target.LessThan(a.deprecated):
			beta = formatGVK(c)
		default:
			deprecated = formatGVK(c)
		}
	}
	return firstOf(ga, beta, deprecated)
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
