package importer

import (
	"encoding/json"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
	xhtml "golang.org/x/net/html"
)

// Lang is a code block's language, as its fence names it.
type Lang string

// Languages Guess can give.
const (
	LangConsole    Lang = "console" // a transcript: commands after "$ " or "# " prompts, and their output
	LangSh         Lang = "sh"      // a shell script or bare commands
	LangBash       Lang = "bash"    // a script that says it is bash
	LangYAML       Lang = "yaml"
	LangJSON       Lang = "json"
	LangXML        Lang = "xml"
	LangHTML       Lang = "html"
	LangDockerfile Lang = "dockerfile"
	LangINI        Lang = "ini"
	LangPython     Lang = "python"
	LangRuby       Lang = "ruby"
	LangPerl       Lang = "perl"
	LangGo         Lang = "go"
	LangText       Lang = "text" // nothing recognisable
)

var (
	promptLine   = regexp.MustCompile(`^(?:\$|[\w@.\-]+(?::[~\w/.\-]*)?[$#]|\[[^\]]+\][$#]) \S`)
	shebang      = regexp.MustCompile(`^#!\s*(?:/usr)?/bin/(?:env\s+)?(\w+)`)
	yamlKeyLine  = regexp.MustCompile(`^\s*(?:- )?[\w.\-/"']+:(?:\s|$)`)
	iniLine      = regexp.MustCompile(`^\s*(?:\[[^\]]+\]|[\w.\-]+\s*=.*|[;#].*)?\s*$`)
	dockerfileOp = regexp.MustCompile(`^(?i:FROM)\s+\S`)
	pythonLine   = regexp.MustCompile(`^(?:def \w+\(|import \w|from [\w.]+ import |class \w+.*:$|print\()`)
	rubyLine     = regexp.MustCompile(`^(?:require ['"]|def \w+\s*$|\s*end$|.* do \|[\w, ]+\|$)`)
	perlLine     = regexp.MustCompile(`^(?:use strict;|use warnings;|my [$@%]\w+)`)
	shellCommand = regexp.MustCompile(`^(?:sudo|apt-get|apt|yum|dnf|kubectl|helm|docker|cd|echo|export|curl|wget|git|ssh|scp|ls|cat|grep|tail|tcpdump|strace|service|systemctl|chmod|chown|mkdir|rm|cp|mv|make|tar|pip|gem|npm|go|for|if|while|vagrant|knife|chef-client|puppet|ansible|ansible-playbook|terraform|aws|gcloud|nc|dig|ping|ps|top|iptables|mysql|psql|redis-cli)(?:\s|$)`)
)

// Guess names the language of a code block whose source does not: a
// transcript with prompts is console, a valid JSON document json, a
// mapping of keys is yaml, and so on; text when nothing fits.
func Guess(code string) Lang {
	lines := nonEmptyLines(code)
	if len(lines) == 0 {
		return LangText
	}
	first := strings.TrimSpace(lines[0])
	if m := shebang.FindStringSubmatch(first); m != nil {
		switch m[1] {
		case "bash":
			return LangBash
		case "sh", "zsh", "ksh":
			return LangSh
		case "python", "python2", "python3":
			return LangPython
		case "ruby":
			return LangRuby
		case "perl":
			return LangPerl
		}
	}
	for _, l := range lines {
		if promptLine.MatchString(l) && !strings.HasPrefix(l, "#!") && !strings.HasPrefix(l, "# ") {
			return LangConsole
		}
	}
	if strings.HasPrefix(lines[0], "$ ") || strings.HasPrefix(lines[0], "# ") && shellCommand.MatchString(lines[0][2:]) {
		return LangConsole
	}
	trimmed := strings.TrimSpace(code)
	switch {
	case (strings.HasPrefix(trimmed, "{") || strings.HasPrefix(trimmed, "[")) && json.Valid([]byte(trimmed)):
		return LangJSON
	case strings.HasPrefix(trimmed, "<?xml"):
		return LangXML
	case strings.HasPrefix(trimmed, "<") && looksLikeMarkup(trimmed):
		return LangHTML
	case dockerfileOp.MatchString(first):
		return LangDockerfile
	case isYAML(code, lines):
		return LangYAML
	}
	if l := byLines(lines); l != "" {
		return l
	}
	return LangText
}

