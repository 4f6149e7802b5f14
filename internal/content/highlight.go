package content

import (
	"fmt"
	"regexp"
	"sort"
	"strings"
)

// highlightOption is a code block attribute Hugo passes on to its
// highlighter (Chroma), and the values advent lets through.
type highlightOption struct {
	valid *regexp.Regexp
	want  string
}

// highlightOptions are the only highlighter options a block may set, spelled
// exactly so. Hugo matches option names without regard to case and decodes
// any of its highlight settings from a block's attributes, and Chroma writes
// some of them into the page unescaped (lineAnchors into id and href
// attributes, see docs/hugo-notes.md): every other spelling and setting is
// refused, and these only with values that cannot leave their attribute.
var highlightOptions = map[string]highlightOption{
	"lineNos":       {regexp.MustCompile(`^(true|false|inline|table)$`), "true, false, inline or table"},
	"anchorLineNos": {regexp.MustCompile(`^(true|false)$`), "true or false"},
	"lineAnchors":   {regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]{0,63}$`), "a letter then up to 63 letters, digits, - or _"},
	"lineNoStart":   {regexp.MustCompile(`^[1-9][0-9]{0,5}$`), "a line number from 1 to 999999"},
	"hl_lines":      {regexp.MustCompile(`^[0-9]{1,6}(-[0-9]{1,6})?( [0-9]{1,6}(-[0-9]{1,6})?){0,99}$`), `line numbers and ranges, e.g. "2 4-6"`},
}

// hugoHighlightKeys are Hugo's highlight settings (markup/highlight.Config),
// lower-cased as Hugo matches them: a block attribute of any of these names
// reaches the highlighter.
var hugoHighlightKeys = map[string]bool{
	"style": true, "codefences": true, "wrapperclass": true, "noclasses": true,
	"linenos": true, "linenumbersintable": true, "anchorlinenos": true,
	"lineanchors": true, "linenostart": true, "hl_lines": true, "hl_inline": true,
	"tabwidth": true, "guesssyntax": true,
}

// IsHighlightOption reports whether Hugo hands a block attribute of this
// name to its highlighter, in any spelling: Parse checks those (only
// HighlightOptionNames are allowed, with checked values).
func IsHighlightOption(name string) bool {
	_, ok := highlightOptions[name]
	return ok || hugoHighlightKeys[strings.ToLower(name)]
}

// checkHighlight returns what is wrong with attribute a when Hugo would
// hand it to the highlighter, or "".
func checkHighlight(a Attr) string {
	if o, ok := highlightOptions[a.Name]; ok {
		if !o.valid.MatchString(a.Value) {
			return fmt.Sprintf("highlighter option %s=%q: want %s", a.Name, a.Value, o.want)
		}
		return ""
	}
	if hugoHighlightKeys[strings.ToLower(a.Name)] {
		return fmt.Sprintf("highlighter option %q is not allowed (Hugo would pass it to the highlighter unchecked); allowed: lineNos, anchorLineNos, lineAnchors, lineNoStart, hl_lines, spelled so", a.Name)
	}
	return ""
}

// HighlightOptionNames returns the highlighter options a block may set,
// sorted.
func HighlightOptionNames() []string {
	names := make([]string, 0, len(highlightOptions))
	for n := range highlightOptions {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
