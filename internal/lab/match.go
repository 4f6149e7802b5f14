package lab

import (
	"regexp"
	"strings"

	"github.com/rogpeppe/go-internal/diff"
)

// How expected output is compared with what a command printed:
//
//   - Lines are compared as whitespace-separated words, so column alignment
//     does not matter; trailing blank lines are ignored.
//   - A line "..." matches any number of lines (none included).
//   - A line ending in "..." matches any line that starts with the text
//     before it ("3.14159265358979..." matches the whole of pi).
//   - A line "/regexp/" matches any line the regular expression matches
//     (RE2 syntax, anchored at both ends).
//   - Volatile values match any value of the same kind, on both sides:
//     ages (2m, 14s, 3d4h), IPv4 addresses, NodePorts (30000-32767),
//     generated name suffixes (pod-template hashes and the five-character
//     suffixes of generateName and ReplicaSet pods) and timestamps (RFC 3339
//     and "Wed Nov 22 10:55:11 2017").
var volatile = []struct {
	re   *regexp.Regexp
	repl string
}{
	{regexp.MustCompile(`\b(Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) +\d{1,2} \d{2}:\d{2}:\d{2}( [A-Z]{2,5})? \d{4}\b`), "<time>"},
	{regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?( [A-Z]{2,5})?`), "<time>"},
	{regexp.MustCompile(`\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b`), "<ip>"},
	{regexp.MustCompile(`:3[0-2]\d{3}/`), ":<nodeport>/"},
	{regexp.MustCompile(`-[bcdfghjklmnpqrstvwxz2456789]{6,10}-[bcdfghjklmnpqrstvwxz2456789]{5}\b`), "-<hash>-<id>"},
	{regexp.MustCompile(`-[bcdfghjklmnpqrstvwxz2456789]{5}\b`), "-<id>"},
	{regexp.MustCompile(`(^|\s)(\d+(\.\d+)?[smhdy])+(\s|$)`), "$1<age>$4"},
}

// normalize replaces volatile values and collapses whitespace.
func normalize(line string) string {
	for _, v := range volatile {
		line = v.re.ReplaceAllString(line, v.repl)
	}
	// Ages next to each other share whitespace; apply twice.
	line = volatile[len(volatile)-1].re.ReplaceAllString(line, volatile[len(volatile)-1].repl)
	return strings.Join(strings.Fields(line), " ")
}

type pattern struct {
	any    bool           // "..."
	prefix string         // "text..." (normalized)
	re     *regexp.Regexp // "/re/"
	text   string         // normalized line
}

func compile(expect []string) []pattern {
	ps := make([]pattern, len(expect))
	for i, e := range expect {
		t := strings.TrimSpace(e)
		switch {
		case t == "...":
			ps[i].any = true
		case len(t) > 2 && strings.HasPrefix(t, "/") && strings.HasSuffix(t, "/"):
			// The expression must compile on its own: "a)|(b" would
			// otherwise close the anchoring group and match unanchored.
			inner := t[1 : len(t)-1]
			if _, err := regexp.Compile(inner); err == nil {
				ps[i].re = regexp.MustCompile("^(?:" + inner + ")$")
				continue
			}
			ps[i].text = normalize(e)
		case strings.HasSuffix(t, "..."):
			ps[i].prefix = normalize(strings.TrimSuffix(t, "..."))
		default:
			ps[i].text = normalize(e)
		}
	}
	return ps
}

func (p pattern) matches(line string) bool {
	switch {
	case p.re != nil:
		return p.re.MatchString(strings.TrimRight(line, " \t\r"))
	case p.prefix != "":
		return strings.HasPrefix(normalize(line), p.prefix)
	}
	return normalize(line) == p.text
}

// OutputLines splits output into lines without trailing blank lines.
func OutputLines(out string) []string {
	out = strings.ReplaceAll(out, "\r\n", "\n")
	lines := strings.Split(out, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return lines
}

// Match reports whether output matches the expected lines. A nil expect
// matches anything.
func Match(expect []string, output string) bool {
	if expect == nil {
		return true
	}
	return matcher(compile(expect), OutputLines(output))(0, 0)
}

// matcher returns m, where m(i, j) reports whether ps[i:] matches
// lines[j:] (memoised: "..." lines make the search branch).
func matcher(ps []pattern, lines []string) func(i, j int) bool {
	memo := make(map[[2]int]bool)
	var m func(i, j int) bool
	m = func(i, j int) bool {
		k := [2]int{i, j}
		if v, ok := memo[k]; ok {
			return v
		}
		var r bool
		switch {
		case i == len(ps):
			r = j == len(lines)
		case ps[i].any:
			r = m(i+1, j) || (j < len(lines) && m(i, j+1))
		default:
			r = j < len(lines) && ps[i].matches(lines[j]) && m(i+1, j+1)
		}
		memo[k] = r
		return r
	}
	return m
}

// Diff shows expected against actual output as a unified diff.
func Diff(expect []string, output string) string {
	want := strings.Join(expect, "\n") + "\n"
	got := strings.Join(OutputLines(output), "\n") + "\n"
	return string(diff.Diff("expected", []byte(want), "actual", []byte(got)))
}

// Elision says how an expected-output line stands for output it does not
// spell out, so that a page can show it as an elision rather than as
// output: "..." (any number of lines) and "/regexp/" (a line the expression
// matches) show nothing of the output (shown ""); "text..." (a line that
// starts with text) shows text. elided is false for a line compared as it
// is.
func Elision(line string) (shown string, elided bool) {
	p := compile([]string{line})[0]
	switch {
	case p.any, p.re != nil:
		return "", true
	case p.prefix != "":
		return strings.TrimSuffix(strings.TrimSpace(line), "..."), true
	}
	return line, false
}

// Spans says how expect matched output: for each expected line, how many
// output lines it stood for (a "..." line any number, others one). It is
// nil when expect does not match output (or is nil).
func Spans(expect []string, output string) []int {
	if expect == nil {
		return nil
	}
	ps := compile(expect)
	m := matcher(ps, OutputLines(output))
	if !m(0, 0) {
		return nil
	}
	// Walk the match: a "..." takes as few lines as the rest allows.
	spans := make([]int, len(ps))
	for i, j := 0, 0; i < len(ps); {
		switch {
		case !ps[i].any:
			spans[i] = 1
			i, j = i+1, j+1
		case m(i+1, j):
			i++
		default:
			spans[i]++
			j++
		}
	}
	return spans
}
