// Package content reads the site's articles: their front matter and their
// fenced code blocks, with the attributes and line numbers of each block.
//
// It parses Markdown with goldmark and block attributes with goldmark's
// attribute parser, the same code Hugo uses, so the extractor and the
// rendered page always agree on what a block says. What Hugo would
// publish or obey beyond that model (other files, publishing front matter,
// highlighter settings, built-in shortcodes) is refused, at its position.
package content

import (
	"bytes"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
	"github.com/yuin/goldmark/util"
	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/diag"
)

// Article is one Markdown file: its front matter and its code blocks.
type Article struct {
	Path string // as given to Parse, e.g. content/2017/05-helm-chart.md

	Title   string
	Date    time.Time
	Day     int
	Year    int
	Authors []string
	Editors []string
	Handles map[string]string
	Tags    []string
	Summary string
	Lab     string // name of the lab the article carries, if any
	// Lastmod is the day the article last changed (front matter lastmod),
	// zero when it has not changed since Date; the sitemap shows it.
	Lastmod time.Time

	// HasFrontMatter is false for plain Markdown files (lint input).
	HasFrontMatter bool
	// Fields holds the line of each front matter key, for errors.
	Fields map[string]int

	Blocks []*Block

	// Body is the Markdown after the front matter; it starts on file line
	// BodyLine. Lint reads its prose.
	Body     []byte
	BodyLine int
	// unreadable is set when the front matter is not YAML: no key of it
	// was read, so none is reported missing.
	unreadable bool
	// badFields are the keys whose values are not what they should be:
	// reported already, so not reported missing too.
	badFields []string
	// blocksUnread is set when a code block did not parse: the article's
	// labs cannot be extracted.
	blocksUnread bool
}

// Block is one fenced code block.
type Block struct {
	Lang  string
	Info  string // the whole info string after the fence
	Attrs []Attr // in source order
	Code  string // content, with a final newline when non-empty
	Line  int    // line of the opening fence, 1-based in the file
	Col   int    // column of the opening fence
	// FirstLine is the line of the first content line.
	FirstLine int
	// EndLine is the line of the closing fence.
	EndLine int
	// Prose is the Markdown between the previous block (or the front
	// matter) and this one: what the article says about the block, in
	// its current wording (see CurrentWording).
	Prose string
}

// Attr is one attribute of a block's {...} list.
type Attr struct {
	Name  string
	Value string
	Line  int
	Col   int
}

