package cli

import (
	"encoding/json"
	"flag"
	"fmt"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/importer"
)

func init() {
	register(define("import", "[-root DIR] [-force] [-dry-run] [-json] SOURCE",
		"turn a Blogger export or a YEAR/DD/ tree of HTML or Markdown into articles",
		(*importFlags).bind, runImport).withLong(
		"Imports an existing calendar into content/YEAR/DD-slug.md (a page bundle,\n" +
			"content/YEAR/DD-slug/index.md, when the article brings local images or files).\n" +
			"\n" +
			"SOURCE is either\n" +
			"  a Blogger export (Atom XML, Settings > Back up content): its December posts,\n" +
			"    with titles, published dates, labels (tags), authors and HTML bodies;\n" +
			"    drafts, comments and other months are listed as skipped; or\n" +
			"  a directory laid out by year and day: YEAR/DD/name.html, YEAR/DD/name.md or\n" +
			"    YEAR/dayN-name.html, front matter (title, date, author(s), handles, tags)\n" +
			"    or not, with an optional AUTHOR file beside it (one \"Name\" or\n" +
			"    \"Name (handle)\" a line).\n" +
			"\n" +
			"Bodies are converted with html-to-markdown; <pre> blocks become fenced blocks\n" +
			"with the language their class names or one guessed from their text (console\n" +
			"for $ prompts, yaml, json, sh...); elements with no Markdown form (iframe,\n" +
			"script, video...) are kept as fenced html blocks; missing images become\n" +
			"{{< missing-image >}}; links between imported posts point at their new pages;\n" +
			"content/YEAR/_index.md is made when missing. The report lists every article's\n" +
			"words and code lines in and out, what was kept and what was skipped.\n" +
			"\n" +
			"Articles carry `imported:` in their front matter; a re-run changes nothing\n" +
			"unless the source changed, and never replaces an article without that marker\n" +
			"unless -force. Nothing is written unless the whole source reads and converts.\n" +
			"Exit 1 when an article was left alone because of a conflict, 2 on bad usage or\n" +
			"bad input (path:line: what is wrong)."))
}

// importFlags is the flagpole of `import`.
type importFlags struct {
	opts   importer.Options
	asJSON bool
}

func (f *importFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.opts.Root, "root", ".", "project root: articles go to its content/")
	fs.BoolVar(&f.opts.Force, "force", false, "replace articles that advent import did not make")
	fs.BoolVar(&f.opts.DryRun, "dry-run", false, "read, convert and report; write nothing")
	fs.BoolVar(&f.asJSON, "json", false, "print the report as JSON")
}

func runImport(e *invocation, f *importFlags, args []string) error {
	if len(args) != 1 {
		return diag.Usagef("want one SOURCE: a Blogger export file or a directory")
	}
	opts := f.opts
	opts.From = args[0]
	rep, err := importer.Run(e.ctx, opts)
	if err != nil {
		return err
	}
	if f.asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := rep.Write(e.stdout); err != nil {
		return err
	}
	if n := rep.Conflicts(); n > 0 {
		fmt.Fprintf(e.stderr, "advent import: %d articles left alone: advent import did not make what is in their place (use -force to replace it)\n", n)
		return errFailed
	}
	return nil
}
