package cli

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/page"
	"github.com/sysadvent/advent/internal/xexec"
)

func init() {
	register(&command{
		name:  "labs extract",
		usage: "[-root DIR]",
		help:  "write labs/<name>/ from the articles' lab blocks",
		run:   runLabsExtract,
	})
	register(&command{
		name:  "labs check",
		usage: "[-root DIR]",
		help:  "exit 1 when labs/ differs from what extraction would write; warn about steps whose check cannot fail",
		run:   runLabsCheck,
	})
}

// extractAll reads content/ under root and extracts every lab. A missing
// or empty content/ is an input error, never an empty labs/.
func extractAll(root string) ([]*lab.Lab, error) {
	arts, err := content.LoadSite(root)
	if err != nil {
		return nil, err
	}
	return lab.Extract(arts)
}

func labsFlags(e *env, name string, args []string) (string, error) {
	c := &command{name: name, usage: "[-root DIR]"}
	fs := c.flags(e)
	root := fs.String("root", ".", "project root holding content/ and labs/")
	if err := parse(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", diag.Usagef("%s takes no arguments, got %q", name, fs.Args())
	}
	return *root, nil
}

func runLabsExtract(e *env, args []string) error {
	root, err := labsFlags(e, "labs extract", args)
	if err != nil {
		return err
	}
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

func runLabsCheck(e *env, args []string) error {
	root, err := labsFlags(e, "labs check", args)
	if err != nil {
		return err
	}
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
func warnWeakChecks(e *env, labs []*lab.Lab) {
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
	register(&command{
		name:  "labs changed",
		usage: "[-base REF] [-all] [-format text|json]",
		help:  "list the labs whose article, lab files or tool versions changed since REF (CI's lab matrix)",
		run:   runLabsChanged,
	})
}

// toolFiles are the files that pin what labs run with: a change to them
// affects every lab.
var toolFiles = []string{"go.mod", "go.sum", "internal/images/", "internal/env/", "internal/runner/"}

func runLabsChanged(e *env, args []string) error {
	c := &command{name: "labs changed", usage: "[-base REF] [-all] [-format text|json]"}
	fs := c.flags(e)
	root := fs.String("root", ".", "project root holding content/ and labs/")
	base := fs.String("base", "origin/main", "git revision to compare HEAD with")
	all := fs.Bool("all", false, "list every lab")
	format := fs.String("format", "text", "text (one per line) or json (an array)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *format != "text" && *format != "json" {
		return diag.Usagef("-format %q: want text or json", *format)
	}
	labs, err := extractAll(*root)
	if err != nil {
		return err
	}
	var files []string
	if !*all {
		// xexec keeps git's stderr in the error ("unknown revision ...").
		out, err := xexec.Command("git", "-C", *root, "diff", "--name-only", *base+"...HEAD").
			WithTimeout(30 * time.Second).Output(e.ctx)
		if err != nil {
			return err
		}
		files = strings.Fields(string(out))
	}
	names := changedLabs(labs, files, *all)
	if *format == "json" {
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
