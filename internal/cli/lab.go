package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/env"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/practice"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/xexec"
)

func init() {
	register(define("lab run", "[flags] NAME... | -all", "run labs for real on kind clusters and containers",
		(*labRunFlags).bind, runLabRun).withLong(
		"Runs each named lab (every lab with -all) for real: kind clusters through kind's Go\n" +
			"API, containers through testcontainers-go, each step in bash in a fresh work directory,\n" +
			"checked as the article says. A lab unchanged since its last pass (same content, tools\n" +
			"and images) is skipped unless -force. Flags may follow the names.\n" +
			"-keep leaves one lab's environment up and says how to reach it; -from STEP and\n" +
			"-only STEP re-run steps on it without creating anything; `advent lab down NAME`\n" +
			"removes it. Such runs are never a pass and results/ does not record them.\n" +
			"Exit 1 when a lab fails, 2 on bad usage or when labs/ differs from the articles."))
	register(define("lab down", "[flags] NAME...", "remove the environments `lab run -keep` left up",
		(*backendFlags).bind, runLabDown))
	register(define("lab preboot", "[flags] NAME...", "boot a lab's clusters once and keep them as images its runs start from",
		(*labPrebootFlags).bind, runLabPreboot).withLong(
		"Creates each named lab's clusters with kind as a run does (node image, config, name,\n" +
			"the lab's images loaded), waits until their pods are Ready, stops them and keeps each\n" +
			"as a Docker image (" + env.PrebootRepo + ":CLUSTER-KEY). Later runs of the lab\n" +
			"(`lab run`, `lab practice`) start their clusters from these images, already booted,\n" +
			"instead of creating them, and say so in their output and results; -preboot=false on\n" +
			"those commands creates them with kind anyway. An image is used only while its key (kind\n" +
			"version, cluster name, node image, config, the images loaded) matches and it is\n" +
			"younger than 30 days; an image that is up to date is kept as it is."))
}

// UseBackend makes the commands that run labs use the backend newB makes
// instead of Docker: the tests of the real binary run labs on a fake.
func UseBackend(newB func(ctx context.Context) (runner.Backend, error)) {
	newBackend = func(ctx context.Context, _ *invocation, _ backendOptions) (runner.Backend, error) { return newB(ctx) }
}

// isTerminal reports whether r is a terminal (practice's real shell needs one).
func isTerminal(r io.Reader) bool {
	f, ok := r.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// keptDir is where kept environments are recorded (env.ReapStale spares
// what they hold).
func keptDir() string { return env.StateDir("kept") }

// newBackend makes the backend labs run on; tests replace it.
var newBackend = func(ctx context.Context, e *invocation, opts backendOptions) (runner.Backend, error) {
	return env.NewDockerBackend(ctx, env.DockerOptions{Mode: opts.mode, CacheDir: opts.cacheDir, Log: e.stderr, Preboot: opts.preboot})
}

type backendOptions struct {
	mode     string
	cacheDir string
	preboot  bool
}

// listFlag is a comma-separated list flag.
type listFlag []string

func (l *listFlag) String() string { return strings.Join(*l, ",") }
func (l *listFlag) Set(s string) error {
	*l = nil
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			*l = append(*l, v)
		}
	}
	return nil
}

// backendFlags are the flags of the commands that run labs: where the project
// is and what environment the labs get.
type backendFlags struct {
	root, mode, cacheDir string
	preboot              bool
}

func (f *backendFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", ".", "project root holding content/ and labs/")
	fs.StringVar(&f.mode, "mode", "", "online or air-gapped (default: $ADVENT_MODE, else detected)")
	fs.StringVar(&f.cacheDir, "cache", "", "image cache directory (default: advent images build's)")
	fs.BoolVar(&f.preboot, "preboot", true, "start a cluster from its pre-booted image (advent lab preboot) where one matches; -preboot=false creates every cluster with kind")
}

func (f *backendFlags) backend(e *invocation) (runner.Backend, error) {
	return newBackend(e.ctx, e, backendOptions{mode: f.mode, cacheDir: f.cacheDir, preboot: f.preboot})
}

