package lint

import (
	"regexp"
	"sort"
	"strings"
)

// tool is what lint knows of a program's command line, for every rule of
// that tool: its names, the flags that take a value (so that a flag's
// value is not read as a positional argument) and, for tools with
// plugins, its own commands.
type tool struct {
	programs   []string
	valueFlags map[string]bool
	// commands are the tool's own commands; any other first argument
	// names a plugin, whose flags are its own (helm 2to3 cleanup
	// --tiller-ns is how Helm 3 users remove Tiller). Nil: no plugins.
	commands map[string]bool
}

// tools are the programs the command rules read, by Rule.Tool.
var tools = map[string]tool{
	"helm":    {programs: []string{"helm"}, valueFlags: helmValueFlags, commands: helmCommands},
	"kubectl": {programs: []string{"kubectl"}, valueFlags: kubectlValueFlags},
	"kubeadm": {programs: []string{"kubeadm"}},
	"brew":    {programs: []string{"brew"}},
	"kubefed": {programs: []string{"kubefed", "kubefedctl"}},
	"inspec":  {programs: []string{"inspec"}, valueFlags: setOf("--attrs", "--input-file", "-t", "--target", "--reporter", "--controls", "-b", "--backend")},
	"kind":    {programs: []string{"kind"}, valueFlags: setOf("--name", "--image", "--config", "--kubeconfig", "--wait")},
	// What downloads and installs a tool: its rules read URLs and module paths.
	"helm-installer": {programs: []string{"curl", "wget", "go"}},
}

// toolOf maps a program name to its tool's name.
var toolOf = func() map[string]string {
	m := map[string]string{}
	for name, t := range tools {
		for _, p := range t.programs {
			m[p] = name
		}
	}
	return m
}()

// knownProgramRE finds text that may hold a call a rule knows, or a
// here-document; other shell text needs no parsing.
var knownProgramRE = func() *regexp.Regexp {
	names := make([]string, 0, len(toolOf))
	for p := range toolOf {
		names = append(names, regexp.QuoteMeta(p))
	}
	sort.Strings(names)
	return regexp.MustCompile(`\b(?:` + strings.Join(names, "|") + `)\b|<<`)
}()

func mayMatter(text string) bool { return knownProgramRE.MatchString(text) }

// command is one call of a tool's program, its words parsed into flags and
// positional arguments the way the tool reads them.
type command struct {
	call
	args
}

// verb is the first positional argument ("install" of helm install), or
// "" when there is none.
func (c command) verb() string {
	if len(c.pos) == 0 {
		return ""
	}
	return c.pos[0].s
}

// checkCall applies the command rules of the call's tool to one call and
// returns their hits in the order of the words.
func checkCall(c call) []hit {
	c.words = joinPlaceholders(c.words)
	for _, w := range c.words {
		if s := strings.ToLower(w.s); strings.Contains(s, "[tab]") || strings.Contains(s, "<tab>") {
			return nil // a shell completion demo, not a command to run
		}
	}
	name, ok := toolOf[c.program()]
	if !ok {
		return nil
	}
	t := tools[name]
	cmd := command{call: c, args: parseArgs(c.words[1:], t.valueFlags)}
	if t.commands != nil && cmd.verb() != "" && !t.commands[cmd.verb()] {
		return nil // a plugin's command
	}
	var hits []hit
	for _, r := range commandRules[name] {
		for _, h := range r.Command(cmd) {
			h.rule = r
			hits = append(hits, h)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		a, b := hits[i].at, hits[j].at
		return a.line < b.line || a.line == b.line && a.col < b.col
	})
	return hits
}

// joinPlaceholders makes one word of a placeholder that holds blanks, as
// tutorials write them: [VALUES FILE].yaml, <POD NAME>, {RELEASE NAME}.
// The shell splits them, which would make one argument look like two.
func joinPlaceholders(ws []word) []word {
	out := make([]word, 0, len(ws))
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		if unbalanced(w.s) {
			joined := w
			for j := i + 1; j < len(ws) && j <= i+6; j++ {
				joined.s += " " + ws[j].s
				joined.raw += " " + ws[j].raw
				if !unbalanced(joined.s) {
					w, i = joined, j
					break
				}
			}
		}
		out = append(out, w)
	}
	return out
}

// unbalanced reports whether s opens more [ < { than it closes.
func unbalanced(s string) bool {
	for _, p := range []string{"[]", "<>", "{}"} {
		if strings.Count(s, p[:1]) > strings.Count(s, p[1:]) {
			return true
		}
	}
	return false
}

// args is a command line split into flags and positional arguments.
type args struct {
	pos   []word
	flags []flagUse
	// dashes is the index in pos of the first argument after "--", or -1
	// when there is no "--".
	dashes int
}

type flagUse struct {
	name string // "--name", "-n"
	val  *word  // nil for a boolean flag
	at   word
}

// parseArgs splits words the way cobra/pflag would: flags anywhere,
// --flag=value, -f value for flags in withValue, -fvalue for one-letter
// flags in withValue, and everything after "--" positional.
func parseArgs(ws []word, withValue map[string]bool) args {
	a := args{dashes: -1}
	for i := 0; i < len(ws); i++ {
		w := ws[i]
		s := w.s
		switch {
		case s == "--":
			a.dashes = len(a.pos)
			a.pos = append(a.pos, ws[i+1:]...)
			return a
		case strings.HasPrefix(s, "--") && len(s) > 2:
			name, val, hasVal := strings.Cut(s, "=")
			f := flagUse{name: name, at: w}
			if hasVal {
				f.val = &word{s: val, raw: rawValue(w.raw, val), line: w.line, col: w.col + len(name) + 1}
			} else if withValue[name] && i+1 < len(ws) {
				i++
				f.val = &ws[i]
			}
			a.flags = append(a.flags, f)
		case strings.HasPrefix(s, "-") && len(s) > 1:
			short := s[:2]
			f := flagUse{name: s, at: w}
			switch {
			case withValue[short] && len(s) > 2:
				v := strings.TrimPrefix(s[2:], "=")
				f.name, f.val = short, &word{s: v, raw: rawValue(w.raw, v), line: w.line, col: w.col + 2}
			case withValue[s] && i+1 < len(ws):
				i++
				f.val = &ws[i]
			}
			a.flags = append(a.flags, f)
		default:
			a.pos = append(a.pos, w)
		}
	}
	return a
}

// flag returns the first use of any of names.
func (a args) flag(names ...string) *flagUse {
	for i := range a.flags {
		for _, n := range names {
			if a.flags[i].name == n {
				return &a.flags[i]
			}
		}
	}
	return nil
}

func setOf(s ...string) map[string]bool {
	m := make(map[string]bool, len(s))
	for _, x := range s {
		m[x] = true
	}
	return m
}

// rawValue is the value part of a --flag=value word as written.
func rawValue(raw, val string) string {
	if _, v, ok := strings.Cut(raw, "="); ok {
		return v
	}
	return val
}

func flagValue(f *flagUse) string {
	if f.val == nil {
		return "yaml"
	}
	return f.val.raw
}
