// Package lint finds stale instructions in Markdown without running them:
// manifests whose apiVersion and kind the target Kubernetes release does not
// serve (data from k8s.io/api), commands and flags newer tools removed,
// releases past end of life, and tutorial prose that still tells the reader
// to do what no step does. Each rule is one Rule value in its tool's table
// (docs/writing-lint-rules.md). In the site's articles it reads lab blocks
// and 2017 originals (findings there are expected) with the site's reading
// rules; any other Markdown is read as CommonMark, every code block, and
// never aborts the run. Findings print as text, JSON or SARIF 2.1.0.
package lint

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/sync/errgroup"
	"k8s.io/apimachinery/pkg/util/version"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
)

// Finding is one stale instruction. It is what `advent lint --format
// json` prints and what the site shows beside each original block; the
// field names are stable.
type Finding struct {
	Path string `json:"path"` // relative to the root, with slashes
	Line int    `json:"line"` // of the stale word or apiVersion line; 0 for the whole file
	Col  int    `json:"col"`
	// BlockLine is the line of the block's opening fence (of an indented
	// block, its first line).
	BlockLine int    `json:"block_line"`
	Rule      RuleID `json:"rule"`
	// Severity is "error" (removed) or "warning" (deprecated).
	Severity Severity `json:"severity"`
	// Message says what is stale and since when.
	Message      string `json:"message"`
	RemovedIn    string `json:"removed_in"`    // "Kubernetes v1.16", "Helm v3.0.0"
	DeprecatedIn string `json:"deprecated_in"` // "Kubernetes v1.8"
	Since        string `json:"since"`         // date of the removal, when known
	Replacement  string `json:"replacement"`
	Source       string `json:"source"` // URL citing the rule
	// Expected is true in a 2017 original block: the stale original is
	// kept on purpose beside its updated version.
	Expected bool `json:"expected"`
	// Original is the original block's year ("2017"), empty otherwise.
	Original string `json:"original"`
}

// Fails reports whether f fails the lint: an error outside an original
// block (and, when strict, a warning too).
func (f Finding) Fails(strict bool) bool {
	if f.Expected {
		return false
	}
	return f.Severity == SeverityError || strict
}

// String is the text form: path:line:col: what (since) -> replacement,
// with internal/diag's position.
func (f Finding) String() string {
	var b strings.Builder
	if f.Severity == SeverityWarning {
		b.WriteString("warning: ")
	}
	b.WriteString(f.Message)
	b.WriteString(" -> ")
	if f.Replacement != "" {
		b.WriteString(f.Replacement)
	} else {
		b.WriteString("no replacement")
	}
	if f.Expected {
		fmt.Fprintf(&b, " (expected, %s original)", f.Original)
	}
	return (&diag.Error{Path: f.Path, Line: f.Line, Col: f.Col, Msg: b.String()}).Error()
}

// Failed reports whether any finding fails the lint.
func Failed(findings []Finding, strict bool) bool {
	for _, f := range findings {
		if f.Fails(strict) {
			return true
		}
	}
	return false
}

// Options configure a lint.
type Options struct {
	// Kubernetes is the target release, "v1.34"; empty means
	// DefaultKubernetes.
	Kubernetes string
	// Site applies the site's own reading rules (content.Parse: front
	// matter of the site's schema, every fence closed, attribute lists
	// that parse) to every file, as `advent build` does; an input error is
	// then a diag error (exit 2). Without it they apply only to the site's
	// articles: files under root's content/ year sections whose front
	// matter has the site's day: and year: keys. Every other file is read
	// as CommonMark and never fails to parse.
	Site bool
}

// Target returns the parsed target release.
func (o Options) Target() (*version.Version, error) {
	if o.Kubernetes == "" {
		return ParseVersion(DefaultKubernetes)
	}
	return ParseVersion(o.Kubernetes)
}

