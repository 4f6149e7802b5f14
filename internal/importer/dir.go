package importer

import (
	"bytes"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"regexp"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
	xhtml "golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
)

var (
	yearDir   = regexp.MustCompile(`^(19|20)\d\d$`)
	dayDir    = regexp.MustCompile(`^\d{1,2}$`)
	dayInName = regexp.MustCompile(`(?i)^day[-_ ]?(\d{1,2})(?:$|[-_ .])`)
)

// sourceExts are the article files of a directory source.
var sourceExts = map[string]bool{".html": true, ".htm": true, ".md": true, ".markdown": true}

// authorFile is the file beside an article that names its authors, one a
// line: "Name" or "Name (handle)".
const authorFile = "AUTHOR"

// readDir reads the articles of a directory laid out by year and day:
// YEAR/DD/file.html (or .md), or YEAR/dayN-name.html, each with an
// optional AUTHOR file beside it. Files elsewhere are listed as skipped.
func readDir(name string, root *os.Root) ([]*post, []Skip, error) {
	var (
		posts   []*post
		skipped []Skip
		errs    diag.List
	)
	err := fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p != "." && strings.HasPrefix(d.Name(), ".") {
				return fs.SkipDir
			}
			return nil
		}
		if !sourceExts[strings.ToLower(path.Ext(p))] {
			return nil
		}
		display := path.Join(name, p)
		parts := strings.Split(p, "/")
		if !yearDir.MatchString(parts[0]) || len(parts) > 3 {
			skipped = append(skipped, Skip{Origin: display, Reason: "not under YEAR/ or YEAR/DD/"})
			return nil
		}
		src, err := root.ReadFile(p)
		if err != nil {
			return err
		}
		post, err := dirPost(root, display, p, src)
		if err != nil {
			errs = errs.Append(err)
			return nil
		}
		posts = append(posts, post)
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", name, err)
	}
	return posts, skipped, errs.Err()
}

// frontMatter is what a source file's front matter may say.
type frontMatter struct {
	Title   string            `yaml:"title"`
	Date    string            `yaml:"date"`
	Author  string            `yaml:"author"`
	Authors []string          `yaml:"authors"`
	Handles map[string]string `yaml:"handles"`
	Tags    []string          `yaml:"tags"`
}

// dirPost reads one article file p (display is how messages name it).
func dirPost(root *os.Root, display, p string, src []byte) (*post, error) {
	src, err := content.Normalize(display, src)
	if err != nil {
		return nil, err
	}
	var fm frontMatter
	bodyLine := 1
	if bytes.HasPrefix(src, []byte("---\n")) {
		end := bytes.Index(src[4:], []byte("\n---\n"))
		if end < 0 {
			return nil, diag.Errorf(display, 1, 1, "front matter is not closed: no line \"---\" after the opening one")
		}
		if err := yaml.Unmarshal(src[4:4+end+1], &fm); err != nil {
			line, msg := content.YAMLSyntaxError(err)
			return nil, diag.Errorf(display, line+1, 0, "front matter: %s", msg)
		}
		bodyLine = bytes.Count(src[:4+end+5], []byte("\n")) + 1
		src = src[4+end+5:]
	}
	post := &post{Origin: display, ID: "dir:" + p, File: display, Line: bodyLine}
	base := path.Base(p)
	stem := strings.TrimSuffix(base, path.Ext(base))
	post.Slug = slugify(stripDay(stem))
	if ext := strings.ToLower(path.Ext(p)); ext == ".md" || ext == ".markdown" {
		if post.HTML, err = markdownToHTML(src); err != nil {
			return nil, diag.Errorf(display, bodyLine, 0, "Markdown: %v", err)
		}
		if fm.Title == "" {
			fm.Title = markdownTitle(src)
		}
	} else {
		post.HTML = string(src)
		if fm.Title == "" {
			fm.Title = htmlTitle(post.HTML)
		}
	}
	post.Title = strings.TrimSpace(fm.Title)
	if post.Title == "" {
		post.Title = strings.ReplaceAll(stripDay(stem), "-", " ")
	}
	if post.Date, err = dirDate(display, p, fm); err != nil {
		return nil, err
	}
	post.Tags = fm.Tags
	post.Authors, err = dirAuthors(root, display, path.Dir(p), fm)
	if err != nil {
		return nil, err
	}
	post.Dir = path.Dir(p)
	post.URLs = []string{"/" + p}
	return post, nil
}

