package importer

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net/url"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
)

// Atom categories of a Blogger export.
const (
	bloggerKindScheme = "http://schemas.google.com/g/2005#kind"
	bloggerPostKind   = "http://schemas.google.com/blogger/2008/kind#post"
	bloggerLabel      = "http://www.blogger.com/atom/ns#"
)

// atomEntry is one <entry> of a Blogger export.
type atomEntry struct {
	ID         string `xml:"id"`
	Published  string `xml:"published"`
	Title      string `xml:"title"`
	Content    string `xml:"content"`
	Categories []struct {
		Scheme string `xml:"scheme,attr"`
		Term   string `xml:"term,attr"`
	} `xml:"category"`
	Links []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Authors []struct {
		Name string `xml:"name"`
		URI  string `xml:"uri"`
	} `xml:"author"`
	Draft string `xml:"http://purl.org/atom/app# control>draft"`
}

// readBlogger reads the posts of a Blogger export (Atom XML). Entries
// that are not posts (settings, the template, comments) are not articles:
// they are counted in skipped with the reason.
func readBlogger(name string, src []byte) ([]*post, []Skip, error) {
	src, err := content.Normalize(name, src)
	if err != nil {
		return nil, nil, err
	}
	dec := xml.NewDecoder(bytes.NewReader(src))
	var (
		posts   []*post
		skipped []Skip
		errs    diag.List
		others  = map[string]int{}
		feed    bool
	)
	for {
		line, _ := dec.InputPos()
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, nil, xmlError(name, line, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if !feed {
			if se.Name.Local != "feed" {
				return nil, nil, diag.Errorf(name, line, 0, "not a Blogger export: the document is <%s>, want an Atom <feed>", se.Name.Local)
			}
			feed = true
			continue
		}
		if se.Name.Local != "entry" {
			continue
		}
		at, _ := dec.InputPos()
		var e atomEntry
		if err := dec.DecodeElement(&e, &se); err != nil {
			return nil, nil, xmlError(name, at, err)
		}
		origin := fmt.Sprintf("%s:%d", name, at)
		kind := e.kind()
		if kind != bloggerPostKind {
			others[path.Base(strings.ReplaceAll(kind, "#", "/"))]++
			continue
		}
		if strings.EqualFold(strings.TrimSpace(e.Draft), "yes") {
			skipped = append(skipped, Skip{Origin: origin, Title: e.Title, Reason: "a draft, never published"})
			continue
		}
		p, err := e.post(name, at, origin)
		if err != nil {
			errs = append(errs, err.(*diag.Error))
			continue
		}
		posts = append(posts, p)
	}
	if !feed {
		return nil, nil, diag.Errorf(name, 1, 0, "not a Blogger export: no Atom <feed>")
	}
	kinds := make([]string, 0, len(others))
	for kind := range others {
		kinds = append(kinds, kind)
	}
	sort.Strings(kinds)
	for _, kind := range kinds {
		skipped = append(skipped, Skip{Origin: name, Reason: fmt.Sprintf("%d %s entries (not posts)", others[kind], kind)})
	}
	return posts, skipped, errs.Err()
}

func xmlError(name string, line int, err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return diag.Errorf(name, se.Line, 0, "XML: %s", se.Msg)
	}
	return diag.Errorf(name, line, 0, "XML: %v", err)
}

func (e *atomEntry) kind() string {
	for _, c := range e.Categories {
		if c.Scheme == bloggerKindScheme {
			return c.Term
		}
	}
	return ""
}

// post is the article e describes, or an error at its line.
func (e *atomEntry) post(name string, line int, origin string) (*post, error) {
	title := strings.TrimSpace(e.Title)
	if title == "" {
		return nil, diag.Errorf(name, line, 0, "post has no <title>")
	}
	if strings.TrimSpace(e.Published) == "" {
		return nil, diag.Errorf(name, line, 0, "post %q has no <published> date", title)
	}
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(e.Published))
	if err != nil {
		return nil, diag.Errorf(name, line, 0, "post %q: <published> %q is not a date such as 2011-12-01T00:00:00-05:00", title, e.Published)
	}
	p := &post{
		Origin: origin, ID: "blogger:" + strings.TrimSpace(e.ID), Title: title,
		Date: time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC),
		HTML: e.Content, Line: line, File: name,
	}
	for _, c := range e.Categories {
		if c.Scheme == bloggerLabel && strings.TrimSpace(c.Term) != "" {
			p.Tags = append(p.Tags, strings.TrimSpace(c.Term))
		}
	}
	for _, a := range e.Authors {
		if n := strings.TrimSpace(a.Name); n != "" && n != "Unknown" {
			p.Authors = append(p.Authors, author{Name: n})
		}
	}
	for _, l := range e.Links {
		if l.Rel == "alternate" && l.Href != "" {
			p.URLs = append(p.URLs, l.Href)
			if u, err := url.Parse(l.Href); err == nil {
				p.Slug = slugify(stripDay(strings.TrimSuffix(path.Base(u.Path), path.Ext(u.Path))))
			}
		}
	}
	return p, nil
}