// labPrebootFlags is the flagpole of `lab preboot`.
type labPrebootFlags struct {
	backendFlags
	kubernetes listFlag
	json       bool
}

func (f *labPrebootFlags) bind(fs *flag.FlagSet) {
	f.backendFlags.bind(fs)
	fs.Var(&f.kubernetes, "kubernetes", "comma-separated Kubernetes versions (default: the newest node image)")
	fs.BoolVar(&f.json, "json", false, "print the images as a JSON array on standard output (progress goes to standard error)")
}

// prebootLine is one image in the output of `lab preboot -json`.
type prebootLine struct {
	Lab     string    `json:"lab"`
	Cluster string    `json:"cluster"`
	Image   string    `json:"image"`
	Key     string    `json:"key"`
	Booted  time.Time `json:"booted"`
	Built   bool      `json:"built"`            // false: an image with the key existed
	TookMS  int64     `json:"took_ms,omitzero"` // making it, when built
}

func runLabPreboot(e *invocation, f *labPrebootFlags, names []string) error {
	if len(names) == 0 {
		return diag.Usagef("name a lab whose clusters to pre-boot")
	}
	labs, err := selectLabs(&labRunFlags{backendFlags: f.backendFlags}, names)
	if err != nil {
		return err
	}
	for _, l := range labs {
		if len(l.Resources.Clusters) == 0 {
			return diag.Usagef("lab %s has no cluster to pre-boot", l.Name)
		}
	}
	// Pre-booting makes Docker images of kind nodes: it needs Docker,
	// whatever backend the other commands run labs on.
	pb, err := env.NewDockerBackend(e.ctx, env.DockerOptions{Mode: f.mode, CacheDir: f.cacheDir, Log: e.stderr})
	if err != nil {
		return err
	}
	versions := []string(f.kubernetes)
	if len(versions) == 0 {
		versions = []string{""}
	}
	progress := e.stdout
	if f.json {
		progress = e.stderr
	}
	lines := []prebootLine{}
	for _, l := range labs {
		for _, v := range versions {
			imgs, err := pb.Preboot(e.ctx, l, v, progress)
			if err != nil {
				return err
			}
			for _, im := range imgs {
				lines = append(lines, prebootLine{Lab: l.Name, Cluster: im.Cluster, Image: im.Image, Key: im.Key,
					Booted: im.Booted, Built: im.Built, TookMS: im.Took.Milliseconds()})
				state := "up to date"
				if im.Built {
					state = fmt.Sprintf("built in %s", im.Took.Round(100*time.Millisecond))
				}
				fmt.Fprintf(progress, "%s: cluster %s: %s, %s\n", l.Name, im.Cluster, im.Image, state)
			}
		}
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(lines)
	}
	return nil
}

// labRunFlags is the flagpole of `lab run`.
type labRunFlags struct {
	backendFlags
	all, force, keep     bool
	results, junit, logs string
	from, only           string
	kubernetes           listFlag
}

func (f *labRunFlags) bind(fs *flag.FlagSet) {
	f.backendFlags.bind(fs)
	fs.BoolVar(&f.all, "all", false, "run every lab in labs/")
	fs.BoolVar(&f.force, "force", false, "run labs even when unchanged since their last pass")
	fs.StringVar(&f.results, "results", "results", "directory for results/<lab>.json (relative to the root)")
	fs.StringVar(&f.junit, "junit", "", "also write JUnit XML to this file")
	fs.StringVar(&f.logs, "logs", "", "export the clusters' logs here when a lab fails")
	fs.BoolVar(&f.keep, "keep", false, "leave the lab's environment up (clusters, containers, work directory) and say how to reach it")
	fs.StringVar(&f.from, "from", "", "re-run the kept environment's steps from this `step` on (see -keep)")
	fs.StringVar(&f.only, "only", "", "re-run this one `step` on the kept environment (see -keep)")
	fs.Var(&f.kubernetes, "kubernetes", "comma-separated Kubernetes versions to run cluster labs on (default: the newest node image: built, air-gapped; published by kind, online)")
}