// Attr returns the value of the named attribute and whether it is set.
func (b *Block) Attr(name string) (string, bool) {
	for _, a := range b.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// Content formats Hugo renders (its default media types): the Markdown ones
// advent reads and validates, and the others it rejects, so that no file Hugo
// would publish escapes advent's checks.
var (
	markdownExts = map[string]bool{".md": true, ".markdown": true, ".mdown": true}
	foreignExts  = map[string]bool{".html": true, ".htm": true, ".adoc": true, ".asciidoc": true,
		".ad": true, ".pandoc": true, ".pdc": true, ".rst": true, ".org": true}
)

// IsMarkdown reports whether Hugo reads path as Markdown content (.md,
// .markdown, .mdown, in any case).
func IsMarkdown(path string) bool {
	return markdownExts[strings.ToLower(filepath.Ext(path))]
}

// Articles returns the dated articles among arts (not section pages).
func Articles(arts []*Article) []*Article {
	var out []*Article
	for _, a := range arts {
		if IsArticle(a.Path) {
			out = append(out, a)
		}
	}
	return out
}

// IsArticle reports whether path names an article: a Markdown file inside a
// year section (content/2017/05-x.md) or the index.md of a page bundle
// there (content/2017/05-x/index.md, with its images beside it), not a
// section page (_index.md) nor a stand-alone page elsewhere.
func IsArticle(path string) bool {
	base := filepath.Base(path)
	stem := strings.TrimSuffix(base, filepath.Ext(base))
	if stem == "_index" || !IsMarkdown(base) {
		return false
	}
	if stem == "index" && !bundleDir.MatchString(filepath.Base(filepath.Dir(path))) {
		return false
	}
	return isYear(filepath.Base(Section(path)))
}

// bundleDir is the directory name of an article's page bundle.
var bundleDir = regexp.MustCompile(`^\d{2}-`)

// Section is the directory of an article's year section: the article's
// directory, or its bundle's.
func Section(path string) string {
	dir := filepath.Dir(path)
	if base := filepath.Base(path); strings.TrimSuffix(base, filepath.Ext(base)) == "index" {
		dir = filepath.Dir(dir)
	}
	return dir
}

func isYear(dir string) bool {
	if len(dir) != 4 {
		return false
	}
	for _, r := range dir {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func duplicateDays(arts []*Article) diag.List {
	var errs diag.List
	seen := map[[2]int]*Article{}
	for _, a := range arts {
		if !IsArticle(a.Path) || a.Year == 0 || a.Day == 0 {
			continue
		}
		k := [2]int{a.Year, a.Day}
		if prev, ok := seen[k]; ok {
			errs = append(errs, diag.Errorf(a.Path, a.Fields["day"], 0,
				"day %d of %d is already taken by %s", a.Day, a.Year, prev.Path))
			continue
		}
		seen[k] = a
	}
	return errs
}

// Parse reads one Markdown file. Front matter is optional; a file that has
// it must close it. Code block attributes must parse. Every problem is
// reported at once; the article is returned as far as it was read, blocks
// only when they all parsed. A file over the limits (MaxFileSize,
// MaxNesting, MaxIndent, MaxBlocks) is refused before it is parsed.
//
// The source is normalised first: a UTF-8 byte order mark is dropped and
// CRLF line ends become LF (lines and columns are unchanged); a file that is
// not UTF-8 is an error at its first bad byte.
func Parse(path string, src []byte) (*Article, error) {
	src, err := Normalize(path, src)
	if err != nil {
		return nil, err
	}
	if err := CheckLimits(path, src); err != nil {
		return nil, err
	}
	a := &Article{Path: path, Fields: map[string]int{}}
	body, bodyLine := src, 1
	var errs diag.List
	if bytes.HasPrefix(src, []byte("---\n")) {
		fm, rest, restLine, err := splitFrontMatter(path, src)
		if err != nil {
			return nil, err
		}
		if err := a.decodeFrontMatter(fm); err != nil {
			errs = errs.Append(err)
		}
		a.HasFrontMatter = true
		body, bodyLine = rest, restLine
	}
	blocks, err := parseBlocks(path, body, bodyLine)
	if err != nil {
		errs = errs.Append(err)
		a.blocksUnread = true
	}
	a.Blocks = blocks
	a.Body, a.BodyLine = body, bodyLine
	for _, b := range blocks {
		for _, at := range b.Attrs {
			if msg := checkHighlight(at); msg != "" {
				errs = append(errs, diag.Errorf(path, at.Line, at.Col, "%s", msg))
			}
		}
	}
	if err := errs.Err(); err != nil {
		return a, err
	}
	return a, nil
}

var bom = []byte("\xef\xbb\xbf")

// FirstBadByte returns the offset of the first byte of src that is not
// UTF-8, or -1 when src is UTF-8.
func FirstBadByte(src []byte) int {
	if utf8.Valid(src) {
		return -1
	}
	off := 0
	for off < len(src) {
		r, n := utf8.DecodeRune(src[off:])
		if r == utf8.RuneError && n <= 1 {
			break
		}
		off += n
	}
	return off
}

// Position returns the line and column (in bytes, both 1-based) of the
// byte at off.
func Position(src []byte, off int) (line, col int) {
	return bytes.Count(src[:off], []byte("\n")) + 1, off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
}

// YAMLPositions reads doc once and returns what turns a line and column
// yaml.v3 gives within doc into the line and column of doc counted by LF
// alone, as every other position is: YAML also ends a line at a lone CR,
// NEL, LS or PS (YAML 1.2, 5.4). A column of 0 (none) stays 0.
func YAMLPositions(doc []byte) func(line, col int) (int, int) {
	// starts[i] is YAML line i+1: its LF line and how many bytes of that
	// LF line come before it.
	type start struct{ lf, shift int }
	starts := []start{{1, 0}}
	lf, lfStart := 1, 0
	for i := 0; i < len(doc); {
		lfBreak, w := false, 1
		switch {
		case doc[i] == '\n':
			lfBreak = true
		case doc[i] == '\r' && i+1 < len(doc) && doc[i+1] == '\n':
			lfBreak, w = true, 2
		case doc[i] == '\r':
		case bytes.HasPrefix(doc[i:], nel):
			w = len(nel)
		case bytes.HasPrefix(doc[i:], lsep), bytes.HasPrefix(doc[i:], psep):
			w = len(lsep)
		default:
			i++
			continue
		}
		i += w
		if lfBreak {
			lf, lfStart = lf+1, i
		}
		starts = append(starts, start{lf, i - lfStart})
	}
	return func(line, col int) (int, int) {
		s := starts[min(max(line, 1), len(starts))-1]
		if col > 0 {
			col += s.shift
		}
		return s.lf, col
	}
}

// The line breaks YAML has besides CR and LF.
var (
	nel  = []byte("\u0085")
	lsep = []byte("\u2028")
	psep = []byte("\u2029")
)

// Normalize drops a UTF-8 byte order mark, turns CRLF line ends into LF
// and rejects text that is not UTF-8, at the line and column of its first
// bad byte.
func Normalize(path string, src []byte) ([]byte, error) {
	src = bytes.TrimPrefix(src, bom)
	if off := FirstBadByte(src); off >= 0 {
		line, col := Position(src, off)
		return nil, diag.Errorf(path, line, col, "not UTF-8 (byte 0x%02x): save the file as UTF-8", src[off])
	}
	if bytes.Contains(src, []byte("\r\n")) {
		src = bytes.ReplaceAll(src, []byte("\r\n"), []byte("\n"))
	}
	return src, nil
}

func splitFrontMatter(path string, src []byte) (fm, rest []byte, restLine int, err error) {
	if fm, rest, restLine, ok := SplitFrontMatter(src, "---"); ok {
		return fm, rest, restLine, nil
	}
	return nil, nil, 0, diag.Errorf(path, 1, 1, "front matter is not closed: no line \"---\" after the opening one")
}

// SplitFrontMatter splits src, whose first line opens front matter, at the
// first later line that is one of closers: fm is what lies between, rest
// what follows and restLine the line rest starts on. ok is false when no
// line closes it.
func SplitFrontMatter(src []byte, closers ...string) (fm, rest []byte, restLine int, ok bool) {
	lines := bytes.SplitAfter(src, []byte("\n"))
	off := len(lines[0])
	for i := 1; i < len(lines); i++ {
		if slices.Contains(closers, strings.TrimRight(string(lines[i]), "\r\n")) {
			return src[len(lines[0]):off], src[off+len(lines[i]):], i + 2, true
		}
		off += len(lines[i])
	}
	return nil, nil, 0, false
}

// decodeFrontMatter decodes YAML; line numbers are shifted by one for the
// opening "---".
func (a *Article) decodeFrontMatter(fm []byte) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(fm, &doc); err != nil {
		line, col, msg := frontMatterYAMLError(fm, err)
		a.unreadable = true
		return diag.Errorf(a.Path, line, col, "front matter: %s", msg)
	}
	if len(doc.Content) == 0 {
		return nil
	}
	m := doc.Content[0]
	// pos is the file position of a node: YAML's own lines, one down for
	// the opening "---".
	yamlPos := YAMLPositions(fm)
	pos := func(n *yaml.Node) (int, int) {
		l, c := yamlPos(n.Line, n.Column)
		return l + 1, c
	}
	if m.Kind != yaml.MappingNode {
		l, c := pos(m)
		return diag.Errorf(a.Path, l, c, "front matter must be a mapping of keys to values")
	}
	targets := a.fieldTargets()
	var errs diag.List
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], m.Content[i+1]
		kl, kc := pos(k)
		if first, ok := a.Fields[k.Value]; ok {
			errs = append(errs, diag.Errorf(a.Path, kl, kc, "front matter: key %q is repeated (first at line %d); Hugo would keep only one of them", k.Value, first))
			continue
		}
		a.Fields[k.Value] = kl
		if msg := unknownKey(k.Value); msg != "" {
			errs = append(errs, diag.Errorf(a.Path, kl, kc, "%s", msg))
			continue
		}
		want := ""
		if k.Value == "date" || k.Value == "lastmod" {
			t, err := parseDate(v.Value)
			if err != nil || v.Kind != yaml.ScalarNode {
				want = "a date such as 2017-12-05"
			}
			if k.Value == "date" {
				a.Date = t
			} else {
				a.Lastmod = t
			}
		} else if t, ok := targets[k.Value]; ok && v.Decode(t.ptr) != nil {
			want = t.want
		}
		if want != "" {
			a.badFields = append(a.badFields, k.Value)
			vl, vc := pos(v)
			errs = append(errs, diag.Errorf(a.Path, vl, vc, "front matter %q: want %s", k.Value, want))
		}
	}
	return errs.Err()
}

