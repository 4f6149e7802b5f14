package lint

import (
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/content"
)

// manifest is one apiVersion/kind pair found in a block: a document's own
// (a manifest), or a nested reference to a kind (an HPA's scaleTargetRef,
// ownerReferences, the items of a List).
type manifest struct {
	apiVersion, kind string
	line, col        int    // of the apiVersion key, 1-based within the text given to findManifests
	field            string // the keys above a nested reference ("spec.scaleTargetRef"); "" for a document
}

// findManifests finds apiVersion/kind pairs in text of any kind: YAML or
// JSON documents (one or several), Helm templates that are not YAML, and
// shell scripts or transcripts with YAML pasted in or fed to kubectl by a
// here-document. A document that parses as YAML is walked as a tree;
// anything else is read line by line by indentation (scanManifests).
func findManifests(text string) []manifest {
	if !strings.Contains(text, "apiVersion") || !strings.Contains(text, "kind") {
		return nil
	}
	var out []manifest
	for _, d := range splitDocuments(text) {
		if !strings.Contains(d.text, "apiVersion") || !strings.Contains(d.text, "kind") {
			continue
		}
		var ms []manifest
		var n yaml.Node
		// yaml.v3 keeps the last of duplicate keys: two objects pasted
		// without a "---" between them are read line by line.
		if len(topAPIVersion.FindAllStringIndex(d.text, 2)) > 1 {
			ms = scanManifests(d.text)
		} else if err := yaml.Unmarshal([]byte(d.text), &n); err == nil && len(n.Content) > 0 &&
			(n.Content[0].Kind == yaml.MappingNode || n.Content[0].Kind == yaml.SequenceNode) {
			ms = refsIn(n.Content[0], "", true)
			pos := content.YAMLPositions([]byte(d.text))
			for i := range ms {
				ms[i].line, ms[i].col = pos(ms[i].line, ms[i].col)
			}
		} else {
			ms = scanManifests(d.text)
		}
		sort.SliceStable(ms, func(i, j int) bool { return ms[i].line < ms[j].line })
		for _, m := range ms {
			m.line += d.line
			out = append(out, m)
		}
	}
	return out
}

var topAPIVersion = regexp.MustCompile(`(?m)^["']?apiVersion["']?[ \t]*:`)

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

var (
	apiVersionRE = regexp.MustCompile(`^(?:[a-z0-9]([a-z0-9.-]*[a-z0-9])?/)?v[0-9]+(?:(?:alpha|beta)[0-9]+)?$`)
	kindRE       = regexp.MustCompile(`^[A-Z][A-Za-z0-9]*$`)
)

// plausible reports whether apiVersion and kind are written out (not a
// template expression or a placeholder such as <version>).
func plausible(apiVersion, kind string) bool {
	return apiVersionRE.MatchString(apiVersion) && kindRE.MatchString(kind)
}

// refsIn finds the apiVersion/kind pairs of a YAML tree. top is true for
// the document itself and the items of a List, which are manifests.
func refsIn(n *yaml.Node, field string, top bool) []manifest {
	var out []manifest
	switch n.Kind {
	case yaml.SequenceNode:
		for _, it := range n.Content {
			out = append(out, refsIn(it, field, top)...)
		}
	case yaml.MappingNode:
		var (
			m     manifest
			hasAV bool
		)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind != yaml.ScalarNode {
				continue
			}
			switch k.Value {
			case "apiVersion":
				m.apiVersion, m.line, m.col, hasAV = v.Value, k.Line, k.Column, true
			case "kind":
				m.kind = v.Value
			}
		}
		if hasAV && plausible(m.apiVersion, m.kind) {
			if !top {
				m.field = field
			}
			out = append(out, m)
		}
		isList := strings.HasSuffix(m.kind, "List")
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			if v.Kind == yaml.ScalarNode {
				continue
			}
			if top && isList && k.Value == "items" {
				out = append(out, refsIn(v, "", true)...)
				continue
			}
			f := k.Value
			if !top && field != "" {
				f = field + "." + k.Value
			}
			out = append(out, refsIn(v, f, false)...)
		}
	}
	return out
}

var (
	// keyLineRE matches a YAML key line: indentation, sequence dashes,
	// the key (quoted in JSON) and what follows the colon.
	keyLineRE = regexp.MustCompile(`^([ \t]*)((?:-[ \t]+)*)["']?([A-Za-z0-9_.$/-]+)["']?[ \t]*:(?:[ \t]+(.*))?$`)
	dashRE    = regexp.MustCompile(`^([ \t]*)-(?:[ \t]|$)`)
)

