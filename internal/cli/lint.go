package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/lint"
)

const lintUsage = "[-root DIR] [-kubernetes vX.Y] [-format text|json|sarif] [-strict] [-site] [-rules] [PATH...]"

func init() {
	register(define("lint", lintUsage, "find removed Kubernetes APIs and stale commands in articles or any Markdown (no cluster)",
		(*lintFlags).bind, runLint).withLong(
		"Checks the Kubernetes manifests (in any block: yaml, shell here-documents, indented\n" +
			"code) and the commands of Markdown files against the target Kubernetes release.\n" +
			"Default PATH: content/, where only the lab blocks and 2017 originals of annotated\n" +
			"articles are read and findings in originals are expected. Any other Markdown is read\n" +
			"as CommonMark, whatever its front matter; a file that cannot be read is a finding.\n" +
			"Flags may follow the paths.\n" +
			"Exit 1 when findings fail, 2 on bad usage (or, for the site's articles, bad input)."))
}

// lintFlags is the flagpole of `lint`.
type lintFlags struct {
	root, kube, format  string
	strict, site, rules bool
}

func (f *lintFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", ".", "project root; PATHs are relative to it")
	fs.StringVar(&f.kube, "kubernetes", lint.DefaultKubernetes, "target Kubernetes release for API removals")
	fs.StringVar(&f.format, "format", "text", "output: text, json or sarif (SARIF 2.1.0, for GitHub code scanning)")
	fs.BoolVar(&f.strict, "strict", false, "deprecation warnings fail too")
	fs.BoolVar(&f.site, "site", false, "read every PATH with the site's rules (its front matter schema, closed fences), as advent build does")
	fs.BoolVar(&f.rules, "rules", false, "list the rules and their sources, and exit")
}

// lintReport is the JSON output of `advent lint -format json`.
type lintReport struct {
	Kubernetes string         `json:"kubernetes"`
	Findings   []lint.Finding `json:"findings"`
}

func runLint(e *invocation, f *lintFlags, paths []string) error {
	if f.format != "text" && f.format != "json" && f.format != "sarif" {
		return diag.Usagef("-format %q: want text, json or sarif", f.format)
	}
	v, err := lint.Options{Kubernetes: f.kube}.Target()
	if err != nil {
		return diag.Usagef("-kubernetes: %v", err)
	}
	target := lint.Release(v)
	if f.rules {
		return printRules(e, f.format)
	}
	// Findings come with the site's input errors, if any: print both.
	findings, lintErr := lint.Paths(f.root, paths, lint.Options{Kubernetes: f.kube, Site: f.site})
	var usage *diag.UsageError
	if errors.As(lintErr, &usage) {
		return lintErr
	}
	lintErr = withSiteChecks(f.root, paths, lintErr)
	if findings == nil {
		findings = []lint.Finding{}
	}
	switch f.format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(lintReport{Kubernetes: target, Findings: findings}); err != nil {
			return err
		}
	case "sarif":
		if err := lint.WriteSARIF(e.stdout, findings, lint.SARIFOptions{Kubernetes: target}); err != nil {
			return err
		}
	default:
		var fail, expected, warnings int
		for _, x := range findings {
			fmt.Fprintln(e.stdout, x)
			switch {
			case x.Expected:
				expected++
			case x.Fails(f.strict):
				fail++
			default:
				warnings++
			}
		}
		fmt.Fprintf(e.stdout, "advent lint: Kubernetes %s: %d failing, %d expected in originals, %d warnings\n",
			target, fail, expected, warnings)
	}
	if lintErr != nil {
		return lintErr
	}
	if lint.Failed(findings, f.strict) {
		return errFailed
	}
	return nil
}

func printRules(e *invocation, format string) error {
	if format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(lint.Rules())
	}
	w := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	dash := func(s string) string {
		if s == "" {
			return "-"
		}
		return s
	}
	fmt.Fprintln(w, "RULE\tSEVERITY\tDEPRECATED IN\tREMOVED IN\tSINCE\tSOURCE")
	for _, r := range lint.Rules() {
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\n", r.ID, r.Severity, dash(r.DeprecatedIn), dash(r.RemovedIn), dash(r.Since), r.Source)
	}
	fmt.Fprintln(w, "\nKubernetes API versions come from k8s.io/api (APILifecycleIntroduced/Deprecated/Removed/Replacement, of the current module and, in history_gen.go, of older ones); `advent lint -rules -format json` has each rule's summary.")
	return w.Flush()
}

// withSiteChecks adds to lintErr what `advent build` and `advent labs
// extract` reject in the site's content (lab.LoadSite: the one set of
// checks) when the paths linted are the site's: content/ (the default) or
// files in it. Only the problems of the files linted are kept, each once.
func withSiteChecks(root string, paths []string, lintErr error) error {
	var under []string
	for _, p := range paths {
		p = filepath.ToSlash(filepath.Clean(p))
		if p == "content" || strings.HasPrefix(p, "content/") {
			under = append(under, p)
		}
	}
	if len(paths) > 0 && len(under) == 0 {
		return lintErr
	}
	if _, err := os.Stat(filepath.Join(root, "content")); err != nil {
		return lintErr
	}
	_, _, siteErr := lab.LoadSite(root)
	if siteErr == nil {
		return lintErr
	}
	if !diag.IsInput(siteErr) {
		return errors.Join(lintErr, siteErr)
	}
	var all diag.List
	if lintErr != nil {
		all = all.Append(lintErr)
	}
	seen := map[string]bool{}
	for _, e := range all {
		seen[e.Error()] = true
	}
	for _, e := range diag.List(nil).Append(siteErr) {
		if seen[e.Error()] || !linted(e.Path, under) {
			continue
		}
		seen[e.Error()] = true
		all = append(all, e)
	}
	return all.Err()
}

// linted reports whether path is one of the paths linted (or in one of
// them); no paths is the whole site.
func linted(path string, paths []string) bool {
	if len(paths) == 0 {
		return true
	}
	for _, p := range paths {
		if path == p || strings.HasPrefix(path, p+"/") {
			return true
		}
	}
	return false
}