// publishingKeys are front matter keys Hugo obeys that change a page's
// address or whether it is published at all (cascade sets them on every
// page below). advent does not model them: a page must be published where
// and when its year and day say, as the calendar and the build's count
// show it.
var publishingKeys = map[string]bool{
	"url": true, "aliases": true, "slug": true, "draft": true, "publishdate": true,
	"pubdate": true, "published": true, "expirydate": true, "unpublishdate": true,
	"build": true, "_build": true, "outputs": true, "cascade": true, "type": true,
	"layout": true, "headless": true, "translationkey": true, "lang": true,
	"sitemap": true, "resources": true, "markup": true, "iscjklanguage": true,
}

// otherKeys are the front matter keys advent allows besides the article
// fields it decodes: harmless to the page's address and publication.
// imported is advent import's marker of the post an article came from.
var otherKeys = map[string]bool{"description": true, "weight": true, "imported": true}

// unknownKey says what is wrong with front matter key k, or "".
func unknownKey(k string) string {
	if k == "date" || k == "lastmod" || otherKeys[k] {
		return ""
	}
	if _, ok := (&Article{}).fieldTargets()[k]; ok {
		return ""
	}
	if publishingKeys[strings.ToLower(k)] {
		return fmt.Sprintf("front matter key %q changes where or whether Hugo publishes the page, which advent does not model: remove it (the year and day place the article)", k)
	}
	return fmt.Sprintf("front matter key %q is not one advent reads (known: %s)", k, strings.Join(KnownFrontMatter(), ", "))
}