// dirDate is the front matter's date, else December of the year directory
// on the day of the day directory or file name.
func dirDate(display, p string, fm frontMatter) (time.Time, error) {
	parts := strings.Split(p, "/")
	year, _ := strconv.Atoi(parts[0])
	if fm.Date != "" {
		for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, fm.Date); err == nil {
				if t.Year() != year {
					return time.Time{}, diag.Errorf(display, 1, 0, "front matter date %s is not in %d, the year of its directory", fm.Date, year)
				}
				return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC), nil
			}
		}
		return time.Time{}, diag.Errorf(display, 1, 0, "front matter date %q is not a date such as %d-12-05", fm.Date, year)
	}
	day := 0
	if len(parts) == 3 && dayDir.MatchString(parts[1]) {
		day, _ = strconv.Atoi(parts[1])
	} else if m := dayInName.FindStringSubmatch(path.Base(p)); m != nil {
		day, _ = strconv.Atoi(m[1])
	}
	if day < 1 || day > 31 {
		return time.Time{}, diag.Errorf(display, 1, 0, "no date: put the article in %d/DD/, name it dayN-..., or give it a front matter date", year)
	}
	return time.Date(year, time.December, day, 0, 0, 0, 0, time.UTC), nil
}

var handleInParens = regexp.MustCompile(`^(.*?)\s*\(@?([\w.\-]+)\)$`)

// dirAuthors are the front matter's authors, else the AUTHOR file's.
func dirAuthors(root *os.Root, display, dir string, fm frontMatter) ([]author, error) {
	names := fm.Authors
	if fm.Author != "" {
		names = append([]string{fm.Author}, names...)
	}
	if len(names) == 0 {
		src, err := root.ReadFile(path.Join(dir, authorFile))
		if err != nil && !os.IsNotExist(err) {
			return nil, err
		}
		af := path.Join(path.Dir(display), authorFile)
		if src, err = content.Normalize(af, src); err != nil {
			return nil, err
		}
		for _, l := range strings.Split(string(src), "\n") {
			if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
				names = append(names, l)
			}
		}
	}
	var out []author
	for _, n := range names {
		a := author{Name: strings.TrimSpace(n), Handle: fm.Handles[strings.TrimSpace(n)]}
		if m := handleInParens.FindStringSubmatch(a.Name); m != nil {
			a.Name, a.Handle = m[1], m[2]
		}
		if a.Name != "" {
			out = append(out, a)
		}
	}
	return out, nil
}

// htmlTitle is an HTML page's <title>, else its first <h1>.
func htmlTitle(src string) string {
	doc, err := xhtml.Parse(strings.NewReader(src))
	if err != nil {
		return ""
	}
	for _, a := range []atom.Atom{atom.Title, atom.H1} {
		if n := find(doc, a); n != nil {
			if t := strings.Join(strings.Fields(visibleText(n)), " "); t != "" {
				return t
			}
		}
	}
	return ""
}

// markdownTitle is the text of a Markdown file's first "# " heading.
func markdownTitle(src []byte) string {
	for _, l := range strings.Split(string(src), "\n") {
		if strings.HasPrefix(l, "# ") {
			return strings.TrimSpace(strings.TrimPrefix(l, "# "))
		}
	}
	return ""
}

// localResolver resolves the relative addresses of an article in dir of
// the source tree to the files that exist there; addresses leaving the
// tree resolve to nothing.
func localResolver(root *os.Root, dir string) func(string) (string, bool) {
	return func(ref string) (string, bool) {
		u, err := url.Parse(strings.TrimSpace(ref))
		if err != nil || u.Scheme != "" || u.Host != "" || u.Path == "" {
			return "", false
		}
		p := u.Path
		if !strings.HasPrefix(p, "/") {
			p = path.Join(dir, p)
		}
		p = strings.TrimPrefix(path.Clean(p), "/")
		if p == "." || strings.HasPrefix(p, "../") || p == ".." || sourceExts[strings.ToLower(path.Ext(p))] {
			return "", false
		}
		fi, err := root.Stat(p)
		if err != nil || !fi.Mode().IsRegular() {
			return "", false
		}
		return p, true
	}
}
