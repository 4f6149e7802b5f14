package site_test

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSitemapLastmod checks that the sitemap dates each article by its
// last change: front matter lastmod when it has one (the fixture tutorial,
// rewritten on 2026-11-15, and the 2017 tutorials rewritten since), else
// its date; and that it lists the About
// pages, which the site-wide lists leave out.
func TestSitemapLastmod(t *testing.T) {
	root, out := sharedSite(t)
	b, err := os.ReadFile(filepath.Join(out, "sitemap.xml"))
	if err != nil {
		t.Fatal(err)
	}
	var sm struct {
		URLs []struct {
			Loc     string `xml:"loc"`
			Lastmod string `xml:"lastmod"`
		} `xml:"url"`
	}
	if err := xml.Unmarshal(b, &sm); err != nil {
		t.Fatal(err)
	}
	lastmod := map[string]string{}
	for _, u := range sm.URLs {
		i := strings.Index(u.Loc, "://")
		path := u.Loc[i+3:]
		lastmod[path[strings.Index(path, "/"):]] = u.Lastmod
	}
	for _, a := range loadArticles(t, root) {
		url := "/" + strings.TrimSuffix(articlePage(a), "index.html")
		want := a.Date.Format("2006-01-02")
		if !a.Lastmod.IsZero() {
			want = a.Lastmod.Format("2006-01-02")
		}
		if got, ok := lastmod[url]; !ok {
			t.Errorf("sitemap: no entry for %s", url)
		} else if !strings.HasPrefix(got, want) {
			t.Errorf("sitemap: %s lastmod %q, want %s", url, got, want)
		}
	}
	for _, p := range []string{"/about/", "/about/verification/", "/about/writing-labs/"} {
		if _, ok := lastmod[p]; !ok {
			t.Errorf("sitemap: no entry for %s", p)
		}
	}
}
