package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rogpeppe/go-internal/diff"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/rootfs"
	"github.com/sysadvent/advent/internal/runner"
)

func init() {
	register(define("labs accept", "[flags] NAME [STEP...]", "rewrite an article's expected output from the last run's actual output",
		(*labsAcceptFlags).bind, runLabsAccept).withLong(
		"Rewrites, in the article of lab NAME, the expected output of the named steps (by\n" +
			"default: the steps that failed) from what their commands printed in the last run\n" +
			"(results/NAME.json, or the last -from/-only run on a kept environment when it is\n" +
			"newer). Lines that still match stay as the author wrote them: ... elisions,\n" +
			"text... prefixes, /regexp/ lines and volatile values (ages, IPs, pod suffixes).\n" +
			"Prints the diff; writes nothing when the article would not change, or with -n.\n" +
			"Only the article changes: `advent labs extract` then writes labs/ from it."))
}

// labsAcceptFlags is the flagpole of `labs accept`.
type labsAcceptFlags struct {
	root, results string
	dryRun        bool
}

func (f *labsAcceptFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", ".", "project root holding content/ and labs/")
	fs.StringVar(&f.results, "results", "results", "directory of results/<lab>.json (relative to the root)")
	fs.BoolVar(&f.dryRun, "n", false, "print the diff, write nothing")
}

func runLabsAccept(e *invocation, f *labsAcceptFlags, args []string) error {
	if len(args) == 0 {
		return diag.Usagef("name the lab whose article to update")
	}
	l, err := acceptLab(f.root, args[0], args[1:])
	if err != nil {
		return err
	}
	results := f.results
	if !filepath.IsAbs(results) {
		results = filepath.Join(f.root, results)
	}
	steps, from, err := lastSteps(report.Path(results, l.Name), runner.KeptRunPath(keptDir(), l.Name))
	if err != nil {
		return err
	}
	if steps == nil {
		return fmt.Errorf("no run of lab %s is recorded (%s): run `advent lab run %s` first (or -from STEP on a kept environment)", l.Name, report.Path(results, l.Name), l.Name)
	}
	observed := acceptedOutputs(e, l, steps, args[1:])
	path := filepath.Join(f.root, filepath.FromSlash(l.Source))
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, accepted, skipped, err := lab.Accept(src, l, observed)
	if err != nil {
		return err
	}
	for _, s := range skipped {
		fmt.Fprintf(e.stderr, "%s: step %q: `%s` not accepted: %s\n", l.Source, s.Step, s.Cmd, s.Why)
	}
	if len(accepted) == 0 {
		fmt.Fprintf(e.stdout, "%s: nothing to accept: the expected output of the steps accepted from %s already matches what the run printed\n", l.Source, from)
		return nil
	}
	e.stdout.Write(diff.Diff("a/"+l.Source, src, "b/"+l.Source, out))
	for _, a := range accepted {
		fmt.Fprintf(e.stdout, "%s:%d: step %q: `%s`: expected output taken from the run\n", l.Source, a.Line, a.Step, firstLine(a.Cmd))
	}
	if f.dryRun {
		fmt.Fprintf(e.stdout, "%s: not written (-n)\n", l.Source)
		return nil
	}
	if err := writeArticle(f.root, l.Source, out); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s (from %s); review the diff, then `advent labs extract` writes labs/ from the article and `advent labs check` confirms\n", l.Source, from)
	return nil
}

// acceptLab is the lab named name, extracted from the articles under root,
// once every one of steps names one of its steps.
func acceptLab(root, name string, steps []string) (*lab.Lab, error) {
	labs, err := extractAll(root)
	if err != nil {
		return nil, err
	}
	var l *lab.Lab
	var known []string
	for _, x := range labs {
		known = append(known, x.Name)
		if x.Name == name {
			l = x
		}
	}
	if l == nil {
		return nil, diag.Usagef("unknown lab %q (labs: %s)", name, strings.Join(known, ", "))
	}
	for _, s := range steps {
		if runner.StepIndex(l, s) < 0 {
			var names []string
			for _, st := range l.Steps {
				names = append(names, st.Name)
			}
			return nil, diag.Usagef("lab %s has no step %q (steps: %s)", l.Name, s, strings.Join(names, ", "))
		}
	}
	return l, nil
}

// acceptedOutputs is what the commands of l's steps printed in their last
// run (results), for the steps named (by default those that failed). An
// output the results cut short is left out, with a warning.
func acceptedOutputs(e *invocation, l *lab.Lab, results map[string]*report.Step, named []string) []lab.Observed {
	var observed []lab.Observed
	for _, s := range l.Steps {
		res := results[s.Name]
		if res == nil || (len(named) > 0 && !slices.Contains(named, s.Name)) || (len(named) == 0 && res.Status != report.Fail) {
			continue
		}
		for k, o := range res.Outputs {
			if o.Truncated {
				fmt.Fprintf(e.stderr, "%s: step %q: the output of `%s` was cut at %d bytes in the results: write it by hand\n", l.Source, s.Name, o.Cmd, report.MaxCommandOutput)
				continue
			}
			observed = append(observed, lab.Observed{Step: s.Name, Index: k, Cmd: o.Cmd, Output: o.Output})
		}
	}
	return observed
}

// lastSteps is each step's result in the newest run that ran it, from the
// results file and the kept environment's last run, and which files it
// came from.
func lastSteps(paths ...string) (map[string]*report.Step, string, error) {
	type src struct {
		run  *report.Run
		path string
	}
	var runs []src
	for _, p := range paths {
		f, err := report.Read(p)
		if err != nil {
			return nil, "", err
		}
		if f != nil {
			for _, r := range f.Runs {
				runs = append(runs, src{r, p})
			}
		}
	}
	if len(runs) == 0 {
		return nil, "", nil
	}
	// Oldest first, so that newer runs' steps replace older ones.
	for i := 1; i < len(runs); i++ {
		for j := i; j > 0 && runs[j].run.Started.Before(runs[j-1].run.Started); j-- {
			runs[j], runs[j-1] = runs[j-1], runs[j]
		}
	}
	steps := map[string]*report.Step{}
	var from []string
	for _, r := range runs {
		for _, s := range r.run.Steps {
			if s.Status == report.NotRun || s.Status == report.Skipped {
				continue
			}
			steps[s.Name] = s
		}
		if !slices.Contains(from, r.path) {
			from = append(from, r.path)
		}
	}
	return steps, strings.Join(from, " and "), nil
}

func firstLine(s string) string {
	first, _, more := strings.Cut(s, "\n")
	if more {
		return first + " ..."
	}
	return first
}

// writeArticle replaces the article source (a slash path under root)
// with data, keeping its mode, whole or not at all (internal/rootfs): a
// reader (or an editor) sees the old article or the new, never half.
func writeArticle(root, source string, data []byte) error {
	r, err := os.OpenRoot(root)
	if err != nil {
		return err
	}
	defer r.Close()
	fi, err := r.Stat(source)
	if err != nil {
		return err
	}
	err = rootfs.WriteFile(r, source, data, fi.Mode().Perm())
	if errors.Is(err, rootfs.ErrSymlink) {
		return diag.Errorf(source, 0, 0, "symbolic link: advent does not write an article through a link; remove it")
	}
	return err
}
