package lint

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
)

// RuleProseReplaced flags instructional prose of a tutorial that still
// names a tool or command its lab replaced.
const RuleProseReplaced RuleID = "prose-replaced-tool"

// proseRules are the rules about an article's prose.
var proseRules = []Rule{{
	ID: RuleProseReplaced, Tool: "advent", Severity: SeverityError,
	Summary:     "the prose around a tutorial's steps names a tool or command the lab replaced (its 2017 original used it, no step does)",
	Replacement: "describe what the steps run now, keeping the 2017 wording in {{< changed was=\"...\" why=\"...\" >}}new wording{{< /changed >}}",
	Source:      "https://github.com/sysadvent/advent/blob/main/content/about/writing-labs.md",
}}

// installedRE finds the component a command installed in a rule's summary
// ("helm init installed Tiller"): it went away with the command.
var installedRE = regexp.MustCompile(`\binstalled (\p{Lu}\w+)`)

// replacedRE finds what an original's note says was replaced: "kind
// replaces Minikube", "instead of asking Minikube", "Without kubefed".
var replacedRE = regexp.MustCompile(`(?i)\b(?:replaces|instead of(?: asking)?|without)\s+([\w-]+)`)

// replacedTerms is what a tutorial's lab replaced, derived from the article
// and the command rules, never from a list of its own:
//   - for every command rule that fires on a 2017 original, the stale
//     command at the finding ("helm init"), the rule's tool when the whole
//     program is gone from the steps (kubefed), and the component the
//     rule's summary says the command installed (Tiller);
//   - the programs an original ran that its note says were replaced ("kind
//     replaces Minikube") and no step runs.
//
// A term any step's commands still contain is never stale.
func replacedTerms(a *content.Article, originalFindings []Finding) []string {
	w := readCommands(a)
	terms := map[string]bool{}
	for _, n := range w.notes {
		for _, m := range replacedRE.FindAllStringSubmatch(n, -1) {
			if p := strings.ToLower(m[1]); w.origPrograms[p] && !w.used[p] {
				terms[m[1]] = true
			}
		}
	}
	for _, f := range originalFindings {
		w.staleTerms(f, terms)
	}
	// One spelling per term, case aside.
	seen := map[string]bool{}
	out := make([]string, 0, len(terms))
	for t := range terms {
		if !seen[strings.ToLower(t)] {
			seen[strings.ToLower(t)] = true
			out = append(out, t)
		}
	}
	sort.Strings(out)
	return out
}

// articleCommands is what replacedTerms reads of an article's blocks.
type articleCommands struct {
	used         map[string]bool // words (and first two words) of the steps' commands, lower-case
	origPrograms map[string]bool // programs the 2017 originals ran, lower-case
	origBlocks   map[int]*content.Block
	notes        []string // the originals' notes
}

func readCommands(a *content.Article) articleCommands {
	w := articleCommands{used: map[string]bool{}, origPrograms: map[string]bool{}, origBlocks: map[int]*content.Block{}}
	for _, b := range a.Blocks {
		orig := lab.IsOriginal(b)
		switch {
		case orig:
			w.origBlocks[b.Line] = b
			if n, ok := b.Attr("note"); ok {
				w.notes = append(w.notes, n)
			}
		case !lab.IsLabBlock(b):
			continue
		}
		for _, c := range lab.Commands(b) {
			f := strings.Fields(c)
			if len(f) == 0 {
				continue
			}
			if orig {
				w.origPrograms[strings.ToLower(f[0])] = true
				continue
			}
			for _, x := range wordRE.FindAllString(strings.ToLower(c), -1) {
				w.used[x] = true
			}
			if len(f) > 1 {
				w.used[strings.ToLower(f[0]+" "+f[1])] = true
			}
		}
	}
	return w
}

