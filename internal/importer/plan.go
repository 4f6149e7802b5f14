package importer

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
)

// MarkerKey is the front matter key that marks an article advent import
// made, holding the post's identity in its source. An import replaces
// only articles that carry it (or any, with -force).
const MarkerKey = "imported"

// outFrontMatter is an imported article's front matter, in this order.
type outFrontMatter struct {
	Title    string            `yaml:"title"`
	Date     string            `yaml:"date"`
	Day      int               `yaml:"day"`
	Year     int               `yaml:"year"`
	Authors  []string          `yaml:"authors"`
	Handles  map[string]string `yaml:"handles"`
	Tags     []string          `yaml:"tags,omitempty"`
	Imported string            `yaml:"imported"`
}

// file is one file the import writes.
type file struct {
	path string // under the project root, slash-separated
	data []byte // nil for a copy of src
	src  string // in the source tree
}

// planned is what an import will write and remove, and its report.
type planned struct {
	files   []file
	removes []string // whole articles (a file, or a bundle's directory) replaced
	report  *Report
}

// plan converts every post and decides, against what content/ holds,
// what to write.
func plan(ctx context.Context, project *os.Root, src *source, posts []*post, opts Options) (*planned, error) {
	p := &planned{report: &Report{Source: src.kind, From: src.name, DryRun: opts.DryRun, Articles: []Imported{}, Skipped: []Skip{}, Years: []string{}}}
	links := linkMap(posts)
	var errs diag.List
	years := map[int]bool{}
	for _, ps := range posts {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		b := body{html: ps.HTML, title: ps.Title, link: links.rewriter(ps)}
		if src.root != nil {
			b.local = localResolver(src.root, ps.Dir)
		}
		c, err := convert(b)
		if err != nil {
			errs = append(errs, diag.Errorf(ps.File, ps.Line, 0, "cannot convert %q: %v", ps.Title, err))
			continue
		}
		imp, files, err := p.article(project, src.root, ps, c, opts.Force)
		if err != nil {
			errs = errs.Append(err)
			continue
		}
		p.report.Articles = append(p.report.Articles, imp)
		if imp.Action == ActionCreated || imp.Action == ActionUpdated {
			p.files = append(p.files, files...)
		}
		years[ps.Date.Year()] = true
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	p.yearIndexes(project, years)
	return p, nil
}

// articlePath is where post ps goes: a bundle when it brings files.
func articlePath(ps *post, bundle bool) string {
	slug := ps.Slug
	if slug == "" {
		slug = slugify(stripDay(ps.Title))
	}
	if slug == "" {
		slug = "article"
	}
	name := fmt.Sprintf("content/%d/%02d-%s", ps.Date.Year(), ps.Date.Day(), slug)
	if bundle {
		return name + "/index.md"
	}
	return name + ".md"
}

// article renders ps and decides what happens to it.
func (p *planned) article(project, srcRoot *os.Root, ps *post, c *converted, force bool) (Imported, []file, error) {
	target := articlePath(ps, len(c.assets) > 0)
	imp := Imported{Origin: ps.Origin, Path: target, Counts: c.counts, Kept: c.kept}
	if len(ps.Authors) == 0 {
		return imp, nil, diag.Errorf(ps.File, ps.Line, 0, "%q has no author: add an AUTHOR file beside it (or authors in its front matter)", ps.Title)
	}
	doc, err := render(ps, c.markdown)
	if err != nil {
		return imp, nil, err
	}
	// What advent build would refuse is the importer's bug, not the
	// source's: check before anything is written.
	a, err := content.Parse(target, doc)
	if err == nil {
		err = a.Validate()
	}
	if err != nil {
		return imp, nil, fmt.Errorf("the article made from %s does not pass advent's checks: %w", ps.Origin, err)
	}
	files := []file{{path: target, data: doc}}
	dir := path.Dir(target)
	for _, as := range c.assets {
		files = append(files, file{path: path.Join(dir, as.name), src: as.src})
		imp.Assets = append(imp.Assets, as.name)
	}
	imp.Action, imp.Replaces, imp.Conflict = p.decide(project, ps, target, doc, force)
	if imp.Action == ActionUnchanged && !sameFiles(project, srcRoot, files[1:]) {
		imp.Action = ActionUpdated
	}
	if imp.Replaces != "" && imp.Action != ActionConflict {
		p.removes = append(p.removes, imp.Replaces)
	}
	return imp, files, nil
}

// decide compares the article with what content/ holds on its day.
func (p *planned) decide(project *os.Root, ps *post, target string, doc []byte, force bool) (action Action, replaces, conflict string) {
	action = ActionCreated
	yearDir := path.Dir(strings.TrimSuffix(strings.TrimSuffix(target, "/index.md"), ".md"))
	entries, _ := fs.ReadDir(project.FS(), yearDir)
	prefix := fmt.Sprintf("%02d-", ps.Date.Day())
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		existing := path.Join(yearDir, e.Name())
		articleFile := existing
		if e.IsDir() {
			articleFile = path.Join(existing, "index.md")
		} else if !content.IsMarkdown(e.Name()) {
			continue
		}
		old, err := project.ReadFile(articleFile)
		if err != nil {
			continue
		}
		id, marked := importedID(old)
		same := articleFile == target
		switch {
		case same && bytes.Equal(old, doc):
			action = ActionUnchanged
		case !marked && !force:
			return ActionConflict, "", fmt.Sprintf("%s is there and advent import did not make it (use -force to replace it)", articleFile)
		case id != ps.ID && !force:
			return ActionConflict, "", fmt.Sprintf("%s is there, imported from another post (%s) (use -force to replace it)", articleFile, id)
		case same:
			action = ActionUpdated
		default:
			replaces = existing
		}
	}
	return action, replaces, ""
}

