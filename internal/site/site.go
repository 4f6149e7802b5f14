// Package site renders the articles into a static site with Hugo, embedded
// as a library (esbuild bundles the page's TypeScript and CSS through
// js.Build). A build goes to a temporary directory and replaces the output
// directory only when it succeeded. Data reaches the templates as
// hugo.Data.advent.NAME: the page model (internal/page) as "page", and each
// Options.Data entry, written as JSON to <root>/.advent/data before Hugo
// runs (docs/architecture.md, "Site data").
package site

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gohugoio/hugo/commands"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
	"github.com/sysadvent/advent/internal/page"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/rootfs"
)

// Default locations, relative to the project root.
const (
	DefaultConfig      = "site.toml"
	DefaultDestination = "public"
	DefaultResults     = "results"
	// DataDir holds Options.Data as JSON files; site.toml mounts it at
	// data/advent.
	DataDir = ".advent/data"
)

// Options says what to build.
type Options struct {
	Root        string // project root, holding site.toml and content/
	Config      string // Hugo config file, relative to Root (default site.toml)
	Destination string // output directory, relative to Root or absolute (default public)
	BaseURL     string // overrides the configured baseURL when set
	// Results is the directory of lab results (results/*.json),
	// relative to Root or absolute (default results). See the package
	// documentation.
	Results string
	// Data is written to <Root>/.advent/data/<name>.json before Hugo runs
	// and reaches the templates as hugo.Data.advent.<name>. Names are
	// lower-case letters, digits, '-' and '_'; "page" is the page model's.
	Data map[string]any
	// Lint, when set, lints the content (internal/lint, as `advent lint`
	// does with these options); the page model shows each finding on its
	// block (page.Model.AddLint), beside the 2017 originals. Nil: no lint.
	Lint  *lint.Options
	Quiet bool
}

func (o *Options) defaults() {
	if o.Root == "" {
		o.Root = "."
	}
	if o.Config == "" {
		o.Config = DefaultConfig
	}
	if o.Destination == "" {
		o.Destination = DefaultDestination
	}
	if o.Results == "" {
		o.Results = DefaultResults
	}
}

// under resolves p against root unless it is absolute.
func under(root, p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(root, p)
}

// Result is what a successful build produced.
type Result struct {
	Dir      string // where the site was written, as Options named it
	Articles int    // articles published now
	// Scheduled counts the articles dated after the build: Hugo leaves
	// them out until a build on or after their date.
	Scheduled int
	Duration  time.Duration
}

// hugoMu serialises calls into Hugo: its command layer keeps global state.
var hugoMu sync.Mutex

// Content is the project's content as Check returns it: the articles,
// parsed and validated, and the labs extracted from them (once, for the
// build's checks and its page model alike).
type Content struct {
	Articles []*content.Article
	Labs     []*lab.Lab
}

// Check validates the content a build would render (front matter, code
// block attributes, one article a day, raw HTML, every file Hugo would
// publish, static/, the data advent computes) and extracts its labs: the
// checks of `advent labs extract` and `advent lint` (lab.LoadSite), every
// problem at once, all without rendering. A missing or empty content/ is
// an input error.
func Check(root string) (*Content, error) {
	arts, labs, err := lab.LoadSite(root)
	if err != nil {
		return nil, err
	}
	return &Content{Articles: arts, Labs: labs}, nil
}

// hugoDataExts are the data formats Hugo would read from a data mount.
var hugoDataExts = map[string]bool{".yaml": true, ".yml": true, ".toml": true, ".xml": true, ".csv": true}

// CheckResults validates the results directory (relative to root unless
// absolute) before Hugo reads it: every .json file must be a results file
// (report.Read: syntax, types, schema) whose lab is a valid lab name, and no
// other data format Hugo would read may be there. Problems are input errors
// at path:line:col. A missing directory is fine (no results yet).
func CheckResults(root, results string) error {
	dir := under(root, results)
	var errs diag.List
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		name := display(root, p)
		switch ext := strings.ToLower(filepath.Ext(p)); {
		case d.Type()&fs.ModeSymlink != 0:
			errs = append(errs, diag.Errorf(name, 0, 0, "symbolic link in the results directory: copy the file instead"))
		case d.IsDir():
		case ext == ".json":
			errs = append(errs, checkResultsFile(name, p)...)
		case hugoDataExts[ext]:
			errs = append(errs, diag.Errorf(name, 0, 0, "the results directory holds report JSON files only: Hugo would read this %s file as results data", ext))
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("read results %s: %w", dir, err)
	}
	return errs.Err()
}

