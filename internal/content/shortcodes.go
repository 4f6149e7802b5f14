package content

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"github.com/sysadvent/advent/internal/diag"
)

// shortcodeOpen matches the start of a shortcode call: {{< name or
// {{% name (group 1 the delimiter, 2 a comment's "/*", 3 the name, with a
// leading "/" for a closing one).
var shortcodeOpen = regexp.MustCompile(`\{\{([<%])\s*(/\*)?\s*(/?\s*[^\s>%}]*)`)

// hugoShortcodes are Hugo's built-in shortcodes (tpl/tplimpl/embedded).
var hugoShortcodes = map[string]bool{
	"comment": true, "details": true, "figure": true, "gist": true, "highlight": true,
	"instagram": true, "param": true, "qr": true, "ref": true, "relref": true,
	"twitter": true, "tweet": true, "vimeo": true, "x": true, "youtube": true,
}

// SiteShortcodes returns the names of the site's own shortcodes, the
// templates in root/layouts/_shortcodes (or layouts/shortcodes); nil when
// root has no layouts/ (Markdown outside a site).
func SiteShortcodes(root string) map[string]bool {
	if fi, err := os.Stat(filepath.Join(root, "layouts")); err != nil || !fi.IsDir() {
		return nil
	}
	names := map[string]bool{}
	for _, dir := range []string{"_shortcodes", "shortcodes"} {
		entries, _ := os.ReadDir(filepath.Join(root, "layouts", dir))
		for _, e := range entries {
			if name, ok := strings.CutSuffix(e.Name(), ".html"); ok && !e.IsDir() {
				names[name] = true
			}
		}
	}
	return names
}

// Shortcodes checks the shortcode calls of a Markdown file's body (src is
// the whole file; Hugo expands shortcodes everywhere, code blocks
// included): only the site's own (allowed; without a site, nil, anything
// but Hugo's built-in ones), called with {{< >}}, whose
// output Hugo does not read as Markdown, and no code fence in a call or
// right after one, where Hugo would render a code block advent does not
// see. Hugo's built-in shortcodes (highlight, figure, ...) pass their
// arguments to the page unchecked, so they are refused too.
func Shortcodes(path string, src []byte, allowed map[string]bool) diag.List {
	if !bytes.Contains(src, []byte("{{")) {
		return nil
	}
	starts := []int{0}
	for i, c := range src {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	var errs diag.List
	for _, m := range shortcodeOpen.FindAllSubmatchIndex(src, -1) {
		if m[4] >= 0 {
			continue // {{</* comment */>}}: shown as written
		}
		l := sort.SearchInts(starts, m[0]+1) - 1
		line, col := l+1, m[0]-starts[l]+1
		delim := string(src[m[2]:m[3]])
		name := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(string(src[m[6]:m[7]])), "/"))
		switch {
		case delim == "%":
			errs = append(errs, diag.Errorf(path, line, col, "shortcode {{%% %s %%}}: Hugo reads its output as Markdown, which advent does not see; write {{< %s >}}", name, name))
			continue
		case allowed == nil && hugoShortcodes[name]:
			errs = append(errs, diag.Errorf(path, line, col, "shortcode %q is one of Hugo's built-in ones, which put their arguments into the page unchecked: use the site's own (layouts/_shortcodes)", name))
			continue
		case allowed != nil && !allowed[name]:
			errs = append(errs, diag.Errorf(path, line, col, "shortcode %q is not one of the site's (layouts/_shortcodes: %s); Hugo's built-in ones put their arguments into the page unchecked", name, strings.Join(sortedNames(allowed), ", ")))
			continue
		}
		rest := src[m[1]:]
		if nl := bytes.IndexByte(rest, '\n'); nl >= 0 {
			rest = rest[:nl]
		}
		if bytes.Contains(rest, []byte("```")) || bytes.Contains(rest, []byte("~~~")) {
			errs = append(errs, diag.Errorf(path, line, col, "a code fence on the line of shortcode %q: Hugo would render a code block advent does not see; put the fence on a line of its own", name))
		}
	}
	return errs
}

func sortedNames(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	if len(out) == 0 {
		return []string{"none"}
	}
	return out
}
