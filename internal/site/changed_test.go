package site_test

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/site"
)

// TestChangedMustBeInline checks that a changed shortcode holding block
// Markdown (a list marker, as day 9's list once did, making "1. 1. 2. 2.")
// and a changed heading without an explicit id are build errors that name
// the file and line, and that the inline forms build: inside a list item,
// a table cell and a heading with an id, and a removed list item.
func TestChangedMustBeInline(t *testing.T) {
	const head = "---\ntitle: T\ndate: 2017-12-20\nday: 20\nyear: 2017\nauthors: [\"A\"]\nhandles: {\"A\": \"a\"}\n---\n\n"
	for _, tc := range []struct {
		name, body, err string
	}{
		{"list marker inside", "{{< changed was=\"1. Sign up.\" why=\"w\" >}}1. Install Docker.{{< /changed >}}\n", "20-x.md:10:1\": changed: was is block Markdown"},
		{"heading without id", "## {{< changed was=\"Part 5\" why=\"w\" >}}Part 5 now{{< /changed >}}\n", "20-x.md:10:1\": a heading holds a shortcode"},
		{"nothing at all", "{{< changed why=\"w\" >}}{{< /changed >}}\n", "changed: needs the 2017 wording"},
		{"inline forms", "1. {{< changed was=\"Sign up.\" why=\"w\" >}}Install Docker.{{< /changed >}}\n" +
			"2. {{< changed was=\"Make an SSH key.\" why=\"w\" >}}{{< /changed >}}\n3. Three.\n\n" +
			"| a | b |\n| --- | --- |\n| {{< changed was=\"kops\" why=\"w\" >}}kind{{< /changed >}} | x |\n\n" +
			"## {{< changed was=\"Part 5\" why=\"w\" >}}Part 5 now{{< /changed >}} {#part-5}\n", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := copyProject(t)
			if err := os.WriteFile(filepath.Join(root, "content", "2017", "20-x.md"), []byte(head+tc.body), 0o644); err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(t.TempDir(), "public")
			var err error
			logged := stderrOf(t, func() {
				_, err = site.Build(context.Background(), site.Options{Root: root, Destination: dest})
			})
			switch {
			case tc.err == "" && err != nil:
				t.Fatalf("build: %v\n%s", err, logged)
			case tc.err != "" && (err == nil || !strings.Contains(logged, tc.err)):
				t.Fatalf("build error %v, logged:\n%s\nwant an error containing %q", err, logged, tc.err)
			case tc.err != "":
				return
			}
			doc := parseFile(t, filepath.Join(dest, "2017", "20-x", "index.html"))
			if n := len(findAll(doc, sel("ol", ""))); n != 1 {
				t.Errorf("%d ordered lists, want 1", n)
			}
			if n := len(findAll(doc, sel("li", ""))); n < 3 {
				t.Errorf("%d list items", n)
			}
			if find(doc, sel("span", "changed--removed")) == nil || find(doc, and(sel("h2", ""), withAttr("id", "part-5"))) == nil || find(doc, sel("td", "")) == nil {
				t.Error("the removed item, the heading's id or the table cell is missing")
			}
		})
	}
}

// stderrOf runs f and returns what it wrote to os.Stderr (where Hugo logs
// a build's errors).
func stderrOf(t *testing.T, f func()) string {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	saved := os.Stderr
	os.Stderr = w
	out := make(chan string)
	go func() {
		b, _ := io.ReadAll(r)
		out <- string(b)
	}()
	f()
	os.Stderr = saved
	w.Close()
	return <-out
}