// sameFiles reports whether the project holds each of a bundle's copied
// files as the source has it.
func sameFiles(project, srcRoot *os.Root, files []file) bool {
	for _, f := range files {
		have, err := project.ReadFile(f.path)
		if err != nil {
			return false
		}
		want, err := srcRoot.ReadFile(f.src)
		if err != nil || !bytes.Equal(have, want) {
			return false
		}
	}
	return true
}

// importedID is the import marker of an article's front matter, and
// whether it has one.
func importedID(src []byte) (string, bool) {
	if !bytes.HasPrefix(src, []byte("---\n")) {
		return "", false
	}
	end := bytes.Index(src[4:], []byte("\n---\n"))
	if end < 0 {
		return "", false
	}
	var fm map[string]any
	if yaml.Unmarshal(src[4:4+end+1], &fm) != nil {
		return "", false
	}
	v, ok := fm[MarkerKey]
	return fmt.Sprint(v), ok
}

// render is the article's file: front matter and body.
func render(ps *post, body string) ([]byte, error) {
	fm := outFrontMatter{
		Title: ps.Title, Date: ps.Date.Format("2006-01-02"), Day: ps.Date.Day(), Year: ps.Date.Year(),
		Handles: map[string]string{}, Tags: ps.Tags, Imported: ps.ID,
	}
	for _, a := range ps.Authors {
		fm.Authors = append(fm.Authors, a.Name)
		h := a.Handle
		if h == "" {
			// No handle in the source: the name stands for it (the
			// page shows a handle only when it differs from the name).
			h = a.Name
		}
		fm.Handles[a.Name] = h
	}
	var buf bytes.Buffer
	buf.WriteString("---\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(fm); err != nil {
		return nil, err
	}
	enc.Close()
	buf.WriteString("---\n\n")
	buf.WriteString(body)
	return buf.Bytes(), nil
}

// yearIndexes adds content/YEAR/_index.md for each year that has none.
func (p *planned) yearIndexes(project *os.Root, years map[int]bool) {
	var ys []int
	for y := range years {
		ys = append(ys, y)
	}
	sort.Ints(ys)
	for _, y := range ys {
		name := fmt.Sprintf("content/%d/_index.md", y)
		if _, err := project.Stat(name); err == nil {
			continue
		}
		doc := fmt.Sprintf("---\ntitle: \"SysAdvent %d\"\nyear: %d\n%s: \"year\"\n---\n\nThe %d edition of SysAdvent.\n", y, y, MarkerKey, y)
		p.files = append(p.files, file{path: name, data: []byte(doc)})
		p.report.Years = append(p.report.Years, name)
	}
}

// links maps the addresses of the imported posts to their new pages.
type links struct {
	byKey map[string]string
}

func linkMap(posts []*post) *links {
	l := &links{byKey: map[string]string{}}
	for _, ps := range posts {
		to := strings.TrimPrefix(strings.TrimSuffix(articlePath(ps, false), ".md"), "content") + "/"
		for _, u := range ps.URLs {
			if k := linkKey(u, ""); k != "" {
				l.byKey[k] = to
			}
		}
	}
	return l
}

// linkKey is the comparable form of an address: host and path, scheme
// and query left out; relative paths are resolved against dir.
func linkKey(ref, dir string) string {
	u, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	switch {
	case u.Scheme == "http" || u.Scheme == "https":
		return strings.TrimPrefix(strings.ToLower(u.Host), "www.") + u.Path
	case u.Scheme != "" || u.Host != "" || u.Path == "":
		return ""
	case strings.HasPrefix(u.Path, "/"):
		return path.Clean(u.Path)
	default:
		return "/" + strings.TrimPrefix(path.Join(dir, u.Path), "/")
	}
}

// rewriter rewrites ps's links to other imported posts, keeping their
// fragment.
func (l *links) rewriter(ps *post) func(string) (string, bool) {
	return func(ref string) (string, bool) {
		to, ok := l.byKey[linkKey(ref, ps.Dir)]
		if !ok {
			return "", false
		}
		if u, err := url.Parse(ref); err == nil && u.Fragment != "" {
			to += "#" + u.Fragment
		}
		return to, true
	}
}