// byLines guesses from what most lines look like.
func byLines(lines []string) Lang {
	tally := map[Lang]int{}
	ini := 0
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case pythonLine.MatchString(t):
			tally[LangPython]++
		case rubyLine.MatchString(l):
			tally[LangRuby]++
		case perlLine.MatchString(t):
			tally[LangPerl]++
		case strings.HasPrefix(t, "package main") || strings.HasPrefix(t, "func "):
			tally[LangGo]++
		case shellCommand.MatchString(t):
			tally[LangSh]++
		}
		if iniLine.MatchString(l) {
			ini++
		}
	}
	if ini == len(lines) && len(lines) > 1 && strings.HasPrefix(strings.TrimSpace(lines[0]), "[") {
		return LangINI
	}
	best, n := Lang(""), 0
	for _, l := range []Lang{LangSh, LangPython, LangRuby, LangPerl, LangGo} {
		if tally[l] > n {
			best, n = l, tally[l]
		}
	}
	if n*3 < len(lines) {
		return ""
	}
	return best
}

// isYAML: most lines are keys or list items, and it parses as a mapping
// or a sequence.
func isYAML(code string, lines []string) bool {
	keys := 0
	for _, l := range lines {
		if yamlKeyLine.MatchString(l) || strings.TrimSpace(l) == "---" {
			keys++
		}
	}
	if keys < 2 || keys*2 < len(lines) {
		return false
	}
	dec := yaml.NewDecoder(strings.NewReader(code))
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err != nil {
			return err.Error() == "EOF"
		}
		if len(doc.Content) > 0 && doc.Content[0].Kind != yaml.MappingNode && doc.Content[0].Kind != yaml.SequenceNode {
			return false
		}
	}
}

func looksLikeMarkup(s string) bool {
	z := xhtml.NewTokenizer(strings.NewReader(s))
	tags := 0
	for {
		switch z.Next() {
		case xhtml.ErrorToken:
			return tags >= 2
		case xhtml.StartTagToken, xhtml.EndTagToken, xhtml.SelfClosingTagToken:
			tags++
		}
	}
}

func nonEmptyLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// brushes maps the language names of SyntaxHighlighter ("brush: x"),
// which old Blogger posts use, to fence languages.
var brushes = map[string]Lang{
	"bash": LangBash, "shell": LangSh, "sh": LangSh, "js": "javascript", "jscript": "javascript",
	"javascript": "javascript", "py": LangPython, "python": LangPython, "rb": LangRuby, "ruby": LangRuby,
	"pl": LangPerl, "perl": LangPerl, "xml": LangXML, "html": LangHTML, "xhtml": LangHTML,
	"plain": LangText, "text": LangText, "sql": "sql", "java": "java", "cpp": "cpp", "c": "c",
	"php": "php", "yaml": LangYAML, "json": LangJSON, "go": LangGo, "diff": "diff", "css": "css",
	"erlang": "erlang", "powershell": "powershell", "ps": "powershell", "scala": "scala",
}

var (
	classLanguage = regexp.MustCompile(`(?:^|\s)(?:language|lang)-([\w+#.-]+)`)
	brushLanguage = regexp.MustCompile(`brush:\s*([\w+#-]+)`)
	fenceLanguage = regexp.MustCompile(`^[\w+#.-]+$`)
)

// declaredLanguage is the language n's class names, if any.
func declaredLanguage(n *xhtml.Node) string {
	class := attr(n, "class")
	if m := classLanguage.FindStringSubmatch(class); m != nil {
		return strings.ToLower(m[1])
	}
	if m := brushLanguage.FindStringSubmatch(class); m != nil {
		if l, ok := brushes[strings.ToLower(m[1])]; ok {
			return string(l)
		}
		if fenceLanguage.MatchString(m[1]) {
			return strings.ToLower(m[1])
		}
	}
	return ""
}
