package lint

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
)

// writingLabs is the site's page for authors of tutorials (site.toml's
// baseURL, /about/writing-labs/): the source of the prose rules.
const writingLabs = "https://sysadvent.github.io/about/writing-labs/"

// Rule IDs of the prose rules.
const (
	// RuleProseReplaced flags instructional prose of a tutorial that still
	// names a tool or command its lab replaced, or a component that went
	// away with a command (Rule.Gone).
	RuleProseReplaced RuleID = "prose-replaced-tool"
	// RuleProseStaleIntro flags an unmarked 2017 sentence that introduces
	// what no step does any more.
	RuleProseStaleIntro RuleID = "prose-stale-introduction"
)

// proseArticle is a tutorial with a lab for the prose rules' examples:
// its front matter, then body.
func proseArticle(body string) Example {
	return Example{File: true, Path: "content/2017/05-t.md",
		Code: "---\ntitle: T\ndate: 2017-12-05\nday: 5\nyear: 2017\nauthors: [A]\nhandles: {A: a}\nlab: t\n---\n\n" + body}
}

func staleProse(body string) Example { ex := proseArticle(body); ex.Stale = true; return ex }

var proseReplaced = &Rule{
	ID: RuleProseReplaced, Tool: "advent", Severity: SeverityError,
	Summary:     "a paragraph, list item or heading of a tutorial names a tool or command the lab replaced (its 2017 original used it, no step does), or a component that went away with a removed command (Tiller, the federation control plane)",
	Replacement: "describe what the steps run now, keeping the 2017 wording in {{< changed was=\"...\" why=\"...\" >}}new wording{{< /changed >}}",
	Source:      writingLabs,
	Examples: []Example{
		staleProse("Install Tiller first.\n\n```console {step=\"v\"}\n$ helm version\n```\n"),
		staleProse("## Part 5: Set up the federation control plane\n\n```console {step=\"v\"}\n$ kubectl version\n```\n"),
		staleProse("1. Join the work clusters to the federation control plane.\n2. Submit a job.\n\n```console {step=\"v\"}\n$ kubectl version\n```\n"),
		proseArticle("Helm 3 has no Tiller, so there is nothing to install.\n\n```console {step=\"v\"}\n$ helm version\n```\n"),
		proseArticle("{{< changed was=\"Install Tiller first.\" why=\"Helm 3 has no Tiller\" >}}Check Helm first.{{< /changed >}}\n\n```console {step=\"v\"}\n$ helm version\n```\n"),
	},
}

var proseStaleIntro = &Rule{
	ID: RuleProseStaleIntro, Tool: "advent", Severity: SeverityError,
	Summary:     "an unmarked 2017 sentence of a tutorial introduces what no step does: it ends with a colon before a 2017 original that no step follows, or before nothing at all, or it heads a section whose blocks are all 2017 originals",
	Replacement: "remove it with a why, or say what the steps do now: {{< changed was=\"...\" why=\"...\" >}}new wording{{< /changed >}}",
	Source:      writingLabs,
	Examples: []Example{
		staleProse("Create the configuration:\n\n```sh {original=\"2017\" note=\"x\"}\nkops create cluster\n```\n\nThen wait.\n\n```console {step=\"v\"}\n$ kind version\n```\n"),
		staleProse("```console {step=\"v\"}\n$ kind version\n```\n\n## Conclusion\n\nThere are many uses, including:\n\nGood luck!\n"),
		staleProse("## Part 4: Set up the host cluster\n\n```sh {original=\"2017\" note=\"x\"}\nkops update cluster\n```\n\n## Part 5\n\n```console {step=\"v\"}\n$ kind version\n```\n"),
		// The sentence introduces the step that replaces the original too.
		proseArticle("Provision the cluster by running:\n\n```sh {original=\"2017\" note=\"x\"}\nkops update cluster\n```\n\n```console {step=\"v\"}\n$ kind create cluster\n```\n"),
		proseArticle("{{< changed was=\"Create the configuration:\" why=\"kind needs none\" >}}There is nothing to configure.{{< /changed >}}\n\n```sh {original=\"2017\" note=\"x\"}\nkops create cluster\n```\n\nThen wait.\n\n```console {step=\"v\"}\n$ kind version\n```\n"),
		proseArticle("This job spec:\n\n- runs one container.\n\n```console {step=\"v\"}\n$ kind version\n```\n"),
	},
}

// proseRules are the rules about an article's prose.
var proseRules = []*Rule{proseReplaced, proseStaleIntro}

// replacedRE finds what an original's note says was replaced: "kind
// replaces Minikube", "instead of asking Minikube", "Without kubefed".
var replacedRE = regexp.MustCompile(`(?i)\b(?:replaces|instead of(?: asking)?|without)\s+([\w-]+)`)

