// Package importer turns an existing calendar into advent articles: a
// Blogger export (Atom XML) or a tree of HTML and Markdown files laid out
// by year and day. Bodies are converted with html-to-markdown; code
// blocks keep (or are given) a language; what has no Markdown form is
// kept and listed; every article's words and code lines are counted in
// and out. Nothing is written until the whole source has been read and
// converted, and then only through an os.Root of the project.
package importer

import (
	"context"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/diag"
)

// Source is the kind of calendar an import reads.
type Source string

// Sources.
const (
	SourceBlogger Source = "blogger" // a Blogger export file (Atom XML)
	SourceDir     Source = "dir"     // a directory of YEAR/DD/*.html or *.md
)

// Options says what to import where.
type Options struct {
	Root  string // project root: articles go to Root/content
	From  string // the Blogger export file or the source directory
	Force bool   // replace articles that advent import did not make
	// DryRun reads and converts everything and reports, writing nothing.
	DryRun bool
}

// post is one article as a source gives it.
type post struct {
	Origin  string // "export.xml:12", "old/2008/01/day1-strace.html": where messages point
	File    string // the source file, as messages name it
	Line    int    // of the post in File
	ID      string // stable identity of the post in its source: the marker in front matter
	Title   string
	Date    time.Time // the day, at midnight UTC
	Authors []author
	Tags    []string
	HTML    string
	Slug    string
	Dir     string   // the post's directory in a source tree ("" for Blogger)
	URLs    []string // addresses other posts link to it by
}

type author struct{ Name, Handle string }

// Skip is a source entry that was not imported, and why.
type Skip struct {
	Origin string `json:"origin"`
	Title  string `json:"title,omitempty"`
	Reason string `json:"reason"`
}

// Action is what an import did with an article.
type Action string

// Actions.
const (
	ActionCreated   Action = "created"
	ActionUpdated   Action = "updated"   // an article this import made before, changed since
	ActionUnchanged Action = "unchanged" // already there, byte for byte
	ActionConflict  Action = "conflict"  // an article advent import did not make is in the way (see -force)
)

// Imported is one article in the report.
type Imported struct {
	Origin string `json:"origin"`
	Path   string `json:"path"` // content/YEAR/DD-slug.md or .../index.md
	Action Action `json:"action"`
	Counts
	Assets []string `json:"assets,omitempty"` // files copied beside it
	Kept   []Kept   `json:"kept,omitempty"`
	// Replaces is another article on the same day that the import
	// removes (one it made under another name, or any with -force).
	Replaces string `json:"replaces,omitempty"`
	// Conflict says what is in the way when Action is conflict.
	Conflict string `json:"conflict,omitempty"`
}

// Report is what an import did.
type Report struct {
	Source   Source     `json:"source"`
	From     string     `json:"from"`
	Articles []Imported `json:"articles"`
	Skipped  []Skip     `json:"skipped"`
	Years    []string   `json:"years_made"` // content/YEAR/_index.md files made
	DryRun   bool       `json:"dry_run,omitempty"`
}

// Conflicts is the number of articles left alone because something advent
// import did not make is in their place.
func (r *Report) Conflicts() int {
	n := 0
	for _, a := range r.Articles {
		if a.Action == ActionConflict {
			n++
		}
	}
	return n
}

// Run imports opts.From into opts.Root's content/. Bad input is a diag
// error (nothing written); articles in the way are conflicts in the
// report (see Report.Conflicts), and the others are still written.
func Run(ctx context.Context, opts Options) (*Report, error) {
	posts, skipped, src, err := read(opts.From)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	posts, skipped = decemberOnly(posts, skipped)
	if err := sameDay(posts); err != nil {
		return nil, err
	}
	project, err := os.OpenRoot(opts.Root)
	if err != nil {
		return nil, diag.Usagef("-root: %v", err)
	}
	defer project.Close()
	p, err := plan(ctx, project, src, posts, opts)
	if err != nil {
		return nil, err
	}
	p.report.Skipped = append(p.report.Skipped, skipped...)
	if !opts.DryRun {
		if err := p.write(project, src.root); err != nil {
			return nil, err
		}
	}
	return p.report, nil
}

// source is an opened source.
type source struct {
	kind Source
	name string   // as given
	root *os.Root // of a directory source
}

func read(from string) ([]*post, []Skip, *source, error) {
	fi, err := os.Stat(from)
	if err != nil {
		return nil, nil, nil, diag.Usagef("%v", err)
	}
	name := path.Clean(strings.ReplaceAll(from, `\`, "/"))
	if fi.IsDir() {
		root, err := os.OpenRoot(from)
		if err != nil {
			return nil, nil, nil, err
		}
		posts, skipped, err := readDir(name, root)
		return posts, skipped, &source{kind: SourceDir, name: name, root: root}, err
	}
	src, err := os.ReadFile(from)
	if err != nil {
		return nil, nil, nil, err
	}
	posts, skipped, err := readBlogger(name, src)
	return posts, skipped, &source{kind: SourceBlogger, name: name}, err
}

// decemberOnly keeps the posts of December, the calendar's month; the
// others are skipped with the reason.
func decemberOnly(posts []*post, skipped []Skip) ([]*post, []Skip) {
	var keep []*post
	for _, p := range posts {
		if p.Date.Month() != time.December {
			skipped = append(skipped, Skip{Origin: p.Origin, Title: p.Title,
				Reason: fmt.Sprintf("published %s, not in December: not a day of the calendar", p.Date.Format("2006-01-02"))})
			continue
		}
		keep = append(keep, p)
	}
	sort.SliceStable(keep, func(i, j int) bool { return keep[i].Date.Before(keep[j].Date) })
	return keep, skipped
}

// sameDay reports every post on a day another post already has.
func sameDay(posts []*post) error {
	var errs diag.List
	seen := map[time.Time]*post{}
	for _, p := range posts {
		if q := seen[p.Date]; q != nil {
			errs = append(errs, diag.Errorf(p.File, p.Line, 0, "day %d of %d is already taken by %q (%s): a day holds one article",
				p.Date.Day(), p.Date.Year(), q.Title, q.Origin))
			continue
		}
		seen[p.Date] = p
	}
	return errs.Err()
}

var (
	nonSlug   = regexp.MustCompile(`[^a-z0-9]+`)
	dayPrefix = regexp.MustCompile(`(?i)^day[-_ ]?\d{1,2}(?:[-_ ]+|$)`)
)

// slugify is s as lower-case words joined by dashes, at most 60 bytes.
func slugify(s string) string {
	s = nonSlug.ReplaceAllString(strings.ToLower(s), "-")
	s = strings.Trim(s, "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	return s
}

// stripDay drops a leading "day1-" or "Day 1 - " from a name.
func stripDay(s string) string {
	return strings.TrimLeft(dayPrefix.ReplaceAllString(s, ""), "- ")
}