// staleTerms adds to terms what a command rule's finding f on an original
// names and no step uses: the command, the tool, what it installed.
func (w articleCommands) staleTerms(f Finding, terms map[string]bool) {
	if f.Original == "" {
		return
	}
	r := ruleByID[f.Rule]
	if r == nil || !isCLIRule(r.ID) {
		return
	}
	if b := w.origBlocks[f.BlockLine]; b != nil {
		cmd := wordsAt(b, f.Line, f.Col, 2)
		if strings.HasPrefix(cmd, r.Tool+" ") && !w.used[strings.ToLower(cmd)] {
			terms[cmd] = true
		}
		if strings.HasPrefix(cmd, r.Tool) && !w.used[r.Tool] {
			terms[r.Tool] = true
		}
	}
	for _, m := range installedRE.FindAllStringSubmatch(r.Summary, -1) {
		if !w.used[strings.ToLower(m[1])] {
			terms[m[1]] = true
		}
	}
}

// historical finds a sentence that tells what changed rather than what to
// do ("kubefed was archived in 2023", "used to be initialized with
// kubefed", "written in 2017 for kops"): naming the old tool is the point.
var historical = regexp.MustCompile(`(?i)\b(?:was|were|used to|written|archived|replaced|replaces|instead|no longer|retired|removed|since 20\d\d)\b`)

var wordRE = regexp.MustCompile(`[\w-]+`)

func isCLIRule(id RuleID) bool {
	for i := range cliRules {
		if cliRules[i].ID == id {
			return true
		}
	}
	return false
}

// wordsAt is up to n words of b's source line at (line, col).
func wordsAt(b *content.Block, line, col, n int) string {
	lines := strings.Split(b.Code, "\n")
	i := line - b.FirstLine
	if i < 0 || i >= len(lines) {
		return ""
	}
	l := lines[i]
	if c := col - b.Col; c > 0 && c <= len(l) {
		l = l[c:]
	}
	f := strings.Fields(l)
	if len(f) > n {
		f = f[:n]
	}
	return strings.Join(f, " ")
}

// proseFindings checks the paragraph before each lab block and original
// of a tutorial (its current wording: content.Block.Prose leaves out what a
// changed shortcode marks as 2017 wording) and its summary for the terms
// the lab replaced.
func proseFindings(a *content.Article, originalFindings []Finding) []Finding {
	terms := replacedTerms(a, originalFindings)
	if len(terms) == 0 {
		return nil
	}
	res := make([]*regexp.Regexp, len(terms))
	for i, t := range terms {
		res[i] = regexp.MustCompile(`(?i)(^|[^\w-])` + regexp.QuoteMeta(t) + `($|[^\w-])`)
	}
	var out []Finding
	check := func(text string, line func(off int) int, blockLine int) {
		for i, re := range res {
			for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
				start := m[3] // after the leading boundary
				if historical.MatchString(sentence(text, start)) {
					continue
				}
				out = append(out, Finding{
					Path: a.Path, Line: line(start), BlockLine: blockLine, Rule: RuleProseReplaced, Severity: SeverityError,
					Message:     fmt.Sprintf("the prose names %q, which this lab replaced (its 2017 original ran it, no step does): %q", terms[i], sentence(text, start)),
					Replacement: proseRules[0].Replacement, Source: proseRules[0].Source,
				})
			}
		}
	}
	if l, ok := a.Fields["summary"]; ok {
		check(a.Summary, func(int) int { return l }, 0)
	}
	for _, b := range a.Blocks {
		if b.Prose == "" || !(lab.IsOriginal(b) || lab.IsLabBlock(b)) {
			continue
		}
		// The paragraph that introduces the block: the prose's last.
		prose, fence := b.Prose, b.Line
		if i := strings.LastIndex(prose, "\n\n"); i >= 0 {
			prose = prose[i+2:]
		}
		// The prose ends one blank line above the fence: count lines back.
		check(prose, func(off int) int { return fence - 2 - strings.Count(prose[off:], "\n") }, b.Line)
	}
	return out
}

// sentence is the sentence of text around off, on one line.
func sentence(text string, off int) string {
	start := strings.LastIndexAny(text[:off], ".!?\n") + 1
	end := len(text)
	if i := strings.IndexAny(text[off:], ".!?\n"); i >= 0 {
		end = off + i + 1
	}
	return strings.Join(strings.Fields(text[start:end]), " ")
}
