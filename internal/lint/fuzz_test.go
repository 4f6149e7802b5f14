package lint

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
)

// FuzzLintMarkdown: lint never panics on any bytes read as someone's
// Markdown, and every finding it returns is positioned inside the file.
// The corpus files seed it; `go test -fuzz FuzzLintMarkdown -fuzztime 1m`
// explores further.
func FuzzLintMarkdown(f *testing.F) {
	files, _ := filepath.Glob("testdata/corpus/*.md")
	for _, p := range files {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("```sh\nkubectl exec <POD NAME> [CMD\n"))
	f.Add([]byte("    cat <<EOF\n    apiVersion: v1\n    kind: List\n    items:\n    - apiVersion: extensions/v1beta1\n"))
	f.Fuzz(func(t *testing.T, src []byte) {
		// A hang crashes the worker, so the fuzzer keeps the input.
		watchdog := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("lint hangs on %q", src)) })
		defer watchdog.Stop()
		start := time.Now()
		findings, err := lintSource("doc.md", src, false, version.MajorMinor(1, 34))
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%d bytes took %v", len(src), d)
		}
		if err != nil {
			t.Fatalf("someone's Markdown is never an error: %v", err)
		}
		lines := 1
		for _, c := range src {
			if c == '\n' {
				lines++
			}
		}
		for _, fd := range findings {
			if fd.Line < 0 || fd.Line > lines || fd.Col < 0 {
				t.Errorf("finding outside the file (%d lines): %+v", lines, fd)
			}
		}
	})
}
