package lint

import (
	"path"
	"regexp"
	"strings"
	"sync"

	"mvdan.cc/sh/v3/syntax"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/lab"
)

// word is one shell word as the program receives it (quotes removed;
// expansions such as $VAR or $(...) kept as written), with its position
// in the file.
type word struct {
	s         string
	raw       string // as written, quotes and all: for replacements
	line, col int
}

// call is one simple command: a program and its arguments. Commands in
// pipelines, lists (&&, ||, ;) and command substitutions are calls of
// their own.
type call struct {
	words []word // words[0] is the program
}

// heredoc is the body of a here-document, which may be a manifest
// (kubectl apply -f - <<EOF).
type heredoc struct {
	text string
	line int // file line of the body's first line
}

// shellLang reports whether a block of lang holds shell commands: the
// languages the lab runner runs (lab.IsScriptLang, lab.IsTranscriptLang),
// the other shells tutorials label their blocks with, and no language.
func shellLang(lang string) bool {
	switch lang {
	case "", "zsh", "shell-script", "shellscript", "bash-session", "sh-session", "ksh", "fish", "cmd", "powershell", "ps1", "pwsh":
		return true
	}
	return lab.IsScriptLang(lang) || lab.IsTranscriptLang(lang)
}

// snippet is shell text taken from a block: a whole script, or one
// command of a transcript (without its prompt).
type snippet struct {
	text string
	line int // file line of the text's first line
	col  int // columns before the text on its first line (the prompt)
	// indent is the columns before every line: the block's indentation
	// (in a list item, or an indented code block).
	indent int
}

// promptRE matches the prompts of transcripts: "$ ", "% " (zsh),
// "user@host:~/dir$ " and "[user@host dir]# ".
var promptRE = regexp.MustCompile(`^(?:[$%]|[\w.-]+@[\w.-]+(?::\S*)?\s?[$#%]|\[[^\]\n]+\][$#%])(?: |$)`)

// blockSnippets splits a block into the shell text it holds.
func blockSnippets(b *content.Block) []snippet {
	indent := b.Col - 1
	if lab.IsTranscriptLang(b.Lang) || hasPrompt(b.Code) {
		if sn := labTranscript(b); len(sn) > 0 {
			return shift(withContinuations(b, sn), indent)
		}
		if sn := transcript(b); len(sn) > 0 {
			return shift(withContinuations(b, sn), indent)
		}
	}
	if strings.TrimSpace(b.Code) == "" {
		return nil
	}
	return []snippet{{text: b.Code, line: b.FirstLine, indent: indent}}
}

// withContinuations adds to a transcript's command that opens a
// here-document the lines the shell prompted for with its "> " prompt
// (PS2), without the prompt, as the shell read them.
func withContinuations(b *content.Block, sn []snippet) []snippet {
	lines := strings.Split(b.Code, "\n")
	for i := range sn {
		if !strings.Contains(sn[i].text, "<<") {
			continue
		}
		for l := sn[i].line - b.FirstLine + 1 + strings.Count(sn[i].text, "\n"); l < len(lines); l++ {
			rest, ok := strings.CutPrefix(lines[l], ">")
			if !ok {
				break
			}
			sn[i].text += "\n" + strings.TrimPrefix(rest, " ")
		}
	}
	return sn
}

func shift(sn []snippet, indent int) []snippet {
	for i := range sn {
		sn[i].indent = indent
	}
	return sn
}

func hasPrompt(code string) bool {
	for _, l := range strings.Split(code, "\n") {
		if promptRE.MatchString(l) {
			return true
		}
	}
	return false
}

// labTranscript reads a "$ " transcript the way the lab runner does
// (lab.Commands) and finds the line each command starts on.
func labTranscript(b *content.Block) []snippet {
	if !lab.IsTranscriptLang(b.Lang) {
		return nil
	}
	cmds := lab.Commands(b)
	if len(cmds) == 0 {
		return nil
	}
	lines := strings.Split(b.Code, "\n")
	var out []snippet
	next := 0
	for _, c := range cmds {
		first, _, _ := strings.Cut(c, "\n")
		found := false
		for i := next; i < len(lines); i++ {
			l := strings.TrimRight(lines[i], " \t")
			if strings.HasPrefix(l, "$ ") && strings.TrimRight(l[2:], " \t") == first {
				out = append(out, snippet{text: c, line: b.FirstLine + i, col: 2})
				next = i + 1 + strings.Count(c, "\n")
				found = true
				break
			}
		}
		if !found {
			return nil // not the transcript lab.Commands saw; read it ourselves
		}
	}
	return out
}

