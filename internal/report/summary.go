package report

import (
	"fmt"
	"io"
	"strings"
)

// mdText escapes text for a Markdown table cell or line: no HTML, no
// table breaks, no emphasis.
func mdText(s string) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", "|", `\|`, "\n", " ",
		"*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

// fence returns a code fence longer than any backtick run in s.
func fence(s string) string {
	n, run := 3, 0
	for _, c := range s {
		if c == '`' {
			run++
			if run >= n {
				n = run + 1
			}
		} else {
			run = 0
		}
	}
	return strings.Repeat("`", n)
}

// WriteMarkdown writes a job summary of the store's runs (GitHub
// Markdown, for $GITHUB_STEP_SUMMARY): per lab and Kubernetes version the
// outcome, per step ✓/✗ with attempts and time, and for each failed step
// its diff and last lines of output.
func WriteMarkdown(w io.Writer, st Store) error {
	var b strings.Builder
	b.WriteString("## Lab results\n\n")
	if len(st) == 0 {
		b.WriteString("No lab ran.\n")
	}
	for _, name := range st.Labs() {
		f := st[name]
		for _, r := range f.Runs {
			where := "no cluster"
			if r.Kubernetes != "" {
				where = "Kubernetes " + r.Kubernetes
			}
			fmt.Fprintf(&b, "### %s %s (%s, %s): %s\n\n", r.Status.Mark(), mdText(f.Lab), mdText(where), mdText(string(r.Mode)), mdText(string(r.Status)))
			if f.Source != "" {
				fmt.Fprintf(&b, "Article: `%s`", strings.ReplaceAll(f.Source, "`", ""))
				if r.Commit != "" {
					fmt.Fprintf(&b, " at %s", mdText(r.Commit))
				}
				b.WriteString("\n\n")
			}
			b.WriteString("| | step | line | time | attempts | |\n| --- | --- | --- | --- | --- | --- |\n")
			for _, s := range r.Steps {
				note := s.Reason
				if rec := Summarize(s.History); rec != nil && rec.Flaky && rec.Runs > 1 {
					if note != "" {
						note += "; "
					}
					note += rec.Text
				}
				attempts := ""
				if s.Attempts > 1 {
					attempts = fmt.Sprint(s.Attempts)
				}
				fmt.Fprintf(&b, "| %s | %s | %d | %.1fs | %s | %s |\n", s.Status.Mark(), mdText(s.Name), s.Line,
					float64(s.DurationMS)/1000, attempts, mdText(note))
			}
			for _, l := range r.Leaks {
				fmt.Fprintf(&b, "| ✗ | leak check | | | | %s |\n", mdText(l))
			}
			b.WriteString("\n")
			for _, s := range r.Steps {
				if s.Status != Fail || (s.Diff == "" && len(s.OutputTail) == 0) {
					continue
				}
				fmt.Fprintf(&b, "<details><summary>✗ %s: diff and output</summary>\n\n", mdText(s.Name))
				if s.Diff != "" {
					fmt.Fprintf(&b, "%[1]sdiff\n%[2]s\n%[1]s\n\n", fence(s.Diff), strings.TrimRight(s.Diff, "\n"))
				}
				if len(s.OutputTail) > 0 {
					out := strings.Join(s.OutputTail, "\n")
					fmt.Fprintf(&b, "Last lines of output:\n\n%[1]s\n%[2]s\n%[1]s\n\n", fence(out), out)
				}
				b.WriteString("</details>\n\n")
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData and escapeProperty encode GitHub workflow command values.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// WriteAnnotations writes a GitHub workflow command per failed step
// (::error file=ARTICLE,line=N,title=...::reason and diff), so that a pull
// request shows each failure on the article line whose block failed.
func WriteAnnotations(w io.Writer, st Store) error {
	var b strings.Builder
	for _, name := range st.Labs() {
		f := st[name]
		for _, r := range f.Runs {
			for _, s := range r.Steps {
				if s.Status != Fail {
					continue
				}
				title := fmt.Sprintf("%s: step %s failed", f.Lab, s.Name)
				if r.Kubernetes != "" {
					title += " on Kubernetes " + r.Kubernetes
				}
				msg := s.Reason
				if s.Diff != "" {
					msg += "\n" + s.Diff
				}
				fmt.Fprintf(&b, "::error file=%s,line=%d,title=%s::%s\n", escapeProperty(f.Source), s.Line,
					escapeProperty(title), escapeData(msg))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// Failed reports whether any run in the store failed.
func (st Store) Failed() bool {
	for _, f := range st {
		for _, r := range f.Runs {
			if r.Status == Fail {
				return true
			}
		}
	}
	return false
}
