package cli

import (
	"fmt"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/site"
)

var (
	buildCmd = &command{
		name:  "build",
		usage: "[-root DIR] [-dest DIR] [-results DIR] [-kubernetes vX.Y] [-no-lint] [-base-url URL] [-quiet]",
		help:  "render the site with Hugo into public/ (lab badges from results/)",
	}
	serveCmd = &command{
		name:  "serve",
		usage: "[-root DIR] [-results DIR] [-kubernetes vX.Y] [-no-lint] [-bind ADDR] [-port N]",
		help:  "serve the site with live reload on 127.0.0.1:1313",
	}
)

func init() {
	buildCmd.run = runBuild
	serveCmd.run = runServe
	register(buildCmd)
	register(serveCmd)
}

func runBuild(e *env, args []string) error {
	fs := buildCmd.flags(e)
	opts := site.Options{}
	fs.StringVar(&opts.Root, "root", ".", "project root holding site.toml and content/")
	fs.StringVar(&opts.Destination, "dest", "public", "output directory, relative to the root or absolute")
	fs.StringVar(&opts.Results, "results", "results", "lab results directory (results/*.json), relative to the root or absolute")
	fs.StringVar(&opts.BaseURL, "base-url", "", "override the site's baseURL")
	fs.BoolVar(&opts.Quiet, "quiet", false, "print only the summary line")
	kube := fs.String("kubernetes", lint.DefaultKubernetes, "target Kubernetes release of the lint findings shown beside the 2017 originals")
	noLint := fs.Bool("no-lint", false, "show no lint findings beside the 2017 originals")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return diag.Usagef("build takes no arguments, got %q", fs.Args())
	}
	start := time.Now()
	if !*noLint {
		var err error
		if opts.Articles, opts.Data, err = lintSite(opts.Root, *kube); err != nil {
			return err
		}
	}
	res, err := site.Build(e.ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "advent: built %d articles into %s in %s\n", res.Articles, res.Dir, time.Since(start).Round(time.Millisecond))
	return nil
}

// lintSite parses and validates the content once, for the lint and the
// build, and returns the articles and the site data with their findings.
func lintSite(root, kube string) ([]*content.Article, map[string]any, error) {
	arts, err := site.Check(root)
	if err != nil {
		return nil, nil, err
	}
	data, err := lintData(arts, kube)
	if err != nil {
		return nil, nil, err
	}
	return arts, data, nil
}

// lintData lints the articles (their lab blocks and 2017 originals) for
// the site: the pages show each original's findings beside it
// (site.Options.Data "lint", see layouts/_markup/render-codeblock.html).
func lintData(arts []*content.Article, kube string) (map[string]any, error) {
	opts := lint.Options{Kubernetes: kube}
	target, err := opts.Target()
	if err != nil {
		return nil, diag.Usagef("-kubernetes: %v", err)
	}
	findings, err := lint.Articles(arts, opts)
	if err != nil {
		return nil, err
	}
	if findings == nil {
		findings = []lint.Finding{}
	}
	return map[string]any{"lint": map[string]any{"kubernetes": target.String(), "findings": findings}}, nil
}

func runServe(e *env, args []string) error {
	fs := serveCmd.flags(e)
	opts := site.ServeOptions{}
	fs.StringVar(&opts.Root, "root", ".", "project root holding site.toml and content/")
	fs.StringVar(&opts.Results, "results", "results", "lab results directory (results/*.json), relative to the root or absolute")
	fs.StringVar(&opts.Bind, "bind", "127.0.0.1", "interface to listen on")
	fs.IntVar(&opts.Port, "port", 1313, "port to listen on")
	kube := fs.String("kubernetes", lint.DefaultKubernetes, "target Kubernetes release of the lint findings shown beside the 2017 originals")
	noLint := fs.Bool("no-lint", false, "show no lint findings beside the 2017 originals")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return diag.Usagef("serve takes no arguments, got %q", fs.Args())
	}
	if !*noLint {
		var err error
		if _, opts.Data, err = lintSite(opts.Root, *kube); err != nil {
			return err
		}
	}
	return site.Serve(e.ctx, opts)
}