// Paths lints the Markdown files at paths (files or directories, walked
// for *.md, *.markdown and *.mdx), relative to root unless absolute; no paths
// means content/. Findings are sorted by path and position and carry
// paths relative to root.
//
// A file that cannot be read or decoded is a finding (RuleUnreadable), so
// every other file is still linted and reported. The error is a diag
// usage error for a bad target or a PATH that does not exist, and a diag
// list for the site's articles that content.Parse rejects (see
// Options.Site); findings are returned with it.
func Paths(root string, paths []string, opts Options) ([]Finding, error) {
	target, err := opts.Target()
	if err != nil {
		return nil, diag.Usagef("%v", err)
	}
	if root == "" {
		root = "."
	}
	if len(paths) == 0 {
		paths = []string{"content"}
	}
	files, unreadable, err := collect(root, paths)
	if err != nil {
		return nil, err
	}

	type result struct {
		findings []Finding
		err      error
	}
	results := make([]result, len(files))
	forEach(len(files), func(i int) {
		results[i].findings, results[i].err = lintFile(files[i], opts.Site, target)
	})

	out := unreadable
	var errs diag.List
	for _, r := range results {
		if r.err != nil {
			errs = errs.Append(r.err)
		}
		out = append(out, r.findings...)
	}
	sortFindings(out)
	return out, errs.Err()
}

// lintFile reads and lints one file: the site's articles with
// content.Parse, anything else with parseDoc.
func lintFile(f file, site bool, target *version.Version) ([]Finding, error) {
	src, err := os.ReadFile(f.path)
	if err != nil {
		return []Finding{unreadableFinding(f.display, 0, 0, "cannot read: "+pathErr(err))}, nil
	}
	return lintSource(f.display, src, site, target)
}

// lintSource lints the bytes of one file.
func lintSource(display string, src []byte, site bool, target *version.Version) ([]Finding, error) {
	f := file{display: display}
	var out []Finding
	if line, col, why, binary := undecodable(src); why != "" {
		out = append(out, unreadableFinding(f.display, line, col, why))
		if binary {
			return out, nil
		}
		src = []byte(strings.ToValidUTF8(string(src), string(utf8.RuneError)))
	}
	src = bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")) // a UTF-8 byte order mark
	if site || isSiteArticle(f.display, src) {
		a, err := content.Parse(f.display, src)
		if err != nil {
			return out, err
		}
		// What `advent labs extract` rejects, lint rejects too.
		if err := lab.Check([]*content.Article{a}); err != nil {
			return out, err
		}
		return append(out, lintArticle(a, target)...), nil
	}
	// Within the limits the site's articles have, any Markdown is read
	// in time and memory that grow with its size.
	if err := content.CheckLimits(f.display, src); err != nil {
		return out, err
	}
	a, err := parseDoc(f.display, src)
	if err != nil {
		return out, err
	}
	return append(out, lintArticle(a, target)...), nil
}

// isSiteArticle reports whether a file is one of the site's articles: in a
// year section under content/ with the site's front matter.
func isSiteArticle(display string, src []byte) bool {
	return strings.HasPrefix(display, "content/") && content.IsArticle(display) && hasSiteFrontMatter(src)
}

func unreadableFinding(path string, line, col int, why string) Finding {
	r := ruleByID[RuleUnreadable]
	return Finding{
		Path: path, Line: line, Col: col, BlockLine: line,
		Rule: r.ID, Severity: r.Severity, Message: why,
		Replacement: r.Replacement, Source: r.Source,
	}
}

// Article lints one parsed article (or any parsed Markdown file).
func Article(a *content.Article, opts Options) ([]Finding, error) {
	target, err := opts.Target()
	if err != nil {
		return nil, diag.Usagef("%v", err)
	}
	out := lintArticle(a, target)
	sortFindings(out)
	return out, nil
}

// Articles lints parsed articles on every CPU (the site build and the
// benchmarks have them parsed already).
func Articles(arts []*content.Article, opts Options) ([]Finding, error) {
	target, err := opts.Target()
	if err != nil {
		return nil, diag.Usagef("%v", err)
	}
	results := make([][]Finding, len(arts))
	forEach(len(arts), func(i int) { results[i] = lintArticle(arts[i], target) })
	var out []Finding
	for _, r := range results {
		out = append(out, r...)
	}
	sortFindings(out)
	return out, nil
}

// forEach calls f(0), ..., f(n-1) on every CPU and returns when all have
// returned.
func forEach(n int, f func(i int)) {
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i := range n {
		g.Go(func() error { f(i); return nil })
	}
	g.Wait()
}

type file struct {
	path    string // to read
	display string // to report
}

