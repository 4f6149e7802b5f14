package cli

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lint"
)

func init() {
	register(&command{
		name:  "lint",
		usage: "[-root DIR] [-kubernetes vX.Y] [-format text|json] [-strict] [-rules] [PATH...]",
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
		usage: "[-root DIR] [-kubernetes vX.Y] [-format text|json] [-strict] [-rules] [PATH...]",
		help: "Checks every Kubernetes manifest and command in the lab blocks and 2017 originals\n" +
			"of the articles (default PATH: content/); any other Markdown has all its fenced blocks\n" +
			"checked. Findings in 2017 originals are expected and do not fail. Exit 1 when other\n" +
			"findings remain, 2 on unreadable or unparsable input.",
	}
	fs := c.flags(e)
	root := fs.String("root", ".", "project root; PATHs are relative to it")
	kube := fs.String("kubernetes", lint.DefaultKubernetes, "target Kubernetes release for API removals")
	format := fs.String("format", "text", "output: text or json")
	strict := fs.Bool("strict", false, "deprecation warnings fail too")
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
	if *format != "text" && *format != "json" {
		return diag.Usagef("-format %q: want text or json", *format)
	}
	target, err := lint.Options{Kubernetes: *kube}.Target()
	if err != nil {
		return diag.Usagef("-kubernetes: %v", err)
	}
	if *rules {
		return printRules(e, *format)
	}
	findings, err := lint.Paths(*root, paths, lint.Options{Kubernetes: *kube})
	if err != nil {
		return err
	}
	if findings == nil {
		findings = []lint.Finding{}
	}
	failed := lint.Failed(findings, *strict)
	if *format == "json" {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(lintReport{Kubernetes: target.String(), Findings: findings}); err != nil {
			return err
		}
	} else {
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
	if failed {
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
	fmt.Fprintln(w, "\nKubernetes API versions come from k8s.io/api (APILifecycleDeprecated/Removed/Replacement); `advent lint -rules -format json` has each rule's summary.")
	return w.Flush()
}
