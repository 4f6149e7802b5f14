package importer

import (
	"fmt"
	"io"
	"text/tabwriter"
)

// Dropped is the number of source words missing from the output, over
// every article.
func (r *Report) Dropped() int {
	n := 0
	for _, a := range r.Articles {
		n += a.Counts.Dropped
	}
	return n
}

// Write prints the report: one summary line, a table of the articles
// (words and code lines in and out), then what was kept in another form
// and what was skipped, with why.
func (r *Report) Write(w io.Writer) error {
	actions := map[Action]int{}
	for _, a := range r.Articles {
		actions[a.Action]++
	}
	verb := "imported"
	if r.DryRun {
		verb = "would import"
	}
	fmt.Fprintf(w, "advent import: %s %d articles from %s (%s): %d created, %d updated, %d unchanged, %d conflicts; %d skipped; %d words dropped\n",
		verb, len(r.Articles), r.From, r.Source, actions[ActionCreated], actions[ActionUpdated], actions[ActionUnchanged], actions[ActionConflict],
		len(r.Skipped), r.Dropped())
	if len(r.Articles) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ARTICLE\tACTION\tWORDS IN\tOUT\tDROPPED\tCODE LINES IN\tOUT\tKEPT\tFROM")
		for _, a := range r.Articles {
			fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%d\t%s\n", a.Path, a.Action, a.WordsIn, a.WordsOut, a.Dropped, a.CodeIn, a.CodeOut, len(a.Kept), a.Origin)
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	for _, a := range r.Articles {
		if a.Replaces != "" && a.Action != ActionConflict {
			fmt.Fprintf(w, "replaced: %s by %s\n", a.Replaces, a.Path)
		}
		if a.Conflict != "" {
			fmt.Fprintf(w, "conflict: %s: %s\n", a.Path, a.Conflict)
		}
		for _, k := range a.Kept {
			switch k.Kind {
			case KeptHTML:
				fmt.Fprintf(w, "kept: %s: %s has no Markdown form: kept as a fenced html block\n", a.Path, k.What)
			case KeptMissingImage:
				fmt.Fprintf(w, "kept: %s: image %s is not available: {{< missing-image >}}\n", a.Path, k.What)
			case KeptComment:
				fmt.Fprintf(w, "left out: %s: HTML comment (never shown to readers): %s\n", a.Path, k.What)
			}
		}
	}
	for _, y := range r.Years {
		fmt.Fprintf(w, "made: %s\n", y)
	}
	for _, s := range r.Skipped {
		title := ""
		if s.Title != "" {
			title = fmt.Sprintf(" %q", s.Title)
		}
		fmt.Fprintf(w, "skipped: %s%s: %s\n", s.Origin, title, s.Reason)
	}
	return nil
}
