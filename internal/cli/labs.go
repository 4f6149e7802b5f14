package cli

import (
	"fmt"
	"path/filepath"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/lab"
)

func init() {
	register(&command{
		name:  "labs extract",
		usage: "[-root DIR]",
		help:  "write labs/<name>/ from the articles' lab blocks",
		run:   runLabsExtract,
	})
	register(&command{
		name:  "labs check",
		usage: "[-root DIR]",
		help:  "exit 1 when labs/ differs from what extraction would write",
		run:   runLabsCheck,
	})
}

// extractAll reads content/ under root and extracts every lab.
func extractAll(root string) ([]*lab.Lab, error) {
	arts, err := content.LoadDir(root, "content")
	if err != nil {
		return nil, err
	}
	return lab.Extract(arts)
}

func labsFlags(e *env, name string, args []string) (string, error) {
	c := &command{name: name, usage: "[-root DIR]"}
	fs := c.flags(e)
	root := fs.String("root", ".", "project root holding content/ and labs/")
	if err := parse(fs, args); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		return "", diag.Usagef("%s takes no arguments, got %q", name, fs.Args())
	}
	return *root, nil
}

func runLabsExtract(e *env, args []string) error {
	root, err := labsFlags(e, "labs extract", args)
	if err != nil {
		return err
	}
	labs, err := extractAll(root)
	if err != nil {
		return err
	}
	dir := filepath.Join(root, "labs")
	if err := lab.Write(dir, labs); err != nil {
		return err
	}
	for _, l := range labs {
		fmt.Fprintf(e.stdout, "%s: %d steps from %s\n", filepath.Join(dir, l.Name), len(l.Steps), l.Source)
	}
	return nil
}

func runLabsCheck(e *env, args []string) error {
	root, err := labsFlags(e, "labs check", args)
	if err != nil {
		return err
	}
	labs, err := extractAll(root)
	if err != nil {
		return err
	}
	drift, err := lab.Drift(filepath.Join(root, "labs"), labs)
	if err != nil {
		return err
	}
	if len(drift) > 0 {
		for _, d := range drift {
			fmt.Fprintln(e.stderr, d)
		}
		fmt.Fprintln(e.stderr, "labs/ is out of date: run `advent labs extract` and commit the result")
		return errFailed
	}
	fmt.Fprintf(e.stdout, "labs/ matches the articles (%d labs)\n", len(labs))
	return nil
}
