// Package lint finds stale instructions in Markdown without running them:
// Kubernetes manifests whose apiVersion the target Kubernetes release no
// longer serves (or deprecates), and commands that newer tools removed
// (Helm 2 verbs, kubectl run generators, brew cask, kubefed, ...).
//
// In the site's articles it reads the blocks a reader runs (lab blocks)
// and the 2017 originals kept beside them; findings in originals are
// expected and do not fail. Any other Markdown (a README, someone's
// docs, an article not annotated yet) has every fenced block read: those
// that parse as manifests, and shell blocks and transcripts.
//
// Kubernetes API data comes from the Kubernetes API libraries (the
// APILifecycle* methods k8s.io/api generates for pre-release types);
// the command-line rules are listed, with their sources, by Rules.
package lint

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
)

// Finding is one stale instruction. It is what `advent lint --format
// json` prints and what the site shows beside each original block; the
// field names are stable.
type Finding struct {
	Path string `json:"path"` // relative to the root, with slashes
	Line int    `json:"line"` // of the stale word or apiVersion line
	Col  int    `json:"col"`
	// BlockLine is the line of the block's opening fence.
	BlockLine int    `json:"block_line"`
	Rule      string `json:"rule"`
	// Severity is "error" (removed) or "warning" (deprecated).
	Severity string `json:"severity"`
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

// String is the text form: path:line: what (since) -> replacement.
func (f Finding) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s:%d: ", f.Path, f.Line)
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
	return b.String()
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
}

// Target returns the parsed target release.
func (o Options) Target() (Version, error) {
	if o.Kubernetes == "" {
		return ParseVersion(DefaultKubernetes)
	}
	return ParseVersion(o.Kubernetes)
}

// Paths lints the Markdown files at paths (files or directories, walked
// for *.md), relative to root unless absolute; no paths means content/.
// Findings are sorted by path and position and carry paths relative to
// root. Unreadable paths and Markdown that does not parse are reported
// together as diag errors (path:line: message); a bad Kubernetes target
// is a diag usage error.
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
	files, errs := collect(root, paths)
	if err := errs.Err(); err != nil {
		return nil, err
	}

	type result struct {
		findings []Finding
		err      error
	}
	results := make([]result, len(files))
	forEach(len(files), func(i int) {
		f := files[i]
		src, err := os.ReadFile(f.path)
		if err != nil {
			results[i].err = readError(f.display, err)
			return
		}
		a, err := content.Parse(f.display, src)
		if err != nil {
			results[i].err = err
			return
		}
		results[i].findings = lintArticle(a, target)
	})

	var out []Finding
	for _, r := range results {
		if r.err != nil {
			errs = errs.Append(r.err)
			continue
		}
		out = append(out, r.findings...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	sortFindings(out)
	return out, nil
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

// collect expands paths into Markdown files, each once.
func collect(root string, paths []string) ([]file, diag.List) {
	var (
		files []file
		errs  diag.List
		seen  = map[string]bool{}
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
			errs = append(errs, readError(displayPath(root, p), err))
			continue
		}
		if !st.IsDir() {
			add(p)
			continue
		}
		err = filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, readError(displayPath(root, q), err))
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
			if ext := strings.ToLower(filepath.Ext(q)); ext == ".md" || ext == ".markdown" {
				add(q)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, readError(displayPath(root, p), err))
		}
	}
	sort.Slice(files, func(i, j int) bool { return files[i].display < files[j].display })
	return files, errs
}

// displayPath is p relative to root when it is inside root.
func displayPath(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(p)
}

func readError(display string, err error) *diag.Error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	return diag.Errorf(display, 0, 0, "cannot read: %v", err)
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
func lintArticle(a *content.Article, target Version) []Finding {
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
	return out
}

// lintBlock checks one block: as manifests unless it is a shell block,
// as commands when it is one (or has no language and holds no manifest).
func lintBlock(path string, b *content.Block, target Version) []Finding {
	var out []Finding
	if b.Lang == "" || !shellLangs[b.Lang] {
		ms := findManifests(b.Code)
		out = append(out, manifestFindings(path, b, ms, b.FirstLine, b.Col-1, target)...)
		if len(ms) > 0 {
			return out
		}
		if !shellLangs[b.Lang] {
			if !dataLangs[strings.ToLower(b.Lang)] {
				for _, c := range embeddedCalls(b) {
					for _, h := range checkCall(c) {
						out = append(out, cliFinding(path, b, h))
					}
				}
			}
			return out
		}
	}
	for _, sn := range blockSnippets(b) {
		calls, docs := parseSnippet(sn)
		for _, c := range calls {
			for _, h := range checkCall(c) {
				out = append(out, cliFinding(path, b, h))
			}
		}
		for _, d := range docs {
			out = append(out, manifestFindings(path, b, findManifests(d.text), d.line, 0, target)...)
		}
	}
	return out
}

func manifestFindings(path string, b *content.Block, ms []manifest, firstLine, indent int, target Version) []Finding {
	var out []Finding
	for _, m := range ms {
		af, ok := checkAPI(m.apiVersion, m.kind, target)
		if !ok {
			continue
		}
		out = append(out, Finding{
			Path:         path,
			Line:         firstLine + m.line - 1,
			Col:          indent + m.col,
			BlockLine:    b.Line,
			Rule:         af.rule,
			Severity:     af.severity,
			Message:      af.message,
			RemovedIn:    af.removedIn,
			DeprecatedIn: af.deprecatedIn,
			Replacement:  af.replacement,
			Source:       af.source,
		})
	}
	return out
}

func cliFinding(path string, b *content.Block, h hit) Finding {
	r := ruleByID[h.rule]
	f := Finding{
		Path:         path,
		Line:         h.at.line,
		Col:          h.at.col,
		BlockLine:    b.Line,
		Rule:         r.ID,
		Severity:     r.Severity,
		RemovedIn:    r.RemovedIn,
		DeprecatedIn: r.DeprecatedIn,
		Since:        r.Since,
		Replacement:  r.Replacement,
		Source:       r.Source,
	}
	if h.replacement != "" {
		f.Replacement = h.replacement
	}
	switch {
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
	return f
}
