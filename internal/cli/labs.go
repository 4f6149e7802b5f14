package cli

import (
	"encoding/json"
	"flag"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/page"
	"github.com/sysadvent/advent/internal/xexec"
)

func init() {
	register(define("labs extract", "[-root DIR]", "write labs/<name>/ from the articles' lab blocks",
		(*rootFlags).bind, runLabsExtract))
	register(define("labs check", "[-root DIR]", "exit 1 when labs/ differs from what extraction would write; warn about steps whose check cannot fail",
		(*rootFlags).bind, runLabsCheck))
}

// rootFlags is the flagpole of the commands that read the project's
// content/ and labs/ and take no arguments.
type rootFlags struct{ root string }

func (f *rootFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", ".", "project root holding content/ and labs/")
}

// extractAll reads content/ under root and extracts every lab. A missing
// or empty content/ is an input error, never an empty labs/.
func extractAll(root string) ([]*lab.Lab, error) {
	_, labs, err := lab.LoadSite(root)
	return labs, err
}

// noArgs is the usage error of a command (name) that takes no arguments.
func noArgs(name string, args []string) error {
	if len(args) > 0 {
		return diag.Usagef("%s takes no arguments, got %q", name, args)
	}
	return nil
}

func runLabsExtract(e *invocation, f *rootFlags, args []string) error {
	if err := noArgs("labs extract", args); err != nil {
		return err
	}
	root := f.root
	labs, err := extractAll(root)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "labs")
	if err := lab.Write(dir, labs); err != nil {
		return err
	}
	for _, l := range labs {
		fmt.Fprintf(e.stdout, "%s: %d steps from %s\n", filepath.Join(dir, l.Name), len(l.Steps), l.Source)
	}
	return nil
}

func runLabsCheck(e *invocation, f *rootFlags, args []string) error {
	if err := noArgs("labs check", args); err != nil {
		return err
	}
	root := f.root
	labs, err := extractAll(root)
	if err != nil {
		return err
	}
	warnWeakChecks(e, labs)
	drift, err := lab.Drift(filepath.Join(root, "labs"), labs)
	if err != nil {
		return err
	}
	if len(drift) > 0 {
		for _, d := range drift {
			fmt.Fprintln(e.stderr, d)
		}
		fmt.Fprintln(e.stderr, "labs/ is out of date: run `advent labs extract` and commit the result")
		return errFailed
	}
	fmt.Fprintf(e.stdout, "labs/ matches the articles (%d labs)\n", len(labs))
	return nil
}

// warnWeakChecks prints a warning for each step whose check cannot fail
// (page.CannotFail: no expected output beyond "...", no exit, no match), so
// authors see which steps only prove that their commands exit 0. The page
// says "Ran without an output check" for them. Warnings do not change the
// exit code.
func warnWeakChecks(e *invocation, labs []*lab.Lab) {
	for _, l := range labs {
		for i := range l.Steps {
			s := &l.Steps[i]
			if page.CannotFail(s) {
				fmt.Fprintf(e.stderr, "%s:%d:1: warning: step %q only checks that its commands exit 0: add the output they print (or exit=, match=) so the check can fail\n", l.Source, s.Line, s.Name)
			}
		}
	}
}

func init() {
	register(define("labs changed", "[-root DIR] [-base REF] [-all] [-format text|json]",
		"list the labs whose article, lab files or tool versions changed since REF (CI's lab matrix)",
		(*labsChangedFlags).bind, runLabsChanged))
}

// labsChangedFlags is the flagpole of `labs changed`.
type labsChangedFlags struct {
	rootFlags
	base, format string
	all          bool
}

func (f *labsChangedFlags) bind(fs *flag.FlagSet) {
	f.rootFlags.bind(fs)
	fs.StringVar(&f.base, "base", "origin/main", "git revision to compare HEAD with")
	fs.BoolVar(&f.all, "all", false, "list every lab")
	fs.StringVar(&f.format, "format", "text", "text (one per line) or json (an array)")
}

// toolFiles are the files that pin what labs run with: a change to them
// affects every lab.
var toolFiles = []string{"go.mod", "go.sum", "internal/images/", "internal/env/", "internal/runner/"}

func runLabsChanged(e *invocation, f *labsChangedFlags, args []string) error {
	if err := noArgs("labs changed", args); err != nil {
		return err
	}
	if f.format != "text" && f.format != "json" {
		return diag.Usagef("-format %q: want text or json", f.format)
	}
	labs, err := extractAll(f.root)
	if err != nil {
		return err
	}
	var files []string
	if !f.all {
		// xexec keeps git's stderr in the error ("unknown revision ...").
		out, err := xexec.Command("git", "-C", f.root, "diff", "--name-only", f.base+"...HEAD").
			WithTimeout(30 * time.Second).Output(e.ctx)
		if err != nil {
			return err
		}
		files = strings.Fields(string(out))
	}
	names := changedLabs(labs, files, f.all)
	if f.format == "json" {
		b, _ := json.Marshal(names)
		fmt.Fprintln(e.stdout, string(b))
		return nil
	}
	for _, n := range names {
		fmt.Fprintln(e.stdout, n)
	}
	return nil
}

// changedLabs maps changed files to the labs they affect.
func changedLabs(labs []*lab.Lab, files []string, all bool) []string {
	names := []string{}
	for _, l := range labs {
		hit := all
		for _, f := range files {
			if hit {
				break
			}
			if f == l.Source || strings.HasPrefix(f, "labs/"+l.Name+"/") {
				hit = true
			}
			for _, t := range toolFiles {
				if f == t || (strings.HasSuffix(t, "/") && strings.HasPrefix(f, t)) {
					hit = true
				}
			}
		}
		if hit {
			names = append(names, l.Name)
		}
	}
	return names
}
