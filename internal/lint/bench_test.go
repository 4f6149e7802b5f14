package lint_test

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
)

var (
	dateRE = regexp.MustCompile(`(?m)^date: .*$`)
	dayRE  = regexp.MustCompile(`(?m)^day: .*$`)
	yearRE = regexp.MustCompile(`(?m)^year: .*$`)
	labRE  = regexp.MustCompile(`(?m)^lab: (.*)$`)
)

// corpus writes n articles made from the seven real ones (each with its own
// day, year and lab name) under dir/content.
func corpus(b *testing.B, n int) string {
	b.Helper()
	real, err := filepath.Glob(filepath.Join(repoRoot, "content", "2017", "[0-9]*.md"))
	if err != nil || len(real) == 0 {
		b.Fatalf("no articles: %v", err)
	}
	var srcs [][]byte
	for _, p := range real {
		s, err := os.ReadFile(p)
		if err != nil {
			b.Fatal(err)
		}
		srcs = append(srcs, s)
	}
	dir := b.TempDir()
	for i := range n {
		year, day := 3000+i/24, i%24+1
		s := srcs[i%len(srcs)]
		s = dateRE.ReplaceAll(s, []byte(fmt.Sprintf("date: %d-12-%02d", year, day)))
		s = dayRE.ReplaceAll(s, []byte(fmt.Sprintf("day: %d", day)))
		s = yearRE.ReplaceAll(s, []byte(fmt.Sprintf("year: %d", year)))
		s = labRE.ReplaceAll(s, []byte(fmt.Sprintf("lab: $1-%d", i)))
		p := filepath.Join(dir, "content", fmt.Sprint(year), fmt.Sprintf("%02d-article.md", day))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(p, s, 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkExtractAndLint1000 reads and validates 1,000 articles (made
// from the seven real ones), extracts their labs and lints them.
func BenchmarkExtractAndLint1000(b *testing.B) {
	dir := corpus(b, 1000)
	for b.Loop() {
		arts, err := content.LoadDir(dir, "content")
		if err != nil {
			b.Fatal(err)
		}
		labs, err := lab.Extract(arts)
		if err != nil {
			b.Fatal(err)
		}
		if len(labs) < 3*1000/7 {
			b.Fatalf("%d labs", len(labs))
		}
		findings, err := lint.Articles(arts, lint.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n := len(findings)
		if n == 0 {
			b.Fatal("no findings")
		}
	}
}

// BenchmarkCorpus lints the corpus of testdata/corpus (someone else's
// docs, stale and modern, of every class issue #15 names) from disk, as
// `advent lint testdata/corpus` does.
func BenchmarkCorpus(b *testing.B) {
	files, err := filepath.Glob("testdata/corpus/*.md")
	if err != nil || len(files) == 0 {
		b.Fatalf("no corpus: %v", err)
	}
	var n int
	for b.Loop() {
		findings, err := lint.Paths("testdata", []string{"corpus"}, lint.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(findings)
	}
	if n < 40 {
		b.Fatalf("%d findings on the corpus", n)
	}
	b.ReportMetric(float64(len(files))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkCorpus100 lints 100 copies of the corpus (1,800 files).
func BenchmarkCorpus100(b *testing.B) {
	files, err := filepath.Glob("testdata/corpus/*.md")
	if err != nil || len(files) == 0 {
		b.Fatalf("no corpus: %v", err)
	}
	dir := b.TempDir()
	for i := range 100 {
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				b.Fatal(err)
			}
			p := filepath.Join(dir, "docs", fmt.Sprint(i), filepath.Base(f))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				b.Fatal(err)
			}
			if err := os.WriteFile(p, src, 0o644); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ResetTimer()
	var n int
	for b.Loop() {
		findings, err := lint.Paths(dir, []string{"docs"}, lint.Options{})
		if err != nil {
			b.Fatal(err)
		}
		n = len(findings)
	}
	if n < 100*40 {
		b.Fatalf("%d findings", n)
	}
	b.ReportMetric(float64(100*len(files))*float64(b.N)/b.Elapsed().Seconds(), "files/s")
}

// BenchmarkLintLimits lints the costliest plain Markdown files lint
// accepts, each just under content's limits, and one of 5 MB it refuses.
func BenchmarkLintLimits(b *testing.B) {
	under := func(unit string, size int) string { return strings.Repeat(unit, (size-16)/len(unit)) }
	quotes := strings.Repeat(strings.Repeat("> ", content.MaxNesting)+"x\n", content.MaxMarkers/content.MaxNesting/2)
	lists := strings.Repeat(strings.Repeat("- ", content.MaxNesting)+"x\n", content.MaxMarkers/content.MaxNesting/2)
	cases := []struct {
		name, text string
		refused    bool
	}{
		// One block of a MB of commands, each one a finding.
		{"one-block-1MB", "```sh\n" + under("helm init && kubectl run x --image=y\n", content.MaxFileSize) + "```\n", false},
		// MaxBlocks blocks, each with a finding.
		{"max-blocks", strings.Repeat("```sh\nhelm init\n```\n\n", content.MaxBlocks), false},
		// Quotes and lists MaxNesting deep until MaxMarkers, then text.
		{"max-nesting-1MB", quotes + lists + under("word word word\n\n", content.MaxFileSize-len(quotes)-len(lists)), false},
		// Paragraphs, each one an item of the prose rules.
		{"paragraphs-1MB", under("para\n\n", content.MaxFileSize), false},
		// Refused before parsing.
		{"nested-quotes-5MB", strings.Repeat(">", 5<<20), true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			write(b, dir, "docs/x.md", c.text)
			b.SetBytes(int64(len(c.text)))
			for b.Loop() {
				if _, err := lint.Paths(dir, []string{"docs"}, lint.Options{}); (err != nil) != c.refused {
					b.Fatalf("refused: %v, want %v", err, c.refused)
				}
			}
		})
	}
}