// checkResultsFile reads one results file; name is its path for errors.
func checkResultsFile(name, p string) diag.List {
	f, err := report.Read(p)
	var fe *report.FormatError
	switch {
	case errors.As(err, &fe):
		return diag.List{diag.Errorf(name, fe.Line, fe.Col, "%s", fe.Msg)}
	case err != nil:
		return diag.List{diag.Errorf(name, 0, 0, "%v", err)}
	case f == nil:
		return nil
	}
	if err := lab.ValidName(lab.NameLab, f.Lab); err != nil {
		line, col := 0, 0
		if b, rerr := os.ReadFile(p); rerr == nil {
			if i := bytes.Index(b, []byte(`"lab"`)); i >= 0 {
				line, col = content.Position(b, i)
			}
		}
		return diag.List{diag.Errorf(name, line, col, "results for %v", err)}
	}
	return nil
}

// display is p relative to root when it is inside root, else p.
func display(root, p string) string {
	if rel, err := filepath.Rel(root, p); err == nil && !strings.HasPrefix(rel, "..") {
		return filepath.ToSlash(rel)
	}
	return p
}

// Build validates the content, renders it with Hugo into a temporary
// directory and swaps that into place.
func Build(ctx context.Context, opts Options) (*Result, error) {
	opts.defaults()
	start := time.Now()
	c, err := Check(opts.Root)
	if err != nil {
		return nil, err
	}
	articles, scheduled := 0, 0
	for _, a := range content.Articles(c.Articles) {
		if a.Date.After(start) {
			scheduled++
		} else {
			articles++
		}
	}
	if err := CheckResults(opts.Root, opts.Results); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	data, err := withPageModel(opts.Root, opts.Results, c, opts.Lint, opts.Data)
	if err != nil {
		return nil, err
	}
	config, cleanup, err := prepare(opts.Root, opts.Config, data)
	if err != nil {
		return nil, err
	}
	// Absolute, because Hugo resolves a relative --destination against
	// --source, not the working directory.
	dest, err := filepath.Abs(under(opts.Root, opts.Destination))
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("build: %w", err)
	}
	if err := notLink(dest, "the site is written only into a real directory"); err != nil {
		cleanup()
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		cleanup()
		return nil, fmt.Errorf("build: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-")
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("build: %w", err)
	}
	args := []string{"--config", config, "--source", opts.Root, "--destination", tmp, "--logLevel", "warn"}
	if opts.BaseURL != "" {
		args = append(args, "--baseURL", opts.BaseURL)
	}
	if opts.Quiet {
		args = append(args, "--quiet")
	}
	// Hugo cannot be stopped part-way: when ctx ends first (Ctrl-C), the
	// build is abandoned, public/ is left as it was, and Build waits for
	// Hugo to return before it removes Hugo's half-written output, so no
	// .public.tmp-* outlives the process (which exits when Build returns).
	defer cleanup()
	defer os.RemoveAll(tmp)
	err = runHugo(args)
	if err != nil {
		return nil, hugoInputError(opts.Root, err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if err := rootfs.ReplaceDir(tmp, dest); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	return &Result{Dir: under(opts.Root, opts.Destination), Articles: articles, Scheduled: scheduled, Duration: time.Since(start)}, nil
}

// PageData is the name of the page model in the site data:
// hugo.Data.advent.page (see internal/page).
const PageData = "page"

// withPageModel returns data plus the page model of c with the results in
// results (relative to root unless absolute) and, with lintOpts, the lint
// findings; data that has a model already (tests) is returned as it is.
func withPageModel(root, results string, c *Content, lintOpts *lint.Options, data map[string]any) (map[string]any, error) {
	if _, ok := data[PageData]; ok {
		return data, nil
	}
	m, err := Model(root, results, c, lintOpts)
	if err != nil {
		return nil, err
	}
	out := map[string]any{PageData: m}
	for k, v := range data {
		out[k] = v
	}
	return out, nil
}

// Model computes the page model of c (as Check returns it) with the
// results in the results directory (relative to root unless absolute)
// and, with lintOpts, what internal/lint finds in it.
func Model(root, results string, c *Content, lintOpts *lint.Options) (*page.Model, error) {
	st, err := report.LoadStore(under(root, results))
	if err != nil {
		return nil, err
	}
	// A page says what is past end of life on the day it is built.
	m := page.ComputeOn(c.Articles, c.Labs, st, time.Now())
	if lintOpts != nil {
		findings, err := lint.Articles(c.Articles, *lintOpts)
		if err != nil {
			return nil, err
		}
		m.AddLint(findings)
		target, err := lintOpts.Target()
		if err != nil {
			return nil, err
		}
		m.AddStale(c.Articles, findings, page.Checked{Kubernetes: lint.Release(target), Helm: HelmChecked, Date: time.Now()})
	}
	return m, nil
}

// HelmChecked is the Helm release the lint of articles without a lab
// names in their header: its Helm rules are the commands Helm 4 no
// longer has.
const HelmChecked = "Helm 4"

// hugoPos finds the "file:line:col" Hugo's errors quote.
var hugoPos = regexp.MustCompile(`"([^"\n]+):(\d+):(\d+)": ([^\n]*)`)

// hugoInputError turns a Hugo error that Hugo places in a content or
// results file of the project (an unknown shortcode, say) into an input
// error at that file's path:line:col; other Hugo errors (a broken layout)
// are the tool's and stay as they are.
func hugoInputError(root string, err error) error {
	m := hugoPos.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	abs, aerr := filepath.Abs(root)
	if aerr != nil {
		return err
	}
	rel, rerr := filepath.Rel(abs, m[1])
	if rerr != nil || !filepath.IsAbs(m[1]) {
		return err
	}
	rel = filepath.ToSlash(rel)
	if !strings.HasPrefix(rel, "content/") {
		return err
	}
	line, _ := strconv.Atoi(m[2])
	col, _ := strconv.Atoi(m[3])
	return diag.Errorf(rel, line, col, "%s", strings.TrimSpace(m[4]))
}

// prepare writes the site data. It returns the --config value for Hugo
// and a function to call once Hugo is done.
func prepare(root, config string, data map[string]any) (string, func(), error) {
	if err := WriteData(root, data); err != nil {
		return "", func() {}, err
	}
	return config, func() {}, nil
}

var dataName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// WriteData makes <root>/.advent/data hold exactly data: one JSON file per
// entry, each written atomically; other .json files are removed. It writes
// through an os.Root of .advent/data and never through a symbolic link:
// .advent, .advent/data or a data file that is one is refused.
func WriteData(root string, data map[string]any) error {
	dir, err := openGenerated(root, DataDir)
	if err != nil {
		return fmt.Errorf("site data: %w", err)
	}
	defer dir.Close()
	for name, v := range data {
		if !dataName.MatchString(name) {
			return fmt.Errorf("site data: bad name %q (use lower-case letters, digits, - and _)", name)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("site data %s: %w", name, err)
		}
		if err := writeData(dir, filepath.Join(root, DataDir), name+".json", append(b, '\n')); err != nil {
			return fmt.Errorf("site data %s: %w", name, err)
		}
	}
	entries, err := fs.ReadDir(dir.FS(), ".")
	if err != nil {
		return fmt.Errorf("site data: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		// Remove of a symbolic link removes the link, never its target.
		if _, keep := data[name]; !keep {
			if err := dir.Remove(e.Name()); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("site data: %w", err)
			}
		}
	}
	return nil
}

// notLink refuses a path that is a symbolic link (why says what advent
// does instead); a missing path is fine.
func notLink(path, why string) error {
	fi, err := os.Lstat(path)
	if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return diag.Errorf(path, 0, 0, "symbolic link: %s; remove it", why)
	}
	return nil
}