// KnownFrontMatter returns the front matter keys a page may have, sorted.
func KnownFrontMatter() []string {
	keys := []string{"date", "lastmod"}
	for k := range (&Article{}).fieldTargets() {
		keys = append(keys, k)
	}
	for k := range otherKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// fieldTarget is where a front matter key is decoded, and what it must be.
type fieldTarget struct {
	ptr  any
	want string
}

// fieldTargets maps the front matter keys advent reads (other than date)
// to the article's fields.
func (a *Article) fieldTargets() map[string]fieldTarget {
	return map[string]fieldTarget{
		"title":   {&a.Title, "a string"},
		"summary": {&a.Summary, "a string"},
		"lab":     {&a.Lab, "a lab name"},
		"day":     {&a.Day, "a day of the month (1-31)"},
		"year":    {&a.Year, "a year such as 2017"},
		"authors": {&a.Authors, "a list of names"},
		"editors": {&a.Editors, "a list of names"},
		"tags":    {&a.Tags, "a list of tags"},
		"handles": {&a.Handles, "a mapping of names to handles"},
	}
}

// frontMatterYAMLError places a YAML syntax error of the front matter fm:
// its line in the file (after the opening "---"), a column where it is
// knowable, and the message.
func frontMatterYAMLError(fm []byte, err error) (line, col int, msg string) {
	line, msg = YAMLSyntaxError(err)
	if line == 0 {
		// yaml.v3 leaves out the line of an error on the first line:
		// parse again one line down to learn it.
		var again yaml.Node
		if err2 := yaml.Unmarshal(append([]byte("#\n"), fm...), &again); err2 != nil {
			if l, m := YAMLSyntaxError(err2); l > 1 {
				line, msg = l-1, m
			}
		}
	}
	if line > 0 {
		line, _ = YAMLPositions(fm)(line, 0)
		col, msg = explainYAML(fm, line, msg)
		line++ // the opening "---"
	}
	return line, col, msg
}

// yamlParserErrors are the problems yaml.v3's parser (as opposed to its
// scanner) reports. yaml.v3 numbers the lines of parser errors from 0 and
// those of scanner errors from 1.
var yamlParserErrors = []string{
	"did not find expected",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

// YAMLSyntaxError splits a yaml.v3 syntax error ("yaml: line N: problem")
// into the 1-based line within the YAML document and the problem. line is 0
// when the error names no line (then msg is the whole error).
func YAMLSyntaxError(err error) (line int, msg string) {
	msg = err.Error()
	if _, scanErr := fmt.Sscanf(msg, "yaml: line %d:", &line); scanErr != nil {
		return 0, msg
	}
	msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	msg = strings.TrimSpace(msg[strings.Index(msg, ":")+1:])
	for _, p := range yamlParserErrors {
		if strings.HasPrefix(msg, p) {
			line++
			break
		}
	}
	return line, msg
}

// explainYAML finds the column of a YAML syntax error on line (1-based in
// fm) where it can, and says how to fix the commonest one: an unquoted
// value holding ": " (title: Day 1: strace).
func explainYAML(fm []byte, line int, msg string) (int, string) {
	lines := strings.Split(string(fm), "\n")
	if line < 1 || line > len(lines) {
		return 0, msg
	}
	text := lines[line-1]
	if strings.HasPrefix(msg, "mapping values are not allowed") {
		if k := strings.Index(text, ": "); k >= 0 {
			if c := strings.Index(text[k+2:], ":"); c >= 0 {
				key := strings.TrimSpace(text[:k])
				val := strings.TrimSpace(text[k+2:])
				return k + 2 + c + 1, fmt.Sprintf("%s: the value holds \": \"; quote it: %s: %q", msg, key, val)
			}
		}
	}
	return 0, msg
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{"2006-01-02", time.RFC3339, "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("not a date: %q", s)
}

// Validate checks the front matter an article must have.
func (a *Article) Validate() error {
	var errs diag.List
	if a.unreadable {
		return nil
	}
	if !a.HasFrontMatter {
		return diag.Errorf(a.Path, 1, 1, "article has no front matter (want title, date, day, year, authors)")
	}
	at := func(key string) int {
		if l, ok := a.Fields[key]; ok {
			return l
		}
		return 1
	}
	missing := func(key, what string) {
		if slices.Contains(a.badFields, key) {
			return // there, but not what it should be: reported already
		}
		errs = append(errs, diag.Errorf(a.Path, at(key), 0, "front matter: missing %s (%s)", key, what))
	}
	if strings.TrimSpace(a.Title) == "" {
		missing("title", "the article's title")
	}
	if a.Date.IsZero() {
		if _, ok := a.Fields["date"]; !ok {
			missing("date", "publication date, e.g. 2017-12-05")
		}
	}
	if len(a.Authors) == 0 {
		missing("authors", "a list of author names")
	}
	if a.Day == 0 {
		if _, ok := a.Fields["day"]; !ok {
			missing("day", "day of December")
		}
	} else if a.Day < 1 || a.Day > 31 {
		errs = append(errs, diag.Errorf(a.Path, at("day"), 0, "front matter: day %d is not a day of the month", a.Day))
	}
	if a.Year == 0 {
		if _, ok := a.Fields["year"]; !ok {
			missing("year", "e.g. 2017")
		}
	}
	if !a.Date.IsZero() {
		if a.Day != 0 && a.Date.Day() != a.Day {
			errs = append(errs, diag.Errorf(a.Path, at("day"), 0, "front matter: day %d does not match date %s", a.Day, a.Date.Format("2006-01-02")))
		}
		if a.Year != 0 && a.Date.Year() != a.Year {
			errs = append(errs, diag.Errorf(a.Path, at("year"), 0, "front matter: year %d does not match date %s", a.Year, a.Date.Format("2006-01-02")))
		}
	}
	if dir := filepath.Base(Section(a.Path)); a.Year != 0 && dir != fmt.Sprint(a.Year) {
		errs = append(errs, diag.Errorf(a.Path, at("year"), 0, "front matter: year %d but the article is in section %s", a.Year, dir))
	}
	for _, who := range append(append([]string{}, a.Authors...), a.Editors...) {
		if strings.TrimSpace(who) == "" {
			errs = append(errs, diag.Errorf(a.Path, at("authors"), 0, "front matter: empty author or editor name"))
			continue
		}
		if a.Handles[who] == "" {
			errs = append(errs, diag.Errorf(a.Path, at("handles"), 0, "front matter: handles has no entry for %q", who))
		}
	}
	return errs.Err()
}

// parseBlocks finds the fenced code blocks of body. bodyLine is the file
// line that body starts on.
func parseBlocks(path string, body []byte, bodyLine int) ([]*Block, error) {
	lines := NewLines(body)
	doc := blockParser.Parse(text.NewReader(body))
	var (
		blocks []*Block
		errs   diag.List
		count  int
	)
	err := ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		fb, ok := n.(*ast.FencedCodeBlock)
		if !entering || !ok {
			return ast.WalkContinue, nil
		}
		if count++; count > MaxBlocks {
			errs = append(errs, TooManyBlocks(path, bodyLine+lines.Of(max(fb.Pos(), 0)), 1))
			return ast.WalkStop, nil
		}
		fenceLine, fenceStart := lines.Fence(fb)
		b := &Block{Code: BlockText(body, fb)}
		b.Line, b.Col = bodyLine+fenceLine, fenceStart-lines.Start(fenceLine)+1
		b.FirstLine = b.Line + 1
		last := fenceLine + 1 + strings.Count(b.Code, "\n")
		if b.Code != "" && !strings.HasSuffix(b.Code, "\n") {
			last++
		}
		if !lines.closesFence(string(body[fenceStart:lines.End(fenceLine)]), last) {
			errs = append(errs, diag.Errorf(path, b.Line, b.Col, "%s", neverClosed))
			return ast.WalkContinue, nil
		}
		b.EndLine = bodyLine + last
		from := 0
		if len(blocks) > 0 {
			from = blocks[len(blocks)-1].EndLine - bodyLine + 1
		}
		if from < fenceLine {
			b.Prose = CurrentWording(strings.TrimSpace(string(body[lines.Start(from):lines.Start(fenceLine)])))
		}
		if fb.Info != nil {
			col := fb.Info.Segment.Start - lines.Start(fenceLine) + 1
			if err := b.SetInfo(body, fb); err != nil {
				errs = append(errs, diag.Errorf(path, b.Line, col+err.Off, "%s", err.Msg))
				return ast.WalkContinue, nil
			}
		}
		blocks = append(blocks, b)
		return ast.WalkContinue, nil
	})
	if err != nil {
		return nil, fmt.Errorf("parse %s: %w", path, err)
	}
	if bt := backtickFences(path, body, bodyLine, blocks); len(bt) > 0 {
		// CommonMark reads the backtick line as text, so the fence that
		// was meant to close it opens a block instead and every fence
		// after it pairs up wrongly: an unclosed fence below the first
		// backtick line is that fault again, not another one.
		kept := errs[:0]
		for _, e := range errs {
			if e.Msg != neverClosed || e.Line < bt[0].Line {
				kept = append(kept, e)
			}
		}
		errs = append(kept, bt...)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return blocks, nil
}

// SetInfo reads the info string of fb, the fenced block b was read from:
// its language and its attributes. An attribute list that does not parse
// is an error at an offset within the info string; Info and Lang are set
// all the same.
func (b *Block) SetInfo(body []byte, fb *ast.FencedCodeBlock) *AttrError {
	b.Info = string(fb.Info.Segment.Value(body))
	b.Lang = string(fb.Language(body))
	if i := strings.IndexByte(b.Lang, '{'); i >= 0 {
		b.Lang = b.Lang[:i]
	}
	attrs, err := parseAttrs(b.Info)
	if err != nil {
		return err
	}
	_, col := Position(body, fb.Info.Segment.Start)
	for i := range attrs {
		attrs[i].Line = b.Line
		attrs[i].Col += col
	}
	b.Attrs = attrs
	return nil
}

const neverClosed = "code fence is never closed"

// blockParser parses Markdown's block structure only: code blocks are all
// this package reads, and inline parsing (links, emphasis) is most of
// goldmark's work. Fences are found exactly as Hugo's goldmark finds them.
//
// The block parsers of the extensions Hugo enables by default (footnotes,
// definition lists, tables) are added, so a fence inside a footnote or a
// definition is a block here as it is on the page. The footnote transformer
// that moves footnotes to the end is not: blocks stay in source order.
var blockParser = NewBlockParser()

// NewBlockParser returns the parser of Markdown's block structure that
// finds code blocks as Hugo does (see blockParser), for other readers of
// Markdown (internal/lint). Check a file with CheckLimits first.
func NewBlockParser() parser.Parser {
	return parser.NewParser(
		parser.WithBlockParsers(append(parser.DefaultBlockParsers(),
			util.Prioritized(extension.NewFootnoteBlockParser(), 999),
			util.Prioritized(extension.NewDefinitionListParser(), 101),
			util.Prioritized(extension.NewDefinitionDescriptionParser(), 102))...),
		parser.WithParagraphTransformers(append(parser.DefaultParagraphTransformers(),
			util.Prioritized(extension.NewTableParagraphTransformer(), 200))...),
	)
}

// backtickInfo matches a line of three or more backticks followed by an
// info string that holds a backtick. The info string starts after the whole
// run of backticks, so a plain ```` fence is not one.
var backtickInfo = regexp.MustCompile("^ {0,3}`{3,}[^`]+`")

// backtickFences finds lines that look like a ``` fence whose info string
// holds a backtick: CommonMark does not treat them as fences at all, so the
// block and everything after it would silently be misread.
func backtickFences(path string, body []byte, bodyLine int, blocks []*Block) diag.List {
	var errs diag.List
	for i, line := range strings.Split(string(body), "\n") {
		n := bodyLine + i
		// Cheap test first: this runs on every line of every article.
		if !strings.Contains(line, "```") || !backtickInfo.MatchString(line) {
			continue
		}
		inside := false
		for _, b := range blocks {
			if n > b.Line && n < b.EndLine {
				inside = true
				break
			}
		}
		if !inside {
			errs = append(errs, diag.Errorf(path, n, 1, "the info string of a ``` fence cannot contain a backtick (CommonMark would not see a code block): open this block with ~~~ instead"))
		}
	}
	return errs
}

// AttrError is an attribute list that does not parse: Off is the 0-based
// offset within the info string of what is wrong.
type AttrError struct {
	Off int
	Msg string
}

func (e *AttrError) Error() string { return e.Msg }

// parseAttrs parses the {...} part of a block's info string with goldmark's
// attribute parser, as Hugo does. Offsets are 0-based within info.
func parseAttrs(info string) ([]Attr, *AttrError) {
	start := strings.IndexByte(info, '{')
	if start < 0 {
		return nil, nil
	}
	end := strings.IndexByte(info[start:], '}')
	if end < 0 {
		return nil, &AttrError{Off: start, Msg: "attribute list is not closed: missing \"}\""}
	}
	raw := info[start : start+end+1]
	if rest := strings.TrimSpace(info[start+end+1:]); rest != "" {
		return nil, &AttrError{Off: start + end + 1, Msg: fmt.Sprintf("unexpected text %q after the attribute list", rest)}
	}
	parsed, ok := parser.ParseAttributes(text.NewReader([]byte(raw)))
	if !ok {
		return nil, &AttrError{Off: start, Msg: fmt.Sprintf("malformed attribute list %s (write name=\"value\" pairs, quote the values)", raw)}
	}
	var out []Attr
	toks := attrNames(raw)
	next := 0
	for _, p := range parsed {
		name := string(p.Name)
		// The offset of the name itself: searching raw for the name
		// would find it inside an earlier value (file="step.txt" step=...).
		off := start
		for i := next; i < len(toks); i++ {
			if toks[i].name == name {
				off, next = start+toks[i].off, i+1
				break
			}
		}
		var v string
		switch x := p.Value.(type) {
		case []byte:
			v = string(x)
		default:
			v = fmt.Sprint(x)
		}
		out = append(out, Attr{Name: name, Value: v, Col: off})
	}
	return out, nil
}

type attrName struct {
	name string
	off  int
}

// attrNames returns the attribute names of raw ("{...}", which goldmark
// parsed) with their offsets in raw, skipping over the values the way
// goldmark's attribute parser reads them. A .class or #id shorthand is
// named class or id and starts at its '.' or '#'.
func attrNames(raw string) []attrName {
	var out []attrName
	i, n := 1, len(raw)
	for i < n {
		for i < n && isAttrSpace(raw[i]) {
			i++
		}
		if i >= n || raw[i] == '}' {
			break
		}
		start := i
		if raw[i] == '.' || raw[i] == '#' {
			name := "class"
			if raw[i] == '#' {
				name = "id"
			}
			i++
			for i < n && raw[i] != '}' && !isAttrSpace(raw[i]) {
				i++
			}
			out = append(out, attrName{name, start})
			continue
		}
		for i < n && isAttrNameByte(raw[i]) {
			i++
		}
		if i == start {
			return out // not an attribute: goldmark would have failed
		}
		out = append(out, attrName{raw[start:i], start})
		i = skipAttrValue(raw, skipEquals(raw, i))
	}
	return out
}

func isAttrNameByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '_' || c == ':' || c == '.' || c == '-'
}

func isAttrSpace(c byte) bool { return c == ' ' || c == '\t' || c == ',' }

// skipEquals skips the spaces, '=' and spaces between a name and its value.
func skipEquals(raw string, i int) int {
	n := len(raw)
	for i < n && raw[i] == ' ' {
		i++
	}
	if i < n && raw[i] == '=' {
		i++
	}
	for i < n && raw[i] == ' ' {
		i++
	}
	return i
}

// skipAttrValue returns the offset just past the attribute value at raw[i:].
func skipAttrValue(raw string, i int) int {
	n := len(raw)
	if i >= n {
		return i
	}
	switch raw[i] {
	case '"':
		for i++; i < n; i++ {
			switch raw[i] {
			case '\\':
				i++
			case '"':
				return i + 1
			}
		}
		return n
	case '[':
		depth := 0
		for ; i < n; i++ {
			switch raw[i] {
			case '"':
				i = skipAttrValue(raw, i) - 1
			case '[':
				depth++
			case ']':
				depth--
				if depth == 0 {
					return i + 1
				}
			}
		}
		return n
	}
	for i < n && raw[i] != ' ' && raw[i] != '\t' && raw[i] != ',' && raw[i] != '}' {
		i++
	}
	return i
}

// FirstRawHTML returns the first raw HTML tag of a Markdown snippet (an
// attribute value that is rendered as Markdown, such as note=), and its
// byte offset; ok is false when it has none.
func FirstRawHTML(md string) (tag string, off int, ok bool) {
	rawHTMLTags([]byte(md), func(o int, t string) {
		if !ok {
			tag, off, ok = t, o, true
		}
	})
	return tag, off, ok
}

// rawHTMLTags calls found for each opening raw HTML tag of body (blocks
// and inline), skipping comments, closing tags and {{<shortcodes>}}.
func rawHTMLTags(body []byte, found func(off int, tag string)) {
	if !bytes.Contains(body, []byte("<")) {
		return
	}
	report := func(off int) {
		rest := body[off:]
		m := htmlTag.FindSubmatch(rest)
		if bytes.HasPrefix(rest, []byte("<!--")) || m == nil || m[1][0] == '/' ||
			(off >= 2 && string(body[off-2:off]) == "{{") {
			return // comments, closing tags, {{<shortcode>}}
		}
		found(off, string(m[1]))
	}
	doc := inlineParser.Parse(text.NewReader(body))
	ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch n := n.(type) {
		case *ast.HTMLBlock:
			if n.Lines().Len() > 0 {
				report(n.Lines().At(0).Start)
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML:
			if n.Segments.Len() > 0 {
				report(n.Segments.At(0).Start)
			}
		}
		return ast.WalkContinue, nil
	})
}