// transcript reads a transcript with any prompt promptRE knows. Lines
// without a prompt are output, except the continuation lines of a
// command that ends in a backslash.
func transcript(b *content.Block) []snippet {
	lines := strings.Split(strings.TrimRight(b.Code, "\n"), "\n")
	var out []snippet
	for i := 0; i < len(lines); i++ {
		p := promptRE.FindString(lines[i])
		if p == "" {
			continue
		}
		text, start := lines[i][len(p):], i
		for strings.HasSuffix(strings.TrimRight(text, " \t"), "\\") && i+1 < len(lines) {
			i++
			text += "\n" + lines[i]
		}
		if strings.TrimSpace(text) == "" {
			continue
		}
		out = append(out, snippet{text: text, line: b.FirstLine + start, col: len(p)})
	}
	return out
}

// parseSnippet finds the calls and here-documents of shell text. Text
// the shell parser rejects (transcripts in prose often hold placeholders
// such as <POD NAME>) is retried line by line, then split into words by
// a plain tokenizer, so one odd line does not hide the others.
func parseSnippet(sn snippet) ([]call, []heredoc) {
	if !mayMatter(sn.text) {
		return nil, nil
	}
	if calls, docs, ok := parseShell(sn.text, sn.line, sn.col, sn.indent); ok {
		return calls, docs
	}
	var (
		calls []call
		docs  []heredoc
	)
	for _, l := range logicalLines(sn.text) {
		col := 0
		if l.line == 0 {
			col = sn.col
		}
		if c, d, ok := parseShell(l.text, sn.line+l.line, col, sn.indent); ok {
			calls, docs = append(calls, c...), append(docs, d...)
			continue
		}
		calls = append(calls, tokenize(l.text, sn.line+l.line, col, sn.indent, true)...)
	}
	return calls, docs
}

type logicalLine struct {
	text string
	line int // 0-based line in the snippet
}

// logicalLines joins backslash continuations.
func logicalLines(text string) []logicalLine {
	var out []logicalLine
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		l := logicalLine{text: lines[i], line: i}
		for strings.HasSuffix(strings.TrimRight(l.text, " \t"), "\\") && i+1 < len(lines) {
			i++
			l.text += "\n" + lines[i]
		}
		if strings.TrimSpace(l.text) != "" {
			out = append(out, l)
		}
	}
	return out
}

var parsers = sync.Pool{New: func() any {
	return syntax.NewParser(syntax.Variant(syntax.LangBash), syntax.KeepComments(false))
}}

// placeholderRE matches the placeholders tutorials write in commands:
// <POD NAME>, <release>, [VALUES FILE]. The shell would read <X> as
// redirections and split [A B] in two.
var placeholderRE = regexp.MustCompile(`<[A-Za-z][A-Za-z0-9 _./:-]*[A-Za-z0-9_]>|\[[A-Za-z][A-Za-z0-9 _./:-]* [A-Za-z0-9 _./:-]*\]`)

// maskPlaceholders makes each placeholder one plain word of the same
// length ([POD_NAME]), so positions are unchanged.
func maskPlaceholders(text string) string {
	if !strings.ContainsAny(text, "<[") {
		return text
	}
	return placeholderRE.ReplaceAllStringFunc(text, func(p string) string {
		return "[" + strings.ReplaceAll(p[1:len(p)-1], " ", "_") + "]"
	})
}