// collect expands paths into Markdown files, each once. A PATH that does
// not exist is a usage error; a file or directory inside one that cannot
// be read is a finding.
func collect(root string, paths []string) ([]file, []Finding, error) {
	var (
		files   []file
		bad     []Finding
		missing diag.List
		seen    = map[string]bool{}
	)
	add := func(p string) {
		abs, err := filepath.Abs(p)
		if err != nil {
			abs = p
		}
		if seen[abs] {
			return
		}
		seen[abs] = true
		files = append(files, file{path: p, display: displayPath(root, p)})
	}
	for _, arg := range paths {
		p := arg
		if !filepath.IsAbs(p) {
			p = filepath.Join(root, p)
		}
		st, err := os.Stat(p)
		if err != nil {
			missing = append(missing, diag.Errorf(displayPath(root, p), 0, 0, "cannot read: %s", pathErr(err)))
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				bad = append(bad, unreadableFinding(displayPath(root, q), 0, 0, "cannot read: "+pathErr(err)))
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				if q != p && (strings.HasPrefix(d.Name(), ".") || d.Name() == "node_modules") {
					return fs.SkipDir
				}
				return nil
			}
			if ext := strings.ToLower(filepath.Ext(q)); ext == ".md" || ext == ".markdown" || ext == ".mdx" {
				add(q)
			}
			return nil
		})
		if err != nil {
			bad = append(bad, unreadableFinding(displayPath(root, p), 0, 0, "cannot read: "+pathErr(err)))
		}
	}
	if len(missing) > 0 {
		return nil, nil, diag.Usagef("%s", missing.Error())
	}
	sort.Slice(files, func(i, j int) bool { return files[i].display < files[j].display })
	return files, bad, nil
}

// displayPath is p relative to root when it is inside root.
func displayPath(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}

// pathErr is err without the path an *fs.PathError repeats.
func pathErr(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return err.Error()
}

func sortFindings(fs []Finding) {
	sort.SliceStable(fs, func(i, j int) bool {
		a, b := fs[i], fs[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Col != b.Col {
			return a.Col < b.Col
		}
		return a.Rule < b.Rule
	})
}

// annotated reports whether an article uses the lab format.
func annotated(a *content.Article) bool {
	if a.Lab != "" {
		return true
	}
	for _, b := range a.Blocks {
		if lab.IsLabBlock(b) || lab.IsOriginal(b) {
			return true
		}
	}
	return false
}

// lintArticle picks the blocks to read: in an annotated article of the
// site, its lab blocks and originals; anywhere else, every block.
func lintArticle(a *content.Article, target *version.Version) []Finding {
	labOnly := content.IsArticle(a.Path) && a.HasFrontMatter && annotated(a)
	var out []Finding
	for _, b := range a.Blocks {
		orig := lab.IsOriginal(b)
		if labOnly && !orig && !lab.IsLabBlock(b) {
			continue
		}
		fs := lintBlock(a.Path, b, target)
		if orig {
			year, _ := b.Attr("original")
			for i := range fs {
				fs[i].Expected, fs[i].Original = true, year
			}
		}
		out = append(out, fs...)
	}
	if labOnly && a.Lab != "" {
		out = append(out, proseFindings(a, out)...)
	}
	return out
}

// lintBlock checks one block. Manifests are looked for in every block,
// whatever its language (YAML pasted into a bash block, a here-document,
// an unlabelled or indented block). Commands are read in shell blocks,
// transcripts and blocks without a language that are not YAML, and in the
// string literals of other code (a Jenkinsfile's sh 'helm init').
func lintBlock(path string, b *content.Block, target *version.Version) []Finding {
	lang := strings.ToLower(b.Lang)
	ms := findManifests(b.Code)
	out := manifestFindings(path, b, ms, b.FirstLine, b.Col-1, target)
	seen := map[int]bool{}
	for _, m := range ms {
		seen[b.FirstLine+m.line-1] = true
	}
	switch {
	case lang == "" && len(ms) > 0 && isYAML(b.Code):
		return out // an unlabelled manifest
	case !shellLang(lang):
		for _, r := range allRules {
			if r.Code == nil {
				continue
			}
			for _, h := range r.Code(b) {
				h.rule = r
				if f, ok := cliFinding(path, b, h, target); ok {
					out = append(out, f)
				}
			}
		}
		if !dataLangs[lang] {
			for _, c := range embeddedCalls(b) {
				for _, h := range checkCall(c) {
					if f, ok := cliFinding(path, b, h, target); ok {
						out = append(out, f)
					}
				}
			}
		}
		return out
	}
	for _, sn := range blockSnippets(b) {
		calls, docs := parseSnippet(sn)
		for _, c := range calls {
			for _, h := range checkCall(c) {
				if f, ok := cliFinding(path, b, h, target); ok {
					out = append(out, f)
				}
			}
		}
		// Here-documents of a transcript (after "> " prompts) that the
		// scan of the whole block did not see.
		lines := strings.Split(b.Code, "\n")
		for _, d := range docs {
			for _, f := range manifestFindings(path, b, findManifests(d.text), d.line, 0, target) {
				if seen[f.Line] {
					continue
				}
				if i := f.Line - b.FirstLine; i >= 0 && i < len(lines) && strings.HasPrefix(lines[i], "> ") {
					f.Col += 2 // after the "> " prompt
				}
				f.Col += b.Col - 1
				out = append(out, f)
			}
		}
	}
	return out
}

// isYAML reports whether text parses as YAML mappings (one or several
// documents), as opposed to a script with YAML in it.
func isYAML(text string) bool {
	dec := yaml.NewDecoder(strings.NewReader(text))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if err == io.EOF {
			return true
		}
		if err != nil || len(n.Content) == 0 || n.Content[0].Kind != yaml.MappingNode {
			return false
		}
	}
}