// openGenerated makes the directory rel (slash-separated, e.g.
// .advent/data) under root, refusing a symbolic link at any of its
// elements, and opens it as an os.Root.
func openGenerated(root, rel string) (*os.Root, error) {
	p := root
	for _, elem := range strings.Split(rel, "/") {
		p = filepath.Join(p, elem)
		if err := notLink(p, "advent writes its generated files only into a real directory"); err != nil {
			return nil, err
		}
		if err := os.Mkdir(p, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
	}
	return os.OpenRoot(p)
}

// writeData writes b to name in dir (shown as path in errors) whole or not
// at all (internal/rootfs), so Hugo (or a concurrent build) never reads a
// half-written file. name may not be a symbolic link.
func writeData(dir *os.Root, path, name string, b []byte) error {
	err := rootfs.WriteFile(dir, name, b, 0o644)
	if errors.Is(err, rootfs.ErrSymlink) {
		return diag.Errorf(filepath.Join(path, name), 0, 0, "symbolic link: advent does not write through it; remove it")
	}
	return err
}

// runHugo runs Hugo's command line in process; its --quiet silences it.
func runHugo(args []string) error {
	hugoMu.Lock()
	defer hugoMu.Unlock()
	if err := commands.Execute(args); err != nil {
		return fmt.Errorf("hugo: %w", err)
	}
	return nil
}

// ServeOptions says how to serve the site while editing.
type ServeOptions struct {
	Root    string
	Config  string
	Bind    string         // default 127.0.0.1
	Port    int            // default 1313
	Results string         // as Options.Results
	Data    map[string]any // as Options.Data
	Lint    *lint.Options  // as Options.Lint; the content is linted again when it changes
}

// Serve runs Hugo's live-reloading server until it is interrupted. It
// validates the content first, so a broken article is reported with its
// position instead of a half-rendered page. Site data is written as for
// Build; Hugo watches it, so rewriting .advent/data reloads the pages.
func Serve(ctx context.Context, opts ServeOptions) error {
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Config == "" {
		opts.Config = DefaultConfig
	}
	if opts.Bind == "" {
		opts.Bind = "127.0.0.1"
	}
	if opts.Port == 0 {
		opts.Port = 1313
	}
	if opts.Results == "" {
		opts.Results = DefaultResults
	}
	c, err := Check(opts.Root)
	if err != nil {
		return err
	}
	if err := CheckResults(opts.Root, opts.Results); err != nil {
		return err
	}
	data, err := withPageModel(opts.Root, opts.Results, c, opts.Lint, opts.Data)
	if err != nil {
		return err
	}
	config, cleanup, err := prepare(opts.Root, opts.Config, data)
	if err != nil {
		return err
	}
	// The page model is keyed by block lines: recompute it when an article
	// or a results file changes, so that Hugo's reload finds every block.
	go watchModel(ctx, opts.Root, opts.Results, opts.Lint, opts.Data, time.Second)
	args := []string{"server", "--config", config, "--source", opts.Root,
		"--bind", opts.Bind, "--port", fmt.Sprint(opts.Port), "--baseURL", "http://" + opts.Bind + "/",
		"--disableFastRender", "--renderToMemory"}
	// Hugo's server stops on its own signal handling only: when ctx ends
	// first, Serve returns and the process exit ends the server.
	done := make(chan error, 1)
	go func() {
		done <- runHugo(args)
		cleanup()
	}()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case err := <-done:
		return err
	}
}

