package cli

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
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
		return (*diag.Error)(fe)
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
		return inputError(err)
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
	files, err := fetchedResults(e, remote+"/"+branch)
	if err != nil {
		return err
	}
	// Every file was validated above: now they are written, each through
	// an os.Root of dir (never through a link).
	for _, f := range files {
		if err := report.WriteBytes(report.Path(dir, f.lab), f.data); err != nil {
			return inputError(err)
		}
	}
	fmt.Fprintf(e.stdout, "%d results files from %s/%s into %s\n", len(files), remote, branch, dir)
	return nil
}

// pulledFile is a results file of the fetched branch, validated.
type pulledFile struct {
	lab  string
	data []byte
}

// fetchedResults reads and validates every <lab>.json at the top of
// FETCH_HEAD (from, "remote/branch", names it in errors): the lab name is
// the project's, the entry a regular file of at most report.MaxFileSize
// bytes holding that lab's results. Other files (a README) are left.
func fetchedResults(e *invocation, from string) ([]pulledFile, error) {
	// -z: names exactly as they are (no quoting of non-ASCII, no split at
	// spaces); -l: sizes, checked before a blob is read.
	tree, err := xexec.Command("git", "ls-tree", "-z", "-l", "FETCH_HEAD").WithTimeout(gitTimeout).OutputString(e.ctx)
	if err != nil {
		return nil, err
	}
	var files []pulledFile
	var errs diag.List
	for _, entry := range strings.Split(strings.TrimSuffix(tree, "\x00"), "\x00") {
		meta, name, ok := strings.Cut(entry, "\t")
		labName, isJSON := strings.CutSuffix(name, ".json")
		if !ok || !isJSON {
			continue
		}
		where := from + ":" + name
		f, err := pullFile(e, meta, name, labName, where)
		if err != nil && !diag.IsInput(err) {
			return nil, err
		}
		if err != nil {
			errs = errs.Append(err)
			continue
		}
		files = append(files, f)
	}
	return files, errs.Err()
}

// pullFile validates one entry of the tree (meta is ls-tree's "mode type
// object size") and reads it.
func pullFile(e *invocation, meta, name, labName, where string) (pulledFile, error) {
	if err := lab.ValidName(lab.NameLab, labName); err != nil {
		return pulledFile{}, diag.Errorf(where, 0, 0, "results file of %v", err)
	}
	fields := strings.Fields(meta)
	if len(fields) != 4 || fields[1] != "blob" || (fields[0] != "100644" && fields[0] != "100755") {
		return pulledFile{}, diag.Errorf(where, 0, 0, "not a regular file (git tree entry %q)", meta)
	}
	if size, err := strconv.ParseInt(fields[3], 10, 64); err != nil || size > report.MaxFileSize {
		return pulledFile{}, diag.Errorf(where, 0, 0, "%s bytes: a results file is at most %d bytes", fields[3], report.MaxFileSize)
	}
	b, err := xexec.Command("git", "show", fields[2]).WithTimeout(gitTimeout).Output(e.ctx)
	if err != nil {
		return pulledFile{}, err
	}
	f, err := report.Parse(where, b)
	if err != nil {
		return pulledFile{}, inputError(err)
	}
	if f.Lab != labName {
		return pulledFile{}, diag.Errorf(where, 0, 0, "holds the results of lab %q: a results file is named for its lab", f.Lab)
	}
	return pulledFile{lab: labName, data: b}, nil
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