// replacedTerms is what a tutorial's lab replaced, derived from the article
// and the command rules, never from a list of its own:
//   - for every command rule that fires on a 2017 original, the stale
//     command at the finding ("helm init") and the rule's tool when the
//     whole program is gone from the steps (kubefed);
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
	if r == nil || r.Command == nil {
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
}

// historical finds a sentence that tells what changed rather than what to
// do ("kubefed was archived in 2023", "used to be initialized with
// kubefed", "written in 2017 for kops"): naming the old tool is the point.
// A sentence that says the thing is not there ("Helm 3 has no Tiller",
// "without kubefed") is not an instruction to use it either.
var historical = regexp.MustCompile(`(?i)\b(?:was|were|used to|written|archived|replaced|replaces|instead|no longer|retired|removed|since 20\d\d|in (?:19|20)\d\d|no|not|without|gone|isn't|aren't)\b`)

var wordRE = regexp.MustCompile(`[\w-]+`)

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

// proseFindings reads every paragraph, list item and heading of a
// tutorial in its current wording (content.CurrentWording leaves out what
// a changed shortcode marks as 2017 wording), and its summary, for the
// terms its lab replaced and the components removed commands took with
// them (Rule.Gone), and for sentences that introduce what no step does.
func proseFindings(a *content.Article, originalFindings []Finding) []Finding {
	terms := proseTerms(a, originalFindings)
	var out []Finding
	if l, ok := a.Fields["summary"]; ok {
		out = append(out, namedTerms(a.Path, a.Summary, func(int) int { return l }, terms)...)
	}
	items := proseItems(a)
	for i, it := range items {
		if it.kind == itemBlock {
			continue
		}
		cur := content.CurrentWording(it.text)
		out = append(out, namedTerms(a.Path, cur, func(off int) int { return it.line + strings.Count(cur[:off], "\n") }, terms)...)
		if f, ok := staleIntro(a.Path, items, i); ok {
			out = append(out, f)
		}
	}
	return out
}

// proseTerm is a term prose must not tell the reader to use.
type proseTerm struct {
	term string
	re   *regexp.Regexp
	gone *Rule // the rule whose command took it away; nil for a term the lab replaced
}

// proseTerms are the terms the lab replaced (replacedTerms) and those
// every rule's Gone lists, except what a step's commands still contain.
func proseTerms(a *content.Article, originalFindings []Finding) []proseTerm {
	used := readCommands(a).used
	var out []proseTerm
	seen := map[string]bool{}
	add := func(t string, gone *Rule) {
		if k := strings.ToLower(t); !seen[k] && !used[k] {
			seen[k] = true
			out = append(out, proseTerm{term: t, gone: gone,
				re: regexp.MustCompile(`(?i)(^|[^\w-])` + regexp.QuoteMeta(t) + `($|[^\w-])`)})
		}
	}
	for _, r := range allRules {
		for _, t := range r.Gone {
			add(t, r)
		}
	}
	for _, t := range replacedTerms(a, originalFindings) {
		add(t, nil)
	}
	return out
}

// namedTerms finds the terms in text, an instruction's current wording;
// line maps an offset in text to its file line.
func namedTerms(path, text string, line func(off int) int, terms []proseTerm) []Finding {
	var out []Finding
	for _, t := range terms {
		for _, m := range t.re.FindAllStringSubmatchIndex(text, -1) {
			start := m[3] // after the leading boundary
			s := sentence(text, start)
			if historical.MatchString(s) {
				continue
			}
			msg := fmt.Sprintf("the prose names %q, which this lab replaced (its 2017 original ran it, no step does): %q", t.term, s)
			if t.gone != nil {
				msg = fmt.Sprintf("the prose names %q, which is gone (%s): %q", t.term, t.gone.ID, s)
			}
			out = append(out, Finding{
				Path: path, Line: line(start), Rule: RuleProseReplaced, Severity: SeverityError,
				Message: msg, Replacement: proseReplaced.Replacement, Source: proseReplaced.Source,
			})
		}
	}
	return out
}

