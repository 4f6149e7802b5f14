package cli

import (
	"flag"
	"fmt"
	"time"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/site"
)

func init() {
	register(define("build", "[-root DIR] [-dest DIR] [-results DIR] [-kubernetes vX.Y] [-no-lint] [-base-url URL] [-quiet]",
		"render the site with Hugo into public/ (lab badges from results/)",
		(*buildFlags).bind, runBuild))
	register(define("serve", "[-root DIR] [-results DIR] [-kubernetes vX.Y] [-no-lint] [-bind ADDR] [-port N]",
		"serve the site with live reload on 127.0.0.1:1313",
		(*serveFlags).bind, runServe))
}

// siteLintFlags are the flags of build and serve that choose the lint findings
// shown beside the 2017 originals.
type siteLintFlags struct {
	kube   string
	noLint bool
}

func (f *siteLintFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.kube, "kubernetes", lint.DefaultKubernetes, "target Kubernetes release of the lint findings shown beside the 2017 originals")
	fs.BoolVar(&f.noLint, "no-lint", false, "show no lint findings beside the 2017 originals")
}

// buildFlags is the flagpole of `build`.
type buildFlags struct {
	siteLintFlags
	opts site.Options
}

func (f *buildFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.opts.Root, "root", ".", "project root holding site.toml and content/")
	fs.StringVar(&f.opts.Destination, "dest", "public", "output directory, relative to the root or absolute")
	fs.StringVar(&f.opts.Results, "results", "results", "lab results directory (results/*.json), relative to the root or absolute")
	fs.StringVar(&f.opts.BaseURL, "base-url", "", "override the site's baseURL")
	fs.BoolVar(&f.opts.Quiet, "quiet", false, "print only the summary line")
	f.siteLintFlags.bind(fs)
}

func runBuild(e *invocation, f *buildFlags, args []string) error {
	if err := noArgs("build", args); err != nil {
		return err
	}
	opts := f.opts
	start := time.Now()
	var err error
	if opts.Lint, err = f.lintOptions(); err != nil {
		return err
	}
	res, err := site.Build(e.ctx, opts)
	if err != nil {
		return err
	}
	scheduled := ""
	if res.Scheduled > 0 {
		scheduled = fmt.Sprintf(" (%d more dated after today: Hugo publishes each from its date on)", res.Scheduled)
	}
	fmt.Fprintf(e.stdout, "advent: built %d articles%s into %s in %s\n", res.Articles, scheduled, res.Dir, time.Since(start).Round(time.Millisecond))
	return nil
}

// lintOptions is how the build lints the content for its pages (the
// findings show beside each 2017 original; see page.Model.AddLint): nil
// with -no-lint.
func (f *siteLintFlags) lintOptions() (*lint.Options, error) {
	if f.noLint {
		return nil, nil
	}
	opts := &lint.Options{Kubernetes: f.kube}
	if _, err := opts.Target(); err != nil {
		return nil, diag.Usagef("-kubernetes: %v", err)
	}
	return opts, nil
}

// serveFlags is the flagpole of `serve`.
type serveFlags struct {
	siteLintFlags
	opts site.ServeOptions
}

func (f *serveFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.opts.Root, "root", ".", "project root holding site.toml and content/")
	fs.StringVar(&f.opts.Results, "results", "results", "lab results directory (results/*.json), relative to the root or absolute")
	fs.StringVar(&f.opts.Bind, "bind", "127.0.0.1", "interface to listen on")
	fs.IntVar(&f.opts.Port, "port", 1313, "port to listen on")
	f.siteLintFlags.bind(fs)
}

func runServe(e *invocation, f *serveFlags, args []string) error {
	if err := noArgs("serve", args); err != nil {
		return err
	}
	opts := f.opts
	var err error
	if opts.Lint, err = f.lintOptions(); err != nil {
		return err
	}
	return site.Serve(e.ctx, opts)
}