func runLabRun(e *invocation, f *labRunFlags, names []string) error {
	labs, err := selectLabs(f, names)
	if err != nil {
		return err
	}
	if err := checkKeepFlags(f, labs); err != nil {
		return err
	}
	backend, err := f.backend(e)
	if err != nil {
		return err
	}
	return runLabs(e, f, backend, labs)
}

// checkKeepFlags checks -keep, -from and -only: one lab, one version, a
// step that exists.
func checkKeepFlags(f *labRunFlags, labs []*lab.Lab) error {
	if !f.keep && f.from == "" && f.only == "" {
		return nil
	}
	if f.from != "" && f.only != "" {
		return diag.Usagef("give -from or -only, not both")
	}
	if len(labs) != 1 || f.all {
		return diag.Usagef("-keep, -from and -only work on one lab at a time")
	}
	if len(f.kubernetes) > 1 {
		return diag.Usagef("-keep, -from and -only work on one Kubernetes version at a time")
	}
	for _, step := range []string{f.from, f.only} {
		if step != "" && runner.StepIndex(labs[0], step) < 0 {
			var known []string
			for _, s := range labs[0].Steps {
				known = append(known, s.Name)
			}
			return diag.Usagef("lab %s has no step %q (steps: %s)", labs[0].Name, step, strings.Join(known, ", "))
		}
	}
	return nil
}

func runLabDown(e *invocation, f *backendFlags, names []string) error {
	if len(names) == 0 {
		return diag.Usagef("name a lab whose kept environment to remove (kept: %s)", strings.Join(runner.KeptLabs(keptDir()), ", "))
	}
	var labs []*lab.Lab
	for _, n := range names {
		if _, err := runner.ReadKept(keptDir(), n); err != nil {
			if errors.Is(err, runner.ErrNotKept) {
				return diag.Usagef("lab %s has no kept environment (kept: %s)", n, strings.Join(runner.KeptLabs(keptDir()), ", "))
			}
			return err
		}
		l, err := lab.Load(filepath.Join(f.root, "labs"), n)
		if err != nil {
			return err
		}
		labs = append(labs, l)
	}
	backend, err := f.backend(e)
	if err != nil {
		return err
	}
	for _, l := range labs {
		if err := runner.Down(e.ctx, l, runner.Options{Backend: backend, KeptDir: keptDir(), Progress: e.stdout}); err != nil {
			return err
		}
	}
	return nil
}

// selectLabs loads the named labs (every lab with -all) after checking
// that labs/ is what the articles say.
func selectLabs(f *labRunFlags, names []string) ([]*lab.Lab, error) {
	labsDir := filepath.Join(f.root, "labs")
	switch {
	case f.all && len(names) > 0:
		return nil, diag.Usagef("give lab names or -all, not both")
	case f.all:
		var err error
		if names, err = lab.Names(labsDir); err != nil {
			return nil, err
		}
	case len(names) == 0:
		return nil, diag.Usagef("name a lab to run (or -all)")
	}
	// The labs must be what the articles say.
	current, err := extractAll(f.root)
	if err != nil {
		return nil, err
	}
	if drift, err := lab.Drift(labsDir, current); err != nil {
		return nil, err
	} else if len(drift) > 0 {
		return nil, &diag.Error{Path: labsDir, Msg: "labs/ is out of date with the articles: run `advent labs extract` (see `advent labs check`)"}
	}
	var labs []*lab.Lab
	for _, n := range names {
		l, err := lab.Load(labsDir, n)
		if errors.Is(err, lab.ErrUnknownLab) {
			known, _ := lab.Names(labsDir)
			return nil, diag.Usagef("unknown lab %q (labs: %s)", n, strings.Join(known, ", "))
		}
		if err != nil {
			return nil, err
		}
		labs = append(labs, l)
	}
	return labs, nil
}

