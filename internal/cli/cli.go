// Package cli is advent's command line: its subcommands, each declared
// once with define (usage, help, a flagpole of its flags, what runs it;
// flags may follow the arguments), and their exit codes. It is the one
// place where errors are printed.
//
// Exit codes: 0 everything passed, 1 something failed (a lab, a check, a
// build), 2 bad usage or bad input (with a path:line: message).
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/sysadvent/advent/internal/diag"
)

// Exit codes.
const (
	ExitOK       = 0
	ExitFailed   = 1
	ExitBadUsage = 2
)

// errFailed reports that the command ran and found failures it already
// printed (a failed lab, a drifted labs/ directory, lint findings).
var errFailed = errors.New("failed")

// invocation is what every command gets: its context and standard streams.
type invocation struct {
	ctx    context.Context
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// command is one subcommand, declared once with define: its name, usage
// line, help, flags and what runs it.
type command struct {
	name  string // "build", "labs extract", ...
	usage string // one line of arguments
	help  string // one line, for `advent help`
	long  string // what `advent NAME -h` says instead of help, when set
	// setup declares the command's flags on fs and returns what runs it
	// with the positional arguments once they are parsed.
	setup func(fs *flag.FlagSet) func(e *invocation, args []string) error
}

var commandList []*command

func register(c *command) { commandList = append(commandList, c) }

// define declares a command in kind's style: F is its flagpole, a struct
// holding every flag's value; flags binds F's fields to fs; run gets the
// parsed flagpole and the positional arguments. Flags may come before or
// after the positional arguments ("lab run helm -force"); "--" ends the
// flags.
func define[F any](name, usage, help string, flags func(f *F, fs *flag.FlagSet), run func(e *invocation, f *F, args []string) error) *command {
	return &command{name: name, usage: usage, help: help,
		setup: func(fs *flag.FlagSet) func(e *invocation, args []string) error {
			f := new(F)
			if flags != nil {
				flags(f, fs)
			}
			return func(e *invocation, args []string) error { return run(e, f, args) }
		}}
}

// withLong sets the text `advent NAME -h` prints (help stays the line
// `advent help` lists) and returns c.
func (c *command) withLong(text string) *command { c.long = text; return c }

// exec runs c with its arguments (after the command's name).
func (c *command) exec(e *invocation, args []string) error {
	fs := c.flags(e)
	run := c.setup(fs)
	if err := parse(fs, args); err != nil {
		return err
	}
	return run(e, fs.Args())
}

// Main runs advent with args (without the program name) and returns the
// exit code.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	return MainIO(ctx, args, os.Stdin, stdout, stderr)
}

// MainIO is Main with an explicit standard input (practice mode reads it).
func MainIO(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &invocation{ctx: ctx, stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 || args[0] == "help" || args[0] == "-h" || args[0] == "--help" {
		printUsage(stdout)
		if len(args) == 0 {
			return ExitBadUsage
		}
		return ExitOK
	}
	cmd, rest := find(args)
	if cmd == nil {
		fmt.Fprintf(stderr, "advent: unknown command %q\n", strings.Join(args[:min(2, len(args))], " "))
		printUsage(stderr)
		return ExitBadUsage
	}
	err := cmd.exec(e, rest)
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, flag.ErrHelp):
		return ExitOK
	case errors.Is(err, errFailed):
		return ExitFailed
	case errors.As(err, new(*silentUsage)):
		return ExitBadUsage
	case diag.IsInput(err):
		fmt.Fprintln(stderr, err)
		var u *diag.UsageError
		if errors.As(err, &u) {
			fmt.Fprintf(stderr, "usage: advent %s %s\n", cmd.name, cmd.usage)
		}
		return ExitBadUsage
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(stderr, "advent %s: interrupted\n", cmd.name)
		return ExitFailed
	default:
		fmt.Fprintf(stderr, "advent %s: %v\n", cmd.name, err)
		return ExitFailed
	}
}

// find picks the longest registered command name that prefixes args.
func find(args []string) (*command, []string) {
	var best *command
	bestLen := 0
	for _, c := range commandList {
		words := strings.Fields(c.name)
		if len(words) > len(args) || len(words) <= bestLen {
			continue
		}
		match := true
		for i, w := range words {
			if args[i] != w {
				match = false
				break
			}
		}
		if match {
			best, bestLen = c, len(words)
		}
	}
	if best == nil {
		return nil, nil
	}
	return best, args[bestLen:]
}

func printUsage(w io.Writer) {
	cmds := append([]*command(nil), commandList...)
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].name < cmds[j].name })
	fmt.Fprintln(w, "usage: advent COMMAND [flags]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "commands:")
	for _, c := range cmds {
		fmt.Fprintf(w, "  %-16s %s\n", c.name, c.help)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'advent COMMAND -h' for a command's flags.")
}

// flags returns a FlagSet for c that reports errors as usage errors.
func (c *command) flags(e *invocation) *flag.FlagSet {
	fs := flag.NewFlagSet("advent "+c.name, flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	fs.Usage = func() {
		text := c.help
		if c.long != "" {
			text = c.long
		}
		fmt.Fprintf(e.stderr, "usage: advent %s %s\n\n%s\n", c.name, c.usage, text)
		if hasFlags(fs) {
			fmt.Fprintln(e.stderr, "\nflags:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func hasFlags(fs *flag.FlagSet) bool {
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	return n > 0
}

// parse parses args, flags before, between or after the positional
// arguments (which fs.Args then returns, in order); "--" ends the flags.
// A bad flag is a usage error (already printed by flag).
func parse(fs *flag.FlagSet, args []string) error {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return err
			}
			return &silentUsage{err}
		}
		rest := fs.Args()
		if n := len(args) - len(rest); len(rest) == 0 || (n > 0 && args[n-1] == "--") {
			pos = append(pos, rest...)
			break
		}
		pos, args = append(pos, rest[0]), rest[1:]
	}
	// fs.Args is what follows "--": the positional arguments only.
	return fs.Parse(append([]string{"--"}, pos...))
}

// silentUsage is a usage error the flag package has printed already.
type silentUsage struct{ err error }

func (s *silentUsage) Error() string { return s.err.Error() }
