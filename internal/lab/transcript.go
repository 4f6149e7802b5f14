package lab

import (
	"strings"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
)

// Languages of blocks that run.
var (
	transcriptLangs = map[string]bool{"console": true, "shell-session": true, "terminal": true}
	scriptLangs     = map[string]bool{"sh": true, "bash": true, "shell": true}
)

// parseCommands turns a block into commands: a console transcript gives one
// command per "$ " prompt with the output printed under it; a sh or bash
// block is one script whose output is not checked.
func parseCommands(file string, b *content.Block) ([]Command, error) {
	switch {
	case transcriptLangs[b.Lang]:
		return parseTranscript(file, b)
	case scriptLangs[b.Lang]:
		if strings.TrimSpace(b.Code) == "" {
			return nil, diag.Errorf(file, b.Line, b.Col, "empty %s block", b.Lang)
		}
		return []Command{{Cmd: strings.TrimRight(b.Code, "\n"), Line: b.FirstLine}}, nil
	}
	return nil, diag.Errorf(file, b.Line, b.Col, "a %q block cannot run: use console (a transcript with $ prompts) or sh, or write it with file=\"PATH\"", b.Lang)
}

// parseTranscript splits a console transcript into commands and their
// expected output. A command starts at "$ " and continues over lines that
// end in a backslash; the lines up to the next prompt are its output.
func parseTranscript(file string, b *content.Block) ([]Command, error) {
	lines := strings.Split(strings.TrimRight(b.Code, "\n"), "\n")
	var cmds []Command
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		cmd, ok := prompt(line)
		if !ok {
			if strings.TrimSpace(line) == "" && len(cmds) == 0 {
				continue
			}
			if len(cmds) == 0 {
				return nil, diag.Errorf(file, b.FirstLine+i, 1, "transcript starts with output: the first line must be a command after a \"$ \" prompt")
			}
			c := &cmds[len(cmds)-1]
			c.Expect = append(c.Expect, strings.TrimRight(line, " \t"))
			continue
		}
		c := Command{Cmd: cmd, Line: b.FirstLine + i}
		for strings.HasSuffix(c.Cmd, "\\") && i+1 < len(lines) {
			i++
			c.Cmd += "\n" + lines[i]
		}
		if strings.TrimSpace(c.Cmd) == "" {
			return nil, diag.Errorf(file, c.Line, 1, "empty command after the prompt")
		}
		cmds = append(cmds, c)
	}
	if len(cmds) == 0 {
		return nil, diag.Errorf(file, b.Line, b.Col, "transcript has no command: start lines with \"$ \"")
	}
	for i := range cmds {
		e := cmds[i].Expect
		for len(e) > 0 && strings.TrimSpace(e[len(e)-1]) == "" {
			e = e[:len(e)-1]
		}
		if len(e) == 0 {
			e = nil
		}
		cmds[i].Expect = e
	}
	return cmds, nil
}

// prompt returns the command of a "$ cmd" line.
func prompt(line string) (string, bool) {
	if line == "$" {
		return "", true
	}
	if strings.HasPrefix(line, "$ ") {
		return strings.TrimRight(line[2:], " \t"), true
	}
	return "", false
}

// Commands returns the commands of a transcript or script block as a
// reader would copy them (no prompts, no output). Used by the site's copy
// button tests and by practice mode.
func Commands(b *content.Block) []string {
	cmds, err := parseCommands("", b)
	if err != nil {
		return nil
	}
	out := make([]string, len(cmds))
	for i, c := range cmds {
		out[i] = c.Cmd
	}
	return out
}
