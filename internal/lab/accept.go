package lab

import (
	"bytes"
	"fmt"
	"strings"
)

// Observed is what a command of a step printed in a run.
type Observed struct {
	Step   string // step name
	Index  int    // the command's index in the step
	Cmd    string // the command as it ran (must still be the step's command)
	Output string
}

// Accepted is one command whose expected output Accept rewrote.
type Accepted struct {
	Step string
	Cmd  string
	Line int // the command's line in the article
}

// Skipped is an observed output Accept could not use, and why.
type Skipped struct {
	Step, Cmd, Why string
}

// Accept rewrites, in src (the article that l was extracted from, as it is
// now), the expected output of each observed command whose output does not
// match it, and returns the new article. A command whose output matches is
// left as it is, so nothing changes when everything matches.
//
// The new expected output is merged line by line (see MergeExpected): the
// author's "..." elisions, "text..." prefixes, /regexp/ lines and lines
// that differ only in volatile values stay where they still match the
// output; the rest becomes the actual output.
func Accept(src []byte, l *Lab, observed []Observed) ([]byte, []Accepted, []Skipped, error) {
	type edit struct {
		first, n int // 0-based first expected line in the article, how many
		indent   string
		lines    []string
	}
	lines := strings.Split(string(src), "\n")
	var (
		edits    []edit
		accepted []Accepted
		skipped  []Skipped
	)
	for _, o := range observed {
		i := stepIndex(l, o.Step)
		if i < 0 {
			skipped = append(skipped, Skipped{o.Step, o.Cmd, "the article has no such step any more"})
			continue
		}
		s := &l.Steps[i]
		if o.Index >= len(s.Commands) || s.Commands[o.Index].Cmd != o.Cmd {
			skipped = append(skipped, Skipped{o.Step, o.Cmd, "the command changed in the article since that run"})
			continue
		}
		c := s.Commands[o.Index]
		if c.Expect == nil {
			skipped = append(skipped, Skipped{o.Step, o.Cmd, "the article shows no output for it (its output is not checked)"})
			continue
		}
		if Match(c.Expect, o.Output) {
			continue
		}
		// The prompt line, then the command's continuation lines, then its
		// expected output.
		p := c.Line - 1
		if p < 0 || p >= len(lines) {
			return nil, nil, nil, fmt.Errorf("%s:%d: no such line (is labs/ extracted from this article?)", l.Source, c.Line)
		}
		at := strings.Index(lines[p], "$")
		if at < 0 || strings.TrimRight(lines[p][at:], " \t") != "$ "+strings.SplitN(c.Cmd, "\n", 2)[0] {
			return nil, nil, nil, fmt.Errorf("%s:%d: the command `%s` is not there (is labs/ extracted from this article?)", l.Source, c.Line, firstLineOf(c.Cmd))
		}
		indent := lines[p][:at]
		first := p + 1 + strings.Count(c.Cmd, "\n")
		for k, e := range c.Expect {
			if first+k >= len(lines) || strings.TrimRight(strings.TrimPrefix(lines[first+k], indent), " \t") != e {
				return nil, nil, nil, fmt.Errorf("%s:%d: expected output of `%s` is not there (is labs/ extracted from this article?)", l.Source, first+k+1, firstLineOf(c.Cmd))
			}
		}
		merged := MergeExpected(c.Expect, o.Output)
		if strings.Join(merged, "\n") == strings.Join(c.Expect, "\n") {
			continue
		}
		if why := unwritable(merged); why != "" {
			skipped = append(skipped, Skipped{o.Step, o.Cmd, why})
			continue
		}
		edits = append(edits, edit{first: first, n: len(c.Expect), indent: indent, lines: merged})
		accepted = append(accepted, Accepted{Step: s.Name, Cmd: c.Cmd, Line: c.Line})
	}
	if len(edits) == 0 {
		return src, nil, skipped, nil
	}
	// Apply from the bottom up so that earlier line numbers stay right.
	for i := 1; i < len(edits); i++ {
		for j := i; j > 0 && edits[j].first > edits[j-1].first; j-- {
			edits[j], edits[j-1] = edits[j-1], edits[j]
		}
	}
	for _, e := range edits {
		repl := make([]string, len(e.lines))
		for k, x := range e.lines {
			if x == "" {
				repl[k] = ""
			} else {
				repl[k] = e.indent + x
			}
		}
		lines = append(lines[:e.first], append(repl, lines[e.first+e.n:]...)...)
	}
	out := []byte(strings.Join(lines, "\n"))
	if bytes.Equal(out, src) {
		return src, nil, skipped, nil
	}
	return out, accepted, skipped, nil
}

// unwritable says why lines cannot be a transcript's output, or "".
func unwritable(lines []string) string {
	for _, x := range lines {
		t := strings.TrimSpace(x)
		switch {
		case x == "$" || strings.HasPrefix(x, "$ "):
			return fmt.Sprintf("its output has a line that reads as a prompt (%q): write that output by hand", x)
		case strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~"):
			return fmt.Sprintf("its output has a line that reads as a fence (%q): write that output by hand", x)
		}
	}
	return ""
}

func stepIndex(l *Lab, name string) int {
	for i := range l.Steps {
		if l.Steps[i].Name == name {
			return i
		}
	}
	return -1
}

func firstLineOf(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// MergeExpected is the expected output that output matches, as close to
// expect as it can be: expect's lines and output's lines are aligned with
// the fewest changes (an expected line that matches the output line it
// aligns with is kept as the author wrote it, "..." keeps covering the
// lines it matches, and only lines that do not match are replaced by,
// removed for, or added from the actual output).
func MergeExpected(expect []string, output string) []string {
	ps := compile(expect)
	got := OutputLines(output)
	if len(got) == 1 && got[0] == "" {
		got = nil
	}
	n, m := len(ps), len(got)
	// cost[i][j]: fewest changes to align ps[i:] with got[j:].
	cost := make([][]int, n+1)
	for i := range cost {
		cost[i] = make([]int, m+1)
	}
	for i := n; i >= 0; i-- {
		for j := m; j >= 0; j-- {
			switch {
			case i == n:
				cost[i][j] = m - j // add the rest
			case ps[i].any:
				c := cost[i+1][j]
				if j < m {
					c = min(c, cost[i][j+1])
				}
				cost[i][j] = c
			default:
				c := 1 + cost[i+1][j] // drop the expected line
				if j < m {
					c = min(c, 1+cost[i][j+1]) // add the output line
					if ps[i].matches(got[j]) {
						c = min(c, cost[i+1][j+1])
					} else {
						c = min(c, 1+cost[i+1][j+1]) // replace
					}
				}
				cost[i][j] = c
			}
		}
	}
	var out []string
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i == n:
			out = append(out, got[j])
			j++
		case ps[i].any:
			// "..." covers this line unless ending it here costs no more
			// (then the lines after it keep their place).
			if j < m && cost[i][j] == cost[i][j+1] && cost[i][j] != cost[i+1][j] {
				j++
				continue
			}
			out = append(out, expect[i])
			i++
		case j < m && ps[i].matches(got[j]) && cost[i][j] == cost[i+1][j+1]:
			out = append(out, expect[i])
			i, j = i+1, j+1
		case j < m && !ps[i].matches(got[j]) && cost[i][j] == 1+cost[i+1][j+1]:
			out = append(out, got[j])
			i, j = i+1, j+1
		case cost[i][j] == 1+cost[i+1][j]:
			i++
		default:
			out = append(out, got[j])
			j++
		}
	}
	return out
}