// parseShell parses text with mvdan.cc/sh. line is the file line of the
// text's first line, col the columns before it on that line. Placeholders
// are masked for the parser; words keep their text as written in raw.
func parseShell(orig string, line, col, indent int) ([]call, []heredoc, bool) {
	text := maskPlaceholders(orig)
	p := parsers.Get().(*syntax.Parser)
	f, err := p.Parse(strings.NewReader(text), "")
	parsers.Put(p)
	if err != nil {
		return nil, nil, false
	}
	pos := func(sp syntax.Pos) (int, int) {
		l, c := int(sp.Line()), int(sp.Col())
		c += indent
		if l == 1 {
			c += col
		}
		return line + l - 1, c
	}
	var (
		calls []call
		docs  []heredoc
	)
	syntax.Walk(f, func(n syntax.Node) bool {
		switch n := n.(type) {
		case *syntax.CallExpr:
			var c call
			for _, a := range n.Args {
				l, cl := pos(a.Pos())
				raw := orig[a.Pos().Offset():a.End().Offset()]
				c.words = append(c.words, word{s: wordText(text, a), raw: raw, line: l, col: cl})
			}
			if c = unwrap(c); len(c.words) > 0 {
				calls = append(calls, c)
			}
		case *syntax.Redirect:
			if n.Hdoc != nil && len(n.Hdoc.Parts) > 0 {
				l, _ := pos(n.Hdoc.Pos())
				docs = append(docs, heredoc{
					text: orig[n.Hdoc.Pos().Offset():n.Hdoc.End().Offset()],
					line: l,
				})
			}
		}
		return true
	})
	return calls, docs, true
}

// wordText renders a word the way the program sees it, keeping
// expansions as written.
func wordText(src string, w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		writePart(&b, src, p, false)
	}
	return b.String()
}

func writePart(b *strings.Builder, src string, p syntax.WordPart, quoted bool) {
	switch p := p.(type) {
	case *syntax.Lit:
		b.WriteString(unescape(p.Value, quoted))
	case *syntax.SglQuoted:
		b.WriteString(p.Value)
	case *syntax.DblQuoted:
		for _, q := range p.Parts {
			writePart(b, src, q, true)
		}
	default:
		start, end := p.Pos().Offset(), p.End().Offset()
		if start <= end && int(end) <= len(src) {
			b.WriteString(src[start:end])
		}
	}
}

