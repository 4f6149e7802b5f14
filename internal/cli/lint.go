package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"text/tabwriter"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lint"
)

const lintUsage = "[-root DIR] [-kubernetes vX.Y] [-format text|json|sarif] [-strict] [-site] [-rules] [PATH...]"

func init() {
	register(&command{
		name:  "lint",
		usage: lintUsage,
		help:  "find removed Kubernetes APIs and stale commands in articles or any Markdown (no cluster)",
		run:   runLint,
	})
}

// lintReport is the JSON output of `advent lint -format json`.
type lintReport struct {
	Kubernetes string         `json:"kubernetes"`
	Findings   []lint.Finding `json:"findings"`
}

func runLint(e *env, args []string) error {
	c := &command{
		name:  "lint",
		usage: lintUsage,
		help: "Checks the Kubernetes manifests (in any block: yaml, shell here-documents, indented\n" +
			"code) and the commands of Markdown files against the target Kubernetes release.\n" +
			"Default PATH: content/, where only the lab blocks and 2017 originals of annotated\n" +
			"articles are read and findings in originals are expected. Any other Markdown is read\n" +
			"as CommonMark, whatever its front matter; a file that cannot be read is a finding.\n" +
			"Exit 1 when findings fail, 2 on bad usage (or, for the site's articles, bad input).",
	}
	fs := c.flags(e)
	root := fs.String("root", ".", "project root; PATHs are relative to it")
	kube := fs.String("kubernetes", lint.DefaultKubernetes, "target Kubernetes release for API removals")
	format := fs.String("format", "text", "output: text, json or sarif (SARIF 2.1.0, for GitHub code scanning)")
	strict := fs.Bool("strict", false, "deprecation warnings fail too")
	site := fs.Bool("site", false, "read every PATH with the site's rules (its front matter schema, closed fences), as advent build does")
	rules := fs.Bool("rules", false, "list the rules and their sources, and exit")
	// Flags may come before or after the paths.
	var paths []string
	rest := args
	for {
		if err := parse(fs, rest); err != nil {
			return err
		}
		if fs.NArg() == 0 {
			break
		}
		paths = append(paths, fs.Arg(0))
		rest = fs.Args()[1:]
	}
	if *format != "text" && *format != "json" && *format != "sarif" {
		return diag.Usagef("-format %q: want text, json or sarif", *format)
	}
	target, err := lint.Options{Kubernetes: *kube}.Target()
	if err != nil {
		return diag.Usagef("-kubernetes: %v", err)
	}
	if *rules {
		return printRules(e, *format)
	}
	// Findings come with the site's input errors, if any: print both.
	findings, lintErr := lint.Paths(*root, paths, lint.Options{Kubernetes: *kube, Site: *site})
	var usage *diag.UsageError
	if errors.As(lintErr, &usage) {
		return lintErr
	}
	if findings == nil {
		findings = []lint.Finding{}
	}
	switch *format {
	case "json":
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(lintReport{Kubernetes: target.String(), Findings: findings}); err != nil {
			return err
		}
	case "sarif":
		if err := lint.WriteSARIF(e.stdout, findings, lint.SARIFOptions{Kubernetes: target.String()}); err != nil {
			return err
		}
	default:
		var fail, expected, warnings int
		for _, f := range findings {
			fmt.Fprintln(e.stdout, f)
			switch {
			case f.Expected:
				expected++
			case f.Fails(*strict):
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
	if lint.Failed(findings, *strict) {
		return errFailed
	}
	return nil
}

func printRules(e *env, format string) error {
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