// runLabs runs each lab on each Kubernetes version asked for, writes the
// results and JUnit, and returns errFailed when a lab failed.
func runLabs(e *invocation, f *labRunFlags, backend runner.Backend, labs []*lab.Lab) error {
	versions := []string(f.kubernetes)
	if len(versions) == 0 {
		versions = []string{""}
	}
	resultsDir := f.results
	if !filepath.IsAbs(resultsDir) {
		resultsDir = filepath.Join(f.root, resultsDir)
	}
	commit := gitCommit(e.ctx, f.root)
	var (
		suites []report.Suite
		failed bool
	)
	for _, l := range labs {
		vs := versions
		if len(l.Resources.Clusters) == 0 {
			vs = []string{""} // the Kubernetes version does not matter
		}
		for _, v := range vs {
			if e.ctx.Err() != nil {
				break
			}
			run, err := runner.Run(e.ctx, l, runner.Options{
				Backend: backend, Kubernetes: v, ResultsDir: resultsDir, Force: f.force,
				Commit: commit, Keep: f.keep, Progress: e.stdout, LogsDir: f.logs,
				KeptDir: keptDir(), Owner: env.Self().String(), From: f.from, Only: f.only,
			})
			if err != nil {
				return err
			}
			if run.Status == report.Fail {
				failed = true
			}
			if run.Status != report.Unchanged && run.Status != report.Kept {
				suites = append(suites, report.Suite{Lab: l.Name, Run: run})
			}
		}
		if f, err := report.Read(report.Path(resultsDir, l.Name)); err == nil && f != nil && f.FirstFailing != "" {
			fmt.Fprintf(e.stdout, "%s: first failing Kubernetes version: %s (an earlier version passes)\n", l.Name, f.FirstFailing)
		}
	}
	if f.junit != "" {
		if err := report.WriteJUnit(f.junit, suites); err != nil {
			return err
		}
	}
	if e.ctx.Err() != nil {
		return e.ctx.Err()
	}
	if failed {
		return errFailed
	}
	return nil
}

// gitCommit names the commit the articles come from ("" outside git).
func gitCommit(ctx context.Context, root string) string {
	commit, err := xexec.Command("git", "-C", root, "rev-parse", "--short=12", "HEAD").WithTimeout(10 * time.Second).OutputString(ctx)
	if err != nil {
		return ""
	}
	if err := xexec.Command("git", "-C", root, "diff", "--quiet", "HEAD", "--", "content", "labs").WithTimeout(10 * time.Second).Run(ctx); err != nil {
		commit += "-dirty"
	}
	return commit
}

func init() {
	register(define("lab practice", "[flags] NAME", "practise a lab hands-on in the terminal (make lab LAB=NAME)",
		(*labPracticeFlags).bind, runLabPractice))
}

// labPracticeFlags is the flagpole of `lab practice`.
type labPracticeFlags struct {
	backendFlags
	auto, reset, simple bool
	kubernetes          string
}

func (f *labPracticeFlags) bind(fs *flag.FlagSet) {
	f.backendFlags.bind(fs)
	fs.BoolVar(&f.auto, "auto", false, "run the whole lab hands-off")
	fs.BoolVar(&f.reset, "reset", false, "forget saved progress and start over")
	fs.BoolVar(&f.simple, "simple", false, "advent's line prompt instead of your own bash (the default where stdin is not a terminal)")
	fs.StringVar(&f.kubernetes, "kubernetes", "", "Kubernetes version of the lab's clusters (default: the newest node image: built, air-gapped; published by kind, online)")
}

func runLabPractice(e *invocation, f *labPracticeFlags, args []string) error {
	if len(args) != 1 {
		return diag.Usagef("name one lab to practise")
	}
	labsDir := filepath.Join(f.root, "labs")
	l, err := lab.Load(labsDir, args[0])
	if errors.Is(err, lab.ErrUnknownLab) {
		known, _ := lab.Names(labsDir)
		return diag.Usagef("unknown lab %q (labs: %s)", args[0], strings.Join(known, ", "))
	}
	if err != nil {
		return err
	}
	backend, err := f.backend(e)
	if err != nil {
		return err
	}
	err = practice.Run(e.ctx, l, practice.Options{
		Runner: runner.Options{Backend: backend, Kubernetes: f.kubernetes},
		In:     e.stdin, Out: e.stdout, Auto: f.auto, Reset: f.reset,
		Shell: !f.simple && !f.auto && isTerminal(e.stdin),
	})
	if errors.Is(err, practice.ErrQuit) {
		return nil
	}
	return err
}