// unescape removes the backslashes the shell removes: any in an unquoted
// word, those before $ ` " \ in double quotes.
func unescape(s string, quoted bool) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && (!quoted || strings.IndexByte("$`\"\\\n", s[i+1]) >= 0) {
			i++
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// tokenize is the fallback for text the shell parser rejects: it splits
// words on blanks, honours quotes and backslashes, and starts a new call
// at | || && ; & and at line ends that are not continued.
func tokenize(text string, line, col, indent int, comments bool) []call {
	t := &tokenizer{text: text, indent: indent, comments: comments, l: line, c: indent + col + 1}
	for ; t.i < len(text); t.i++ {
		ch := text[t.i]
		if t.quote != 0 {
			t.quoted(ch)
		} else {
			t.plain(ch)
		}
		if ch != '\n' {
			t.c++
		}
	}
	t.endCall()
	return t.calls
}

// tokenizer is the state of tokenize.
type tokenizer struct {
	text     string
	indent   int
	comments bool

	calls []call
	cur   call
	w     strings.Builder
	inW   bool
	wl    int
	wc    int
	wi    int // offset of the word's first byte
	i     int
	l, c  int
	quote byte
}

// quoted reads ch inside quotes.
func (t *tokenizer) quoted(ch byte) {
	switch {
	case ch == t.quote:
		t.quote = 0
	case ch == '\\' && t.quote == '"' && t.i+1 < len(t.text) && strings.IndexByte("$`\"\\", t.text[t.i+1]) >= 0:
		t.i++
		t.c++
		t.w.WriteByte(t.text[t.i])
	default:
		t.w.WriteByte(ch)
		if ch == '\n' {
			t.l, t.c = t.l+1, t.indent+1
		}
	}
}

// plain reads ch outside quotes.
func (t *tokenizer) plain(ch byte) {
	switch {
	case ch == '\'' || ch == '"':
		t.start()
		t.quote = ch
	case ch == '\\' && t.i+1 < len(t.text):
		if t.text[t.i+1] == '\n' {
			t.endWord()
			t.i++
			t.l, t.c = t.l+1, t.indent
			return
		}
		t.start()
		t.i++
		t.c++
		t.w.WriteByte(t.text[t.i])
	case ch == ' ' || ch == '\t':
		t.endWord()
	case ch == '\n' || ch == ';' || ch == '|' || ch == '&':
		t.endCall()
		if ch == '\n' {
			t.l, t.c = t.l+1, t.indent+1
		}
	case ch == '#' && !t.inW && t.comments:
		for t.i+1 < len(t.text) && t.text[t.i+1] != '\n' {
			t.i++
		}
	default:
		t.start()
		t.w.WriteByte(ch)
	}
}

func (t *tokenizer) start() {
	if !t.inW {
		t.inW, t.wl, t.wc, t.wi = true, t.l, t.c, t.i
	}
}

func (t *tokenizer) endWord() {
	if t.inW {
		t.cur.words = append(t.cur.words, word{s: t.w.String(), raw: strings.TrimSpace(t.text[t.wi:t.i]), line: t.wl, col: t.wc})
		t.w.Reset()
		t.inW = false
	}
}

func (t *tokenizer) endCall() {
	t.endWord()
	if t.cur = unwrap(t.cur); len(t.cur.words) > 0 {
		t.calls = append(t.calls, t.cur)
	}
	t.cur = call{}
}

// unwrap drops leading VAR=value words and the programs that run another
// one (sudo, env, time, ...) with their own flags.
func unwrap(c call) call {
	ws := c.words
loop:
	for len(ws) > 0 {
		s := ws[0].s
		if isAssign(s) {
			ws = ws[1:]
			continue
		}
		switch path.Base(s) {
		case "sudo", "doas":
			ws = skipFlags(ws[1:], map[string]bool{"-u": true, "-g": true, "-C": true, "-h": true, "-p": true, "-U": true})
			continue
		case "env":
			ws = skipFlags(ws[1:], map[string]bool{"-u": true, "-C": true, "-S": true})
			continue
		case "time", "nohup", "exec", "command", "builtin":
			ws = skipFlags(ws[1:], nil)
			continue
		}
		break loop
	}
	c.words = ws
	return c
}

func skipFlags(ws []word, withValue map[string]bool) []word {
	for len(ws) > 0 && strings.HasPrefix(ws[0].s, "-") && ws[0].s != "-" {
		if ws[0].s == "--" {
			return ws[1:]
		}
		if withValue[ws[0].s] && len(ws) > 1 {
			ws = ws[1:]
		}
		ws = ws[1:]
	}
	return ws
}

var assignRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

func isAssign(s string) bool { return assignRE.MatchString(s) }

// program is the name a call runs: the base name of its first word
// (/usr/local/bin/helm, ./kubefed and C:/chef/bin/inspec.bat count).
func (c call) program() string {
	if len(c.words) == 0 {
		return ""
	}
	s := strings.ReplaceAll(c.words[0].s, `\`, "/")
	s = path.Base(s)
	for _, ext := range []string{".exe", ".bat", ".cmd"} {
		s = strings.TrimSuffix(s, ext)
	}
	return s
}

// dataLangs hold data or output, not code that could embed a command.
var dataLangs = map[string]bool{
	"yaml": true, "yml": true, "json": true, "toml": true, "ini": true, "xml": true,
	"csv": true, "text": true, "txt": true, "plaintext": true, "output": true,
	"log": true, "diff": true, "markdown": true, "md": true, "html": true,
}

// embeddedCalls finds command lines inside the string literals of code in
// another language: a Chef recipe's "inspec exec ... --attrs x", a
// Jenkinsfile's sh 'helm init'. Only strings whose first word is a
// program the rules know can produce findings.
func embeddedCalls(b *content.Block) []call {
	var calls []call
	for i, l := range strings.Split(b.Code, "\n") {
		for j := 0; j < len(l); j++ {
			q := l[j]
			if q != '"' && q != '\'' && q != '`' {
				continue
			}
			k := j + 1
			for k < len(l) && l[k] != q {
				if l[k] == '\\' && q != '\'' {
					k++
				}
				k++
			}
			if k >= len(l) {
				break // unterminated on this line
			}
			if s := l[j+1 : k]; strings.Contains(s, " ") && mayMatter(s) {
				calls = append(calls, tokenize(s, b.FirstLine+i, j+1, b.Col-1, false)...)
			}
			j = k
		}
	}
	return calls
}
