package content

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/sysadvent/advent/internal/diag"
)

// attachmentExts are the files other than Markdown that may sit under
// content/ or static/: Hugo copies them to the site as they are, and none
// of these can carry script into the site's origin. SVG can, so it is not
// one of them.
var attachmentExts = map[string]bool{
	".png": true, ".jpg": true, ".jpeg": true, ".gif": true, ".webp": true,
	".pdf": true, ".txt": true,
}

// AttachmentExts returns the extensions of the files allowed beside the
// Markdown, sorted.
func AttachmentExts() []string {
	var out []string
	for e := range attachmentExts {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

// LoadSite loads the site's content: root/content must exist and hold at
// least one article. An empty or missing content/ is an input error, so
// that no build or extraction replaces public/ or labs/ with nothing.
func LoadSite(root string) ([]*Article, error) {
	arts, errs, err := LoadSiteAll(root)
	if err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return arts, nil
}

// LoadSiteAll is LoadSite reporting every problem at once: it returns the
// articles that parsed (with any other problem of theirs in errs, so that
// callers can check them further in the same pass) and every input
// problem of the site's files: content/ as LoadAll reads it, every year
// section's _index.md, static/ (attachments only) and the data advent
// computes (data/advent, data/results, .advent/data). err is the tool
// failing, not the input.
func LoadSiteAll(root string) ([]*Article, diag.List, error) {
	fi, err := os.Stat(filepath.Join(root, "content"))
	if err != nil || !fi.IsDir() {
		return nil, diag.List{diag.Errorf("content", 0, 0, "no content/ folder in %s: the articles live in content/YEAR/DD-name.md", root)}, nil
	}
	arts, errs, err := LoadAll(root, "content")
	if err != nil {
		return nil, nil, err
	}
	if len(Articles(arts)) == 0 && len(errs) == 0 {
		errs = append(errs, diag.Errorf("content", 0, 0, "content/ holds no articles (content/YEAR/DD-name.md): refusing to build an empty site or delete every lab"))
	}
	errs = append(errs, yearIndexes(root, arts)...)
	more, err := checkOutside(root)
	if err != nil {
		return nil, nil, err
	}
	return arts, append(errs, more...), nil
}

// LoadDir parses every Markdown file under dir (recursively), validates the
// articles' front matter and reports every problem at once. root is the
// directory paths are reported relative to.
func LoadDir(root, dir string) ([]*Article, error) {
	arts, errs, err := LoadAll(root, dir)
	if err != nil {
		return nil, err
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return arts, nil
}

// LoadAll is LoadDir returning, beside every problem found, the articles
// whose code blocks parsed (their front matter may have problems). The
// shortcodes allowed are root's own (SiteShortcodes). Every file Hugo would publish is seen: other content
// formats (.html, .adoc, ...), content adapters (_content.gotmpl), files
// that are neither Markdown nor an attachment (AttachmentExts) and symbolic
// links are input errors.
func LoadAll(root, dir string) ([]*Article, diag.List, error) {
	paths, walk, err := walkContent(root, dir)
	if err != nil {
		return nil, nil, err
	}
	// Parse on every CPU; results keep the sorted order.
	type result struct {
		a    *Article
		errs diag.List
		err  error // reading failed: the tool, not the input
	}
	results := make([]result, len(paths))
	shortcodes := SiteShortcodes(root)
	var g errgroup.Group
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, p := range paths {
		g.Go(func() error {
			results[i].a, results[i].errs, results[i].err = loadFile(root, p, shortcodes)
			return nil
		})
	}
	g.Wait()
	var (
		arts []*Article
		errs diag.List
	)
	for _, r := range results {
		if r.err != nil {
			return nil, nil, r.err
		}
		errs = append(errs, r.errs...)
		if r.a != nil {
			arts = append(arts, r.a)
		}
	}
	errs = append(errs, duplicateDays(arts)...)
	errs = append(errs, walk...)
	errs.Sort()
	// An article whose blocks did not parse is not passed on: its labs
	// would be extracted from the blocks that happened to parse.
	usable := arts[:0]
	for _, a := range arts {
		if !a.blocksUnread {
			usable = append(usable, a)
		}
	}
	return usable, errs, nil
}

// loadFile reads, parses and checks one Markdown file: every problem of
// the file at once. The article is nil when it could not be read at all.
func loadFile(root, p string, shortcodes map[string]bool) (*Article, diag.List, error) {
	rel, _ := filepath.Rel(root, p)
	rel = filepath.ToSlash(rel)
	fi, err := os.Lstat(p)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", p, err)
	}
	if fi.Size() > MaxFileSize {
		return nil, diag.List{diag.Errorf(rel, 1, 1, "file is %d bytes, over the limit of %d: split the article", fi.Size(), MaxFileSize)}, nil
	}
	src, err := os.ReadFile(p)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", p, err)
	}
	a, perr := Parse(rel, src)
	var errs diag.List
	if perr != nil {
		errs = errs.Append(perr)
	}
	if a == nil {
		return nil, errs, nil
	}
	if IsArticle(a.Path) {
		if err := a.Validate(); err != nil {
			errs = errs.Append(err)
		}
	}
	errs = append(errs, RawHTML(a.Path, src)...)
	errs = append(errs, Shortcodes(a.Path, src, shortcodes)...)
	return a, errs, nil
}

// walkContent returns the Markdown files under root/dir, sorted, and the
// problems of the other files there.
func walkContent(root, dir string) ([]string, diag.List, error) {
	var (
		paths []string
		errs  diag.List
	)
	err := filepath.WalkDir(filepath.Join(root, dir), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.Type()&fs.ModeSymlink != 0 {
			errs = append(errs, symlinkError(rel, p, dir))
			return nil
		}
		if d.IsDir() {
			return nil
		}
		ext := strings.ToLower(filepath.Ext(p))
		switch {
		case markdownExts[ext]:
			paths = append(paths, p)
		case d.Name() == "_content.gotmpl":
			errs = append(errs, diag.Errorf(rel, 1, 1, "content adapter: Hugo would make pages from this template without advent's checks; write each page as Markdown (.md)"))
		case foreignExts[ext]:
			errs = append(errs, diag.Errorf(rel, 1, 1, "content format %s is not supported: Hugo would publish it without advent's checks; write the article in Markdown (.md)", ext))
		default:
			if e := strayFile(rel, ext, dir); e != nil {
				errs = append(errs, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", dir, err)
	}
	sort.Strings(paths)
	return paths, errs, nil
}

func symlinkError(rel, p, dir string) *diag.Error {
	what := "symbolic link"
	if _, err := os.Stat(p); err != nil {
		what = "broken or looping symbolic link"
	}
	return diag.Errorf(rel, 0, 0, "%s: advent does not follow links under %s/ (they can point outside the project); copy the file instead", what, dir)
}

// strayFile is the error for a file under dir that is neither Markdown nor
// an allowed attachment, or nil when it is an attachment.
func strayFile(rel, ext, dir string) *diag.Error {
	if attachmentExts[ext] {
		return nil
	}
	why := "Hugo would publish it as it is, unchecked"
	if ext == ".svg" || ext == ".svgz" {
		why = "an SVG file can carry script that runs on the site"
	}
	return diag.Errorf(rel, 0, 0, "file type %q is not allowed under %s/: %s; allowed beside the Markdown: %s",
		ext, dir, why, strings.Join(AttachmentExts(), " "))
}

// checkOutside checks what else of the project Hugo publishes or reads as
// site data: every file in static/ must be an attachment, and the data
// advent computes (the page model, the results) must not come from the
// source tree.
func checkOutside(root string) (diag.List, error) {
	var errs diag.List
	static := filepath.Join(root, "static")
	err := filepath.WalkDir(static, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == static && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		switch {
		case d.Type()&fs.ModeSymlink != 0:
			errs = append(errs, symlinkError(rel, p, "static"))
		case d.IsDir():
		default:
			if e := strayFile(rel, strings.ToLower(filepath.Ext(p)), "static"); e != nil {
				errs = append(errs, e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read static: %w", err)
	}
	errs = append(errs, computedData(root)...)
	return errs, nil
}

// computedData refuses site data in the source tree that would stand in
// for what advent computes: hugo.Data.advent (the page model) and
// hugo.Data.results come from advent alone.
func computedData(root string) diag.List {
	var errs diag.List
	entries, _ := os.ReadDir(filepath.Join(root, "data"))
	for _, e := range entries {
		stem := strings.TrimSuffix(e.Name(), filepath.Ext(e.Name()))
		if stem == "advent" || stem == "results" {
			errs = append(errs, diag.Errorf("data/"+e.Name(), 0, 0,
				"hugo.Data.%s is computed by advent (the page model and the lab results): remove data/%s from the source tree", stem, e.Name()))
		}
	}
	gen, _ := os.ReadDir(filepath.Join(root, ".advent", "data"))
	for _, e := range gen {
		if ext := strings.ToLower(filepath.Ext(e.Name())); ext != ".json" && (dataExts[ext] || e.IsDir()) {
			errs = append(errs, diag.Errorf(".advent/data/"+e.Name(), 0, 0,
				"advent writes .advent/data itself (JSON, before each build): remove this file; .advent/ belongs in .gitignore"))
		}
	}
	return errs
}

// dataExts are the data formats Hugo reads from a data mount.
var dataExts = map[string]bool{".json": true, ".yaml": true, ".yml": true, ".toml": true, ".xml": true, ".csv": true}

// yearIndexes requires content/<year>/_index.md (the year's section page,
// with its title and year) in every year that has an article.
func yearIndexes(root string, arts []*Article) diag.List {
	var errs diag.List
	seen := map[string]bool{}
	for _, a := range arts {
		if dir, base := filepath.Split(a.Path); base == "_index.md" && IsArticle(dir+"x.md") {
			errs = append(errs, a.validateYearIndex(filepath.Base(dir))...)
		}
	}
	for _, a := range arts {
		if !IsArticle(a.Path) {
			continue
		}
		dir := filepath.ToSlash(Section(a.Path))
		if seen[dir] {
			continue
		}
		seen[dir] = true
		if _, err := os.Stat(filepath.Join(root, filepath.FromSlash(dir), "_index.md")); err != nil {
			errs = append(errs, diag.Errorf(dir+"/_index.md", 0, 0,
				"missing: every year needs its section page, with front matter title and year (title: \"SysAdvent %s\", year: %s)", filepath.Base(dir), filepath.Base(dir)))
		}
	}
	return errs
}

// validateYearIndex checks a year's section page: a title, and the year
// of its folder.
func (a *Article) validateYearIndex(year string) diag.List {
	var errs diag.List
	if strings.TrimSpace(a.Title) == "" && !slices.Contains(a.badFields, "title") {
		errs = append(errs, diag.Errorf(a.Path, 1, 1, "front matter: missing title (the year's title, e.g. \"SysAdvent %s\")", year))
	}
	if _, ok := a.Fields["year"]; !ok {
		errs = append(errs, diag.Errorf(a.Path, 1, 1, "front matter: missing year (%s)", year))
	} else if fmt.Sprint(a.Year) != year && !slices.Contains(a.badFields, "year") {
		errs = append(errs, diag.Errorf(a.Path, a.Fields["year"], 0, "front matter: year %d but the section is %s", a.Year, year))
	}
	return errs
}