// openMap is a mapping being read by scanManifests.
type openMap struct {
	indent int
	m      manifest
	hasAV  bool
	field  string
}

// parentKey is a key line above the current one.
type parentKey struct {
	indent int
	key    string
}

// manifestScanner is the state of scanManifests.
type manifestScanner struct {
	out      []manifest
	open     []*openMap
	keys     []parentKey
	template bool // the text has Helm template syntax
}

// scanManifests reads apiVersion/kind pairs line by line, for text that is
// not YAML as a whole: a mapping is the run of key lines at one
// indentation, ended by a line indented less, a new sequence item at its
// indentation, or another apiVersion (or kind) at its indentation. Lines
// of Helm template syntax and comments are transparent; a second
// apiVersion in a templated mapping ({{ if }} ... {{ else }}) is an
// alternative, not a new object.
func scanManifests(text string) []manifest {
	sc := &manifestScanner{template: strings.Contains(text, "{{")}
	for i, l := range strings.Split(text, "\n") {
		sc.line(i+1, strings.TrimRight(l, "\r"))
	}
	sc.closeFrom(0)
	return sc.out
}

// line reads line n (1-based).
func (sc *manifestScanner) line(n int, l string) {
	t := strings.TrimSpace(l)
	if t == "" || strings.HasPrefix(t, "#") || strings.HasPrefix(t, "{{") {
		return
	}
	ind := len(l) - len(strings.TrimLeft(l, " \t"))
	s := keyLineRE.FindStringSubmatch(l)
	if s == nil {
		if dashRE.MatchString(l) {
			sc.closeFrom(ind + 1) // a plain sequence item
			return
		}
		sc.closeFrom(ind) // shell text, a here-document's end, a block scalar's text
		sc.popKeys(ind)
		return
	}
	kc := len(s[1]) + len(s[2]) // column of the key, 0-based
	if s[2] != "" {
		sc.closeFrom(kc) // a new sequence item starts a new mapping
	} else {
		sc.closeFrom(kc + 1)
	}
	sc.popKeys(kc)
	key, val := s[3], scalar(s[4])
	if key != "apiVersion" && key != "kind" {
		sc.keys = append(sc.keys, parentKey{kc, key})
		return
	}
	o := sc.at(kc)
	if o != nil && ((key == "apiVersion" && o.hasAV) || (key == "kind" && o.m.kind != "")) {
		if sc.template {
			return // an alternative of a template conditional
		}
		sc.closeFrom(kc)
		o = nil
	}
	if o == nil {
		o = &openMap{indent: kc, field: sc.field()}
		sc.open = append(sc.open, o)
	}
	if key == "apiVersion" {
		o.m.apiVersion, o.m.line, o.m.col, o.hasAV = val, n, kc+1, true
	} else {
		o.m.kind = val
	}
}

// field is the path of the keys above the current line.
func (sc *manifestScanner) field() string {
	parents := make([]string, len(sc.keys))
	for i, k := range sc.keys {
		parents[i] = k.key
	}
	return strings.Join(parents, ".")
}

func (sc *manifestScanner) popKeys(indent int) {
	for len(sc.keys) > 0 && sc.keys[len(sc.keys)-1].indent >= indent {
		sc.keys = sc.keys[:len(sc.keys)-1]
	}
}

// closeFrom emits and drops the mappings indented at least indent.
func (sc *manifestScanner) closeFrom(indent int) {
	kept := sc.open[:0]
	for _, o := range sc.open {
		if o.indent < indent {
			kept = append(kept, o)
			continue
		}
		if o.hasAV && plausible(o.m.apiVersion, o.m.kind) {
			m := o.m
			m.field = o.field
			sc.out = append(sc.out, m)
		}
	}
	sc.open = kept
}

func (sc *manifestScanner) at(indent int) *openMap {
	for _, o := range sc.open {
		if o.indent == indent {
			return o
		}
	}
	return nil
}

// scalar strips a trailing comment, a JSON comma and quotes from a plain
// value.
func scalar(s string) string {
	if i := strings.Index(s, " #"); i >= 0 {
		s = s[:i]
	}
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(s, ",")
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}