func manifestFindings(path string, b *content.Block, ms []manifest, firstLine, indent int, target *version.Version) []Finding {
	var out []Finding
	for _, m := range ms {
		af, ok := checkAPI(m.apiVersion, m.kind, target)
		if !ok {
			continue
		}
		msg := af.message
		if m.field != "" {
			msg = m.field + ": " + msg
		}
		out = append(out, Finding{
			Path:         path,
			Line:         firstLine + m.line - 1,
			Col:          indent + m.col,
			BlockLine:    b.Line,
			Rule:         af.rule,
			Severity:     af.severity,
			Message:      msg,
			RemovedIn:    af.removedIn,
			DeprecatedIn: af.deprecatedIn,
			Replacement:  af.replacement,
			Source:       af.source,
		})
	}
	return out
}

// cliFinding turns a rule's hit into a finding. kubectl ships with each
// Kubernetes release, so a kubectl rule whose removal is newer than the
// target is a deprecation warning there (or nothing, before it was
// deprecated); the other tools' rules do not depend on the target.
func cliFinding(path string, b *content.Block, h hit, target *version.Version) (Finding, bool) {
	r := h.rule
	sev := r.Severity
	if dep, ok := kubectlVersion(r.DeprecatedIn); ok && r.RemovedIn == "" && target.LessThan(dep) {
		return Finding{}, false // not deprecated yet in the target's kubectl
	}
	notYet := false
	if removed, ok := kubectlVersion(r.RemovedIn); ok && target.LessThan(removed) {
		dep, ok := kubectlVersion(r.DeprecatedIn)
		if !ok || target.LessThan(dep) {
			return Finding{}, false
		}
		sev, notYet = SeverityWarning, true
	}
	f := Finding{
		Path:         path,
		Line:         h.at.line,
		Col:          h.at.col,
		BlockLine:    b.Line,
		Rule:         r.ID,
		Severity:     sev,
		RemovedIn:    r.RemovedIn,
		DeprecatedIn: r.DeprecatedIn,
		Since:        r.Since,
		Replacement:  r.Replacement,
		Source:       r.Source,
	}
	if h.replacement != "" {
		f.Replacement = h.replacement
	}
	if h.source != "" {
		f.Source = h.source
	}
	switch {
	case notYet:
		f.Message = fmt.Sprintf("%s is deprecated since %s and is removed in %s", h.what, r.DeprecatedIn, r.RemovedIn)
		f.Since = ""
	case h.msg != "" && r.RemovedIn != "":
		f.Message = fmt.Sprintf("%s (removed in %s, %s)", h.msg, r.RemovedIn, r.Since)
	case h.msg != "":
		f.Message = h.msg
	case r.Severity == SeverityWarning:
		f.Message = fmt.Sprintf("%s is deprecated since %s", h.what, r.DeprecatedIn)
	case r.RemovedIn != "":
		f.Message = fmt.Sprintf("%s was removed in %s (%s)", h.what, r.RemovedIn, r.Since)
	default:
		f.Message = fmt.Sprintf("%s is archived since %s", h.what, r.Since)
	}
	return f, true
}

// kubectlVersion reads "kubectl v1.18" (or "kubeadm v1.16": both ship
// with each Kubernetes release).
func kubectlVersion(s string) (*version.Version, bool) {
	v, ok := strings.CutPrefix(s, "kubectl ")
	if !ok {
		if v, ok = strings.CutPrefix(s, "kubeadm "); !ok {
			return nil, false
		}
	}
	ver, err := ParseVersion(v)
	return ver, err == nil
}
