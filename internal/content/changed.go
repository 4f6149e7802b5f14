package content

import (
	"regexp"
	"strings"
)

// changedShortcode matches an editor's change to the prose,
// {{< changed was="2017 wording" why="reason" >}}current wording{{< /changed >}}
// (layouts/_shortcodes/changed.html renders it with the 2017 wording struck
// through). Group 1 is the current wording.
var changedShortcode = regexp.MustCompile(`(?s)\{\{<\s*changed(?:\s+[a-z]+="(?:[^"\\]|\\.)*")*\s*>\}\}(.*?)\{\{<\s*/changed\s*>\}\}`)

// CurrentWording returns prose with every changed shortcode replaced by its
// current wording: what a learner in practice mode reads, and what the
// prose lint checks (the 2017 wording is marked as such, so it is not
// stale instruction).
func CurrentWording(prose string) string {
	if !strings.Contains(prose, "changed") {
		return prose
	}
	return changedShortcode.ReplaceAllString(prose, "$1")
}
