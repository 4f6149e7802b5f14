// Package site renders the articles into a static site with Hugo, embedded
// as a library. Hugo bundles the page's TypeScript and CSS with esbuild
// (js.Build). A build goes to a temporary directory first and replaces the
// output directory only when it succeeded, so a broken article never leaves a
// half-written site behind.
//
// # Site data
//
// Two kinds of data reach the templates besides the content:
//
//   - Lab results, results/*.json (report.File), as hugo.Data.results.
//     site.toml mounts <root>/results at data/results. Options.Results
//     names another directory: the build then passes Hugo a generated
//     config override (<root>/.advent/config-*.toml, removed afterwards)
//     that restates site.toml's module mounts with that directory as the
//     source of data/results. File names are free-form (helm.json,
//     helm-v1.33.json, ...): the templates match a file on its "lab" field.
//   - Options.Data: each entry is written as JSON to
//     <root>/.advent/data/<name>.json before Hugo runs (atomically, by
//     rename), and site.toml mounts .advent/data at data/advent, so the
//     entry "lint" is hugo.Data.advent.lint. The directory mirrors the
//     last build's Options.Data: other .json files in it are removed, so
//     a build without lint findings never shows stale ones. .advent/ is
//     generated and belongs in .gitignore.
package site

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gohugoio/hugo/commands"
	"github.com/pelletier/go-toml/v2"

	"github.com/sysadvent/advent/internal/content"
)

// Default locations, relative to the project root.
const (
	DefaultConfig      = "site.toml"
	DefaultDestination = "public"
	DefaultResults     = "results"
	// DataDir holds Options.Data as JSON files; site.toml mounts it at
	// data/advent.
	DataDir = ".advent/data"
	// resultsTarget is where the results directory is mounted.
	resultsTarget = "data/results"
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
	// lower-case letters, digits, '-' and '_'. "lint" holds the lint
	// findings shown beside the 2017 originals:
	// {"findings": [{path, line, col, block_line, rule, message, ...}]}.
	Data map[string]any
	// Articles, when set, is the content as Check returned it: a caller
	// that parsed and validated it already (to lint it, say) saves Build
	// doing it again.
	Articles []*content.Article
	Quiet    bool
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
	arts := opts.Articles
	if arts == nil {
		var err error
		if arts, err = Check(opts.Root); err != nil {
			return nil, err
		}
	}
	articles := len(content.Articles(arts))
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	config, cleanup, err := prepare(opts.Root, opts.Config, opts.Results, opts.Data)
	if err != nil {
		return nil, err
	}
	defer cleanup()
	dest := under(opts.Root, opts.Destination)
	if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dest), "."+filepath.Base(dest)+".tmp-")
	if err != nil {
		return nil, fmt.Errorf("build: %w", err)
	}
	defer os.RemoveAll(tmp)
	args := []string{"--config", config, "--source", opts.Root, "--destination", tmp, "--logLevel", "warn"}
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
	return &Result{Dir: dest, Articles: articles, Duration: time.Since(start)}, nil
}

// prepare writes the site data and, when the results directory is not the
// one site.toml mounts, a config override. It returns the --config value
// for Hugo and a function that removes the override.
func prepare(root, config, results string, data map[string]any) (string, func(), error) {
	nop := func() {}
	if err := WriteData(root, data); err != nil {
		return "", nop, err
	}
	res, err := filepath.Abs(under(root, results))
	if err != nil {
		return "", nop, fmt.Errorf("results: %w", err)
	}
	def, err := filepath.Abs(under(root, DefaultResults))
	if err != nil {
		return "", nop, fmt.Errorf("results: %w", err)
	}
	if res == def {
		return config, nop, nil
	}
	override, err := writeResultsOverride(root, config, res)
	if err != nil {
		return "", nop, err
	}
	return config + "," + override, func() { os.Remove(override) }, nil
}

var dataName = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// WriteData makes <root>/.advent/data hold exactly data: one JSON file per
// entry, each written atomically; other .json files are removed.
func WriteData(root string, data map[string]any) error {
	dir := filepath.Join(root, DataDir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("site data: %w", err)
	}
	for name, v := range data {
		if !dataName.MatchString(name) {
			return fmt.Errorf("site data: bad name %q (use lower-case letters, digits, - and _)", name)
		}
		b, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("site data %s: %w", name, err)
		}
		if err := writeAtomic(filepath.Join(dir, name+".json"), append(b, '\n')); err != nil {
			return fmt.Errorf("site data %s: %w", name, err)
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("site data: %w", err)
	}
	for _, e := range entries {
		name, ok := strings.CutSuffix(e.Name(), ".json")
		if !ok || e.IsDir() {
			continue
		}
		if _, keep := data[name]; !keep {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("site data: %w", err)
			}
		}
	}
	return nil
}

// writeAtomic writes b to path through a temporary file in the same
// directory and a rename, so Hugo (or a concurrent build) never reads a
// half-written file.
func writeAtomic(path string, b []byte) error {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Chmod(f.Name(), 0o644); err != nil {
		os.Remove(f.Name())
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		return err
	}
	return nil
}

// writeResultsOverride writes a Hugo config file that restates the module
// mounts of root/config with results (absolute) as the source of
// data/results. Hugo merges config files from left to right and a later
// file replaces module.mounts as a whole, hence the restating.
func writeResultsOverride(root, config, results string) (string, error) {
	b, err := os.ReadFile(under(root, config))
	if err != nil {
		return "", fmt.Errorf("results override: %w", err)
	}
	var cfg struct {
		Module struct {
			Mounts []map[string]any `toml:"mounts"`
		} `toml:"module"`
	}
	if err := toml.Unmarshal(b, &cfg); err != nil {
		return "", fmt.Errorf("results override: %s: %w", config, err)
	}
	mounts := cfg.Module.Mounts
	found := false
	for _, m := range mounts {
		if t, _ := m["target"].(string); strings.Trim(filepath.ToSlash(t), "/") == resultsTarget {
			m["source"] = results
			found = true
		}
	}
	if !found {
		mounts = append(mounts, map[string]any{"source": results, "target": resultsTarget})
	}
	out, err := toml.Marshal(map[string]any{"module": map[string]any{"mounts": mounts}})
	if err != nil {
		return "", fmt.Errorf("results override: %w", err)
	}
	dir := filepath.Join(root, ".advent")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", fmt.Errorf("results override: %w", err)
	}
	f, err := os.CreateTemp(dir, "config-*.toml")
	if err != nil {
		return "", fmt.Errorf("results override: %w", err)
	}
	_, werr := f.Write(append([]byte("# Generated by advent for one build; see internal/site.\n"), out...))
	if err := errors.Join(werr, f.Close()); err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("results override: %w", err)
	}
	abs, err := filepath.Abs(f.Name())
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("results override: %w", err)
	}
	return abs, nil
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
	Root    string
	Config  string
	Bind    string         // default 127.0.0.1
	Port    int            // default 1313
	Results string         // as Options.Results
	Data    map[string]any // as Options.Data
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
	if _, err := Check(opts.Root); err != nil {
		return err
	}
	config, cleanup, err := prepare(opts.Root, opts.Config, opts.Results, opts.Data)
	if err != nil {
		return err
	}
	defer cleanup()
	args := []string{"server", "--config", config, "--source", opts.Root,
		"--bind", opts.Bind, "--port", fmt.Sprint(opts.Port), "--baseURL", "http://" + opts.Bind + "/",
		"--disableFastRender", "--renderToMemory"}
	return runHugo(args, false)
}
