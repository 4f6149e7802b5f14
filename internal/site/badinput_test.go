package site_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/cli"
)

// TestBadInputKeepsTheLastGoodBuild runs `advent build` in process on a
// temporary copy of the project: bad articles fail with path:line and
// exit code 2, and public/ keeps the previous good build.
func TestBadInputKeepsTheLastGoodBuild(t *testing.T) {
	root := copyProject(t)
	const victim = "content/2017/06-sysadmin-evolution.md"
	good, err := os.ReadFile(filepath.Join(root, victim))
	if err != nil {
		t.Fatal(err)
	}
	run := func() (int, string, string) {
		var stdout, stderr bytes.Buffer
		code := cli.Main(context.Background(), []string{"build", "-root", root, "-quiet"}, &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}

	code, stdout, stderr := run()
	if code != cli.ExitOK {
		t.Fatalf("good build: exit %d\n%s", code, stderr)
	}
	public := filepath.Join(root, "public")
	if !regexp.MustCompile(`^advent: built \d+ articles into .*public in \d`).MatchString(stdout) {
		t.Errorf("good build printed %q, want where it wrote the site and how long it took", stdout)
	}
	sentinel := filepath.Join(public, "sentinel-of-the-good-build")
	if err := os.WriteFile(sentinel, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	goodIndex, err := os.ReadFile(filepath.Join(public, "index.html"))
	if err != nil {
		t.Fatal(err)
	}
	// `advent build` lints the articles: the findings of the 2017
	// originals show beside them, and only there.
	helm := parseFile(t, filepath.Join(public, "2017/05-helm-chart/index.html"))
	lintItems := findAll(helm, and(sel("li", ""), withAttr("data-rule", "")))
	if len(lintItems) == 0 {
		t.Errorf("advent build shows no lint findings beside the helm article's 2017 originals")
	}
	for _, li := range lintItems {
		if b := ancestor(li, sel("div", "code-block")); b == nil || attrOr(b, "data-original") == "" {
			t.Errorf("lint finding %s is not inside a 2017 original", attrOr(li, "data-rule"))
		}
	}

	replace := func(old, new string) func(t *testing.T) {
		return func(t *testing.T) {
			if !bytes.Contains(good, []byte(old)) {
				t.Fatalf("%s does not contain %q", victim, old)
			}
			write(t, filepath.Join(root, victim), bytes.Replace(good, []byte(old), []byte(new), 1))
		}
	}
	lineOf := func(prefix string) string {
		for i, l := range strings.Split(string(good), "\n") {
			if strings.HasPrefix(l, prefix) {
				return victim + ":" + strconv.Itoa(i+1)
			}
		}
		t.Fatalf("%s has no line starting %q", victim, prefix)
		return ""
	}
	dup := "content/2017/12-same-day.md"
	cases := []struct {
		name  string
		setup func(t *testing.T)
		want  string // path:line in stderr
	}{
		{"broken front matter", replace("\ntags:", "\ntags: [unclosed\n  - {"), victim + ":"},
		{"front matter not closed", func(t *testing.T) {
			write(t, filepath.Join(root, victim), []byte(strings.Replace(string(good), "\n---\n", "\n", 1)))
		}, victim + ":1"},
		{"missing title", replace("\ntitle:", "\nsubtitle:"), victim + ":1"},
		{"missing date", replace("\ndate:", "\nupdated:"), victim + ":1"},
		{"missing authors", replace("\nauthors:", "\nwriters:"), victim + ":1"},
		{"empty title", func(t *testing.T) {
			write(t, filepath.Join(root, victim), regexp.MustCompile(`(?m)^title: .*$`).ReplaceAll(good, []byte(`title: ""`)))
		}, lineOf("title:")},
		{"two articles on the same day", func(t *testing.T) {
			write(t, filepath.Join(root, dup), good)
		}, dup + ":" + strings.TrimPrefix(lineOf("day:"), victim+":")},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			defer func() {
				write(t, filepath.Join(root, victim), good)
				os.Remove(filepath.Join(root, dup))
			}()
			c.setup(t)
			code, _, stderr := run()
			if code != cli.ExitBadUsage {
				t.Errorf("exit %d, want %d\n%s", code, cli.ExitBadUsage, stderr)
			}
			if !strings.Contains(stderr, c.want) || !regexp.MustCompile(`content/2017/[^:]+\.md:\d+`).MatchString(stderr) {
				t.Errorf("stderr does not point at %s:\n%s", c.want, stderr)
			}
			if _, err := os.Stat(sentinel); err != nil {
				t.Errorf("public/ was replaced: %v", err)
			}
			index, err := os.ReadFile(filepath.Join(public, "index.html"))
			if err != nil || !bytes.Equal(index, goodIndex) {
				t.Errorf("public/index.html changed (err %v)", err)
			}
			if left, _ := filepath.Glob(filepath.Join(root, ".public.tmp-*")); len(left) > 0 {
				t.Errorf("temporary build directories left: %v", left)
			}
		})
	}

	// And the project still builds once the article is fixed.
	if code, _, stderr := run(); code != cli.ExitOK {
		t.Fatalf("build after the fixes: exit %d\n%s", code, stderr)
	}
	if _, err := os.Stat(sentinel); !os.IsNotExist(err) {
		t.Errorf("a good build did not replace public/ (sentinel: %v)", err)
	}
}

func write(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
