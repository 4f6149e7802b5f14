package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/xexec"
)

func init() {
	register(define("results merge", "[-into DIR] [-event EVENT] PATH...",
		"merge new results (files or directories of them) into the published ones, keeping each step's history",
		(*resultsMergeFlags).bind, runResultsMerge))
	register(define("results pull", "[-remote NAME] [-branch NAME] [-dir DIR]",
		"copy the published results (the results branch) into results/ to rebuild the site locally",
		(*resultsPullFlags).bind, runResultsPull))
	register(define("results summary", "[-format markdown|github] PATH...",
		"lab results as a job summary (markdown) or GitHub annotations (github)",
		(*resultsSummaryFlags).bind, runResultsSummary))
}

// inputError turns a file that is not results into bad input (exit 2).
func inputError(err error) error {
	var fe *report.FormatError
	if errors.As(err, &fe) {
		return diag.Errorf(fe.Path, fe.Line, fe.Col, "%s", fe.Msg)
	}
	return err
}

// loadResults reads results files and directories into one store. A file
// that is not results is bad input (exit 2).
func loadResults(paths []string) (report.Store, error) {
	st := report.Store{}
	for _, p := range paths {
		if _, err := os.Stat(p); err != nil {
			return nil, diag.Errorf(p, 0, 0, "no such file or directory")
		}
		s, err := report.LoadStore(p)
		if err != nil {
			return nil, inputError(err)
		}
		for _, n := range s.Labs() {
			st.Add(s[n])
		}
	}
	return st, nil
}

// resultsMergeFlags is the flagpole of `results merge`.
type resultsMergeFlags struct{ into, event string }

func (f *resultsMergeFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.into, "into", "results", "the published results: read, merged into, written back (<lab>.json files)")
	fs.StringVar(&f.event, "event", "", "GitHub event that started the new runs (schedule, push, workflow_dispatch), recorded where a run has none")
}

func runResultsMerge(e *invocation, f *resultsMergeFlags, args []string) error {
	if len(args) == 0 {
		return diag.Usagef("results merge: name the new results (files or directories)")
	}
	if f.event == "pull_request" || f.event == "pull_request_target" {
		return diag.Usagef("results merge: -event %s: results of pull requests are never published", f.event)
	}
	into, event := f.into, f.event
	fresh, err := loadResults(args)
	if err != nil {
		return err
	}
	pub, err := report.LoadStore(into)
	if err != nil {
		return inputError(err)
	}
	for _, n := range fresh.Labs() {
		f := fresh[n]
		if event != "" {
			report.StampEvent(f, event)
		}
		pub.Add(f)
	}
	if err := pub.Write(into); err != nil {
		return err
	}
	for _, n := range pub.Labs() {
		f := pub[n]
		var vs []string
		for _, r := range f.Runs {
			v := r.Kubernetes
			if v == "" {
				v = "no cluster"
			}
			vs = append(vs, fmt.Sprintf("%s %s %s", v, r.Status, r.Started.UTC().Format("2006-01-02")))
		}
		fmt.Fprintf(e.stdout, "%s: %s\n", report.Path(into, n), strings.Join(vs, ", "))
		for _, r := range f.Runs {
			for _, w := range report.RetryWarnings(r) {
				fmt.Fprintf(e.stdout, "  ! %s (%s)\n", w, r.Kubernetes)
			}
		}
	}
	return nil
}

// gitTimeout bounds one git command of results pull.
const gitTimeout = 2 * time.Minute

// resultsPullFlags is the flagpole of `results pull`.
type resultsPullFlags struct{ remote, branch, dir string }

func (f *resultsPullFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.remote, "remote", "origin", "git remote that holds the results branch")
	fs.StringVar(&f.branch, "branch", "results", "branch the pages workflow writes the merged results to")
	fs.StringVar(&f.dir, "dir", "results", "where to write the <lab>.json files (the site reads results/)")
}

func runResultsPull(e *invocation, f *resultsPullFlags, args []string) error {
	if err := noArgs("results pull", args); err != nil {
		return err
	}
	remote, branch, dir := f.remote, f.branch, f.dir
	git := func(args ...string) (string, error) {
		return xexec.Command("git", args...).WithTimeout(gitTimeout).OutputString(e.ctx)
	}
	if _, err := git("fetch", "--quiet", "--depth=1", remote, "refs/heads/"+branch); err != nil {
		var xe *xexec.Error
		if errors.As(err, &xe) && strings.Contains(xe.OutputText(), "couldn't find remote ref") {
			fmt.Fprintf(e.stdout, "%s has no branch %s: nothing published yet\n", remote, branch)
			return nil
		}
		return fmt.Errorf("fetch the published results: %w", err)
	}
	names, err := git("ls-tree", "--name-only", "FETCH_HEAD")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	n := 0
	for _, name := range strings.Fields(names) {
		if filepath.Ext(name) != ".json" || strings.ContainsAny(name, `/\`) {
			continue
		}
		b, err := xexec.Command("git", "show", "FETCH_HEAD:"+name).WithTimeout(gitTimeout).Output(e.ctx)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			return err
		}
		n++
	}
	// What was written must read as results.
	if _, err := report.LoadStore(dir); err != nil {
		return inputError(err)
	}
	fmt.Fprintf(e.stdout, "%d results files from %s/%s into %s\n", n, remote, branch, dir)
	return nil
}

// resultsSummaryFlags is the flagpole of `results summary`.
type resultsSummaryFlags struct{ format string }

func (f *resultsSummaryFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.format, "format", "markdown", "markdown: job summary with per-step ✓/✗ and diffs; github: ::error annotations on the articles' lines")
}

func runResultsSummary(e *invocation, f *resultsSummaryFlags, args []string) error {
	if len(args) == 0 {
		return diag.Usagef("results summary: name the results (files or directories)")
	}
	st, err := loadResults(args)
	if err != nil {
		return err
	}
	switch f.format {
	case "markdown":
		return report.WriteMarkdown(e.stdout, st)
	case "github":
		return report.WriteAnnotations(e.stdout, st)
	}
	return diag.Usagef("results summary: -format %q: want markdown or github", f.format)
}
