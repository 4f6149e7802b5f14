// Package site renders the articles into a static site with Hugo, embedded
// as a library. Hugo bundles the page's TypeScript and CSS with esbuild
// (js.Build). A build goes to a temporary directory first and replaces the
// output directory only when it succeeded, so a broken article never leaves a
// half-written site behind.
package site

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gohugoio/hugo/commands"

	"github.com/sysadvent/advent/internal/content"
)

// Options says what to build.
type Options struct {
	Root        string // project root, holding site.toml and content/
	Config      string // Hugo config file, relative to Root (default site.toml)
	Destination string // output directory, relative to Root (default public)
	BaseURL     string // overrides the configured baseURL when set
	Quiet       bool
}

func (o *Options) defaults() {
	if o.Root == "" {
		o.Root = "."
	}
	if o.Config == "" {
		o.Config = "site.toml"
	}
	if o.Destination == "" {
		o.Destination = "public"
	}
}

// Result is what a successful build produced.
type Result struct {
	Dir      string // where the site was written
	Articles int
	Duration time.Duration
}

// hugoMu serialises calls into Hugo: its command layer keeps global state.
var hugoMu sync.Mutex

// Check validates the content a build would render (front matter, code
// block attributes, one article a day) without rendering it.
func Check(root string) ([]*content.Article, error) {
	return content.LoadDir(root, "content")
}

// Build validates the content, renders it with Hugo into a temporary
// directory and swaps that into place.
func Build(ctx context.Context, opts Options) (*Result, error) {
	opts.defaults()
	start := time.Now()
	arts, err := Check(opts.Root)
	if err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	dest := filepath.Join(opts.Root, opts.Destination)
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer os.RemoveAll(tmp)
	args := []string{"--config", opts.Config, "--source", opts.Root, "--destination", tmp, "--logLevel", "warn"}
	if opts.BaseURL != "" {
		args = append(args, "--baseURL", opts.BaseURL)
	}
	if opts.Quiet {
		args = append(args, "--quiet")
	}
	if err := runHugo(args, opts.Quiet); err != nil {
		return nil, err
	}
	if err := swap(tmp, dest); err != nil {
		return nil, err
	}
	return &Result{Dir: dest, Articles: len(content.Articles(arts)), Duration: time.Since(start)}, nil
}

// runHugo runs Hugo's command line in process.
func runHugo(args []string, quiet bool) error {
	hugoMu.Lock()
	defer hugoMu.Unlock()
	var err error
	if quiet {
		err = withStdout(io.Discard, func() error { return commands.Execute(args) })
	} else {
		err = commands.Execute(args)
	}
	if err != nil {
		return fmt.Errorf("hugo: %w", err)
	}
	return nil
}

// withStdout runs f with os.Stdout pointed at w (Hugo prints its build
// summary there).
func withStdout(w io.Writer, f func() error) error {
	r, pw, err := os.Pipe()
	if err != nil {
		return f()
	}
	saved := os.Stdout
	os.Stdout = pw
	done := make(chan struct{})
	go func() { io.Copy(w, r); close(done) }()
	ferr := f()
	os.Stdout = saved
	pw.Close()
	<-done
	r.Close()
	return ferr
}

// swap replaces dest with the freshly built tmp.
func swap(tmp, dest string) error {
	old := ""
	if _, err := os.Stat(dest); err == nil {
		old = tmp + ".old"
		if err := os.Rename(dest, old); err != nil {
			return fmt.Errorf("replace %s: %w", dest, err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("replace %s: %w", dest, err)
	}
	if err := os.Rename(tmp, dest); err != nil {
		if old != "" {
			os.Rename(old, dest)
		}
		return fmt.Errorf("replace %s: %w", dest, err)
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return nil
}

// ServeOptions says how to serve the site while editing.
type ServeOptions struct {
	Root   string
	Config string
	Bind   string // default 127.0.0.1
	Port   int    // default 1313
}

// Serve runs Hugo's live-reloading server until it is interrupted. It
// validates the content first, so a broken article is reported with its
// position instead of a half-rendered page.
func Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Config == "" {
		opts.Config = "site.toml"
	}
	if opts.Bind == "" {
		opts.Bind = "127.0.0.1"
	}
	if opts.Port == 0 {
		opts.Port = 1313
	}
	if _, err := Check(opts.Root); err != nil {
		return err
	}
	args := []string{"server", "--config", opts.Config, "--source", opts.Root,
		"--bind", opts.Bind, "--port", fmt.Sprint(opts.Port), "--baseURL", "http://" + opts.Bind + "/",
		"--disableFastRender", "--renderToMemory"}
	return runHugo(args, false)
}