// watchModel rewrites the page model (and the rest of data) whenever the
// content or the results directory changes, until ctx ends. A content
// error is printed and the last good model kept: Hugo shows the error too.
func watchModel(ctx context.Context, root, results string, lintOpts *lint.Options, data map[string]any, every time.Duration) {
	last := fingerprint(root, results)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		fp := fingerprint(root, results)
		if fp == last {
			continue
		}
		last = fp
		if err := refreshModel(root, results, lintOpts, data); err != nil {
			fmt.Fprintf(os.Stderr, "advent: page model not updated: %v\n", err)
		}
	}
}

// refreshModel recomputes the page model from the files and writes the
// site data again.
func refreshModel(root, results string, lintOpts *lint.Options, data map[string]any) error {
	c, err := Check(root)
	if err != nil {
		return err
	}
	if err := CheckResults(root, results); err != nil {
		return err
	}
	m, err := Model(root, results, c, lintOpts)
	if err != nil {
		return err
	}
	out := map[string]any{PageData: m}
	for k, v := range data {
		if k != PageData {
			out[k] = v
		}
	}
	return WriteData(root, out)
}

// fingerprint summarises the names, sizes and times of the files under
// content/ and the results directory.
func fingerprint(root, results string) string {
	var b strings.Builder
	for _, dir := range []string{filepath.Join(root, "content"), under(root, results)} {
		filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			if fi, err := d.Info(); err == nil {
				fmt.Fprintf(&b, "%s %d %d\n", p, fi.Size(), fi.ModTime().UnixNano())
			}
			return nil
		})
	}
	return b.String()
}