// staleIntro reports items[i] when it is an unmarked 2017 sentence that
// introduces what no step does: a heading over 2017 originals only, or a
// sentence ending with a colon before an original that no step follows,
// or before nothing.
func staleIntro(path string, items []proseItem, i int) (Finding, bool) {
	it := items[i]
	cur := strings.TrimSpace(content.CurrentWording(it.text))
	if cur != strings.TrimSpace(it.text) || cur == "" {
		return Finding{}, false // an editor changed it
	}
	last := sentence(cur, max(0, len(cur)-1))
	if historical.MatchString(last) {
		return Finding{}, false
	}
	var why string
	switch {
	case it.kind == itemHeading:
		originals, steps := sectionBlocks(items, i)
		if originals == 0 || steps > 0 {
			return Finding{}, false
		}
		why = "heads a section whose blocks are all 2017 originals: no step does what it says"
	case !strings.HasSuffix(cur, ":"):
		return Finding{}, false
	default:
		// What the sentence introduces: the next item that is not a
		// paragraph of its own (a note may stand between).
		j := i + 1
		for j < len(items) && items[j].kind == itemText && items[j].top {
			j++
		}
		switch {
		case j == len(items) || items[j].kind == itemHeading:
			why = "ends with a colon but introduces nothing"
		case items[j].kind != itemBlock || !lab.IsOriginal(items[j].block):
			return Finding{}, false
		case j+1 < len(items) && items[j+1].kind == itemBlock && lab.IsLabBlock(items[j+1].block):
			return Finding{}, false // it introduces the step that replaced the original too
		default:
			why = "introduces a 2017 original that no step replaces"
		}
	}
	return Finding{
		Path: path, Line: it.line + strings.Count(cur, "\n"), // the last sentence ends the last line
		Rule: RuleProseStaleIntro, Severity: SeverityError,
		Message:     fmt.Sprintf("this 2017 sentence %s: %q", why, last),
		Replacement: proseStaleIntro.Replacement, Source: proseStaleIntro.Source,
	}, true
}

// sectionBlocks counts the originals and lab blocks of the section the
// heading items[i] opens.
func sectionBlocks(items []proseItem, i int) (originals, steps int) {
	for _, it := range items[i+1:] {
		if it.kind == itemHeading && it.level <= items[i].level {
			break
		}
		if it.kind != itemBlock {
			continue
		}
		switch {
		case lab.IsOriginal(it.block):
			originals++
		case lab.IsLabBlock(it.block):
			steps++
		}
	}
	return originals, steps
}

// sentence is the sentence of text around off, on one line. A sentence
// ends at a line end, or at . ! ? before a blank or the end (not inside
// Chart.yaml).
func sentence(text string, off int) string {
	start := 0
	for i := off - 1; i >= 0; i-- {
		if text[i] == '\n' || strings.IndexByte(".!?", text[i]) >= 0 && i+1 < len(text) && (text[i+1] == ' ' || text[i+1] == '\n') {
			start = i + 1
			break
		}
	}
	end := len(text)
	for i := off; i < len(text); i++ {
		if text[i] == '\n' || strings.IndexByte(".!?", text[i]) >= 0 && (i+1 == len(text) || text[i+1] == ' ' || text[i+1] == '\n') {
			end = i + 1
			break
		}
	}
	return strings.Join(strings.Fields(text[start:end]), " ")
}

// itemKind says what a proseItem is.
type itemKind int

const (
	itemText    itemKind = iota // a paragraph, or the text of a list item
	itemHeading                 // a heading
	itemBlock                   // a fenced code block
)

// proseItem is one paragraph, list item, heading or code block of an
// article, in document order.
type proseItem struct {
	kind  itemKind
	line  int    // file line of its first line
	text  string // the Markdown of text and headings, as written
	level int    // of a heading
	top   bool   // a paragraph of the document itself, not of a list or quote
	block *content.Block
}

// proseItems walks the article's body (goldmark's block structure, as
// Hugo reads it) for its text, headings and code blocks.
func proseItems(a *content.Article) []proseItem {
	body := a.Body
	if len(body) == 0 {
		return nil
	}
	lines := content.NewLines(body)
	lineOf := func(off int) int { return a.BodyLine + lines.Of(off) } // file line
	blocks := map[int]*content.Block{}
	for _, b := range a.Blocks {
		blocks[b.Line] = b
	}
	var items []proseItem
	_ = ast.Walk(docParser.Parse(text.NewReader(body)), func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.Heading, *ast.Paragraph, *ast.TextBlock:
			if n.Lines().Len() == 0 {
				return ast.WalkSkipChildren, nil
			}
			it := proseItem{kind: itemText, line: lineOf(n.Lines().At(0).Start), text: content.BlockText(body, n), top: n.Parent().Kind() == ast.KindDocument}
			if h, ok := n.(*ast.Heading); ok {
				it.kind, it.level = itemHeading, h.Level
			}
			items = append(items, it)
			return ast.WalkSkipChildren, nil
		case *ast.FencedCodeBlock:
			fenceLine, _ := lines.Fence(n)
			fence := a.BodyLine + fenceLine
			if b := blocks[fence]; b != nil {
				items = append(items, proseItem{kind: itemBlock, line: fence, block: b})
			}
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return items
}