// inlineParser parses Markdown fully (blocks and inlines), as Hugo's
// goldmark does: RawHTML is an inline node.
var inlineParser = goldmark.DefaultParser()

var htmlTag = regexp.MustCompile(`^<(/?[A-Za-z][A-Za-z0-9-]*)`)

// RawHTML reports the raw HTML of a Markdown file's body (not its code):
// Hugo renders Markdown with goldmark's unsafe=false, which drops raw HTML
// and keeps only a "raw HTML omitted" comment, so an article written in HTML
// would lose its text without a word. HTML comments are allowed (they are
// meant to vanish). src is the whole file.
func RawHTML(path string, src []byte) diag.List {
	src, err := Normalize(path, src)
	if err != nil || !bytes.Contains(src, []byte("<")) {
		return nil
	}
	body, bodyLine := src, 1
	if bytes.HasPrefix(src, []byte("---\n")) {
		_, rest, restLine, err := splitFrontMatter(path, src)
		if err != nil {
			return nil
		}
		body, bodyLine = rest, restLine
	}
	// Line starts, searched: counting newlines for every tag would be
	// quadratic in a file full of tags.
	starts := []int{0}
	for i, c := range body {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	pos := func(off int) (int, int) {
		line := sort.SearchInts(starts, off+1) - 1
		return bodyLine + line, off - starts[line] + 1
	}
	var errs diag.List
	rawHTMLTags(body, func(off int, tag string) {
		line, col := pos(off)
		errs = append(errs, diag.Errorf(path, line, col, "raw HTML <%s> is not rendered (Hugo drops raw HTML and its text); write it in Markdown", tag))
	})
	return errs
}
