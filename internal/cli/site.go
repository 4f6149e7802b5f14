package cli

import (
	"fmt"
	"time"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/site"
)

func init() {
	register(&command{
		name:  "build",
		usage: "[-root DIR] [-dest DIR] [-base-url URL]",
		help:  "render the site with Hugo into public/",
		run:   runBuild,
	})
	register(&command{
		name:  "serve",
		usage: "[-root DIR] [-bind ADDR] [-port N]",
		help:  "serve the site with live reload on 127.0.0.1:1313",
		run:   runServe,
	})
}

func runBuild(e *env, args []string) error {
	c := &command{name: "build"}
	fs := c.flags(e)
	opts := site.Options{}
	fs.StringVar(&opts.Root, "root", ".", "project root holding site.toml and content/")
	fs.StringVar(&opts.Destination, "dest", "public", "output directory, relative to the root")
	fs.StringVar(&opts.BaseURL, "base-url", "", "override the site's baseURL")
	fs.BoolVar(&opts.Quiet, "quiet", false, "print only the summary line")
	if err := parse(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return diag.Usagef("build takes no arguments, got %q", fs.Args())
	}
	res, err := site.Build(e.ctx, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "advent: built %d articles into %s in %s\n", res.Articles, res.Dir, res.Duration.Round(time.Millisecond))
	return nil
}

func runServe(e *env, args []string) error {
	c := &command{name: "serve"}
	fs := c.flags(e)
	opts := site.ServeOptions{}
	fs.StringVar(&opts.Root, "root", ".", "project root holding site.toml and content/")
	fs.StringVar(&opts.Bind, "bind", "127.0.0.1", "interface to listen on")
	fs.IntVar(&opts.Port, "port", 1313, "port to listen on")
	if err := parse(fs, args); err != nil {
		return err
	}
	return site.Serve(e.ctx, opts)
}
