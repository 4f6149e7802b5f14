package lab

import (
	"bytes"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/diag"
)

// Attributes a code block may carry (see content/about/writing-labs.md).
var knownAttrs = map[string]string{
	"lab":        "the lab the block belongs to (default: the article's lab)",
	"step":       "the step's name, unique in the lab",
	"file":       "write the block to this path",
	"contains":   "check that this YAML file contains the block",
	"role":       "setup, verify, cleanup (hidden, run) or env (the lab's environment)",
	"timeout":    "per-command timeout, e.g. 90s",
	"retry":      "retry until the output matches, within this window",
	"exit":       "expected exit code",
	"cluster":    "run against this cluster",
	"container":  "run inside this container",
	"match":      "a regular expression the output must match",
	"background": "run in the background until the lab ends",
	"runner":     "env: the runner's environment does this step",
	"needs":      "an image the step cannot run without",
	"original":   "the year a stale block was published; never run, always linted",
	"note":       "why an original block changed",
}

var yearRE = regexp.MustCompile(`^\d{4}$`)

// IsLabBlock reports whether b carries lab attributes (other than original).
func IsLabBlock(b *content.Block) bool {
	if _, ok := b.Attr("original"); ok {
		return false
	}
	for _, a := range b.Attrs {
		if _, ok := knownAttrs[a.Name]; ok {
			return true
		}
	}
	return false
}

// IsOriginal reports whether b is a "2017 original" block: kept on the page,
// never run, always linted.
func IsOriginal(b *content.Block) bool {
	_, ok := b.Attr("original")
	return ok
}

// Extract builds the labs of all articles. Every problem is reported with
// its position.
func Extract(arts []*content.Article) ([]*Lab, error) {
	var (
		labs   []*Lab
		errs   diag.List
		owners = map[string]*content.Article{}
	)
	for _, a := range arts {
		l, err := extractArticle(a)
		if err != nil {
			errs = errs.Append(err)
			continue
		}
		if l == nil {
			continue
		}
		if prev, ok := owners[l.Name]; ok {
			errs = append(errs, diag.Errorf(a.Path, labLine(a), 0, "lab %q is already defined by %s", l.Name, prev.Path))
			continue
		}
		owners[l.Name] = a
		labs = append(labs, l)
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	sort.Slice(labs, func(i, j int) bool { return labs[i].Name < labs[j].Name })
	return labs, nil
}

// LoadSite reads the site's content (content.LoadSiteAll) and extracts its
// labs: the one set of checks `advent build`, `advent labs extract` and
// `advent lint` run on the site. Every problem of every file is reported in
// one pass, each at path:line:col: the labs of the articles that parsed are
// extracted even when other files, or the same file's front matter, have
// problems.
func LoadSite(root string) ([]*content.Article, []*Lab, error) {
	arts, errs, err := content.LoadSiteAll(root)
	if err != nil {
		return nil, nil, err
	}
	labs, xerr := Extract(arts)
	if xerr != nil {
		errs = errs.Append(xerr)
	}
	if err := dedupe(errs).Err(); err != nil {
		return nil, nil, err
	}
	return arts, labs, nil
}

// dedupe drops problems reported twice (the same text at the same place).
func dedupe(errs diag.List) diag.List {
	seen := map[string]bool{}
	out := errs[:0]
	for _, e := range errs {
		if k := e.Error(); !seen[k] {
			seen[k] = true
			out = append(out, e)
		}
	}
	return out
}

// Check reports what extraction rejects in arts, each problem at
// path:line:col, without writing anything. `advent lint` calls it so that
// it rejects what `advent labs extract` rejects (`advent build` extracts
// the labs itself, for its page model).
func Check(arts []*content.Article) error {
	_, err := Extract(arts)
	return err
}

func labLine(a *content.Article) int {
	if l, ok := a.Fields["lab"]; ok {
		return l
	}
	for _, b := range a.Blocks {
		if IsLabBlock(b) {
			return b.Line
		}
	}
	return 1
}

// extractor holds the state of one article's extraction: the errors found
// so far, the step names taken and the words waiting for the next step.
type extractor struct {
	a         *content.Article
	errs      diag.List
	seen      map[string]int // step name -> line
	autoCount map[string]int // automatic step name -> uses
	envBlock  *content.Block
	prose     string // the words before an original block belong to its update
}

// extractArticle returns the article's lab, or nil when it has none.
func extractArticle(a *content.Article) (*Lab, error) {
	x := &extractor{a: a, seen: map[string]int{}, autoCount: map[string]int{}}
	name := x.labName()
	if name == "" {
		for _, b := range a.Blocks {
			if IsLabBlock(b) {
				x.bad(b, b.Attrs[0].Name, "lab block in an article without a lab: add `lab: NAME` to the front matter")
				break
			}
		}
		return nil, x.errs.Err()
	}
	l := &Lab{Name: name, Title: a.Title, Source: a.Path}
	for _, b := range a.Blocks {
		x.block(l, b)
	}
	if len(x.errs) == 0 {
		x.errs = append(x.errs, checkRefs(a.Path, l)...)
	}
	if len(x.errs) == 0 && len(l.Steps) == 0 {
		x.errs = append(x.errs, diag.Errorf(a.Path, labLine(a), 0, "lab %q has no steps: annotate its code blocks with step=\"NAME\"", name))
	}
	if err := x.errs.Err(); err != nil {
		return nil, err
	}
	return l, nil
}

// at returns the position of b's attribute name (the block's when unset).
func at(b *content.Block, name string) (int, int) {
	for _, x := range b.Attrs {
		if x.Name == name {
			return x.Line, x.Col
		}
	}
	return b.Line, b.Col
}

func (x *extractor) bad(b *content.Block, attr, format string, args ...any) {
	line, col := at(b, attr)
	x.errs = append(x.errs, diag.Errorf(x.a.Path, line, col, format, args...))
}

// labName checks every block's attribute names and returns the lab the
// article defines: its front matter's lab, else the first block's lab
// attribute. Every lab value must be a valid name and the same.
func (x *extractor) labName() string {
	a := x.a
	name := a.Lab
	if name != "" {
		if err := ValidName(NameLab, name); err != nil {
			x.errs = append(x.errs, diag.Errorf(a.Path, a.Fields["lab"], 0, "%v", err))
		}
	}
	for _, b := range a.Blocks {
		for _, at := range b.Attrs {
			if _, ok := knownAttrs[at.Name]; !ok && !content.IsHighlightOption(at.Name) {
				x.errs = append(x.errs, diag.Errorf(a.Path, at.Line, at.Col, "unknown code block attribute %q (known: %s; highlighter: %s)", at.Name, strings.Join(slices.Sorted(maps.Keys(knownAttrs)), ", "), strings.Join(content.HighlightOptionNames(), ", ")))
			}
		}
		v, ok := b.Attr("lab")
		if !ok {
			continue
		}
		if err := ValidName(NameLab, v); err != nil {
			x.bad(b, "lab", "%v", err)
			continue
		}
		switch {
		case name == "":
			name = v
		case v != name:
			x.bad(b, "lab", "block is in lab %q but the article's lab is %q", v, name)
		}
	}
	return name
}

// block classifies one block and hands it to its parser.
func (x *extractor) block(l *Lab, b *content.Block) {
	if IsOriginal(b) {
		x.original(b)
		return
	}
	if !IsLabBlock(b) {
		return
	}
	if _, ok := b.Attr("note"); ok {
		x.bad(b, "note", "note explains an original block; this block has no original attribute")
	}
	attr, _ := b.Attr("role")
	role := Role(attr)
	switch role {
	case RoleMain, RoleSetup, RoleVerify, RoleCleanup:
	case roleResources:
		x.env(l, b)
		return
	default:
		x.bad(b, "role", "role %q: want setup, verify, cleanup or env", role)
		return
	}
	s := Step{Role: role, Line: b.Line, Lang: b.Lang, Prose: joinProse(x.prose, b.Prose), Hidden: role != RoleMain}
	x.prose = ""
	if !x.kind(b, &s) || !x.name(b, &s) {
		return
	}
	if err := stepOptions(x.a.Path, b, &s); err != nil {
		x.errs = x.errs.Append(err)
		return
	}
	var ok bool
	switch s.Kind {
	case KindFile:
		ok = x.fileStep(b, &s)
	case KindContains:
		ok = x.containsStep(b, &s)
	case KindRun:
		ok = x.runStep(b, &s)
	case KindCluster:
		ok = x.clusterStep(b, &s)
	}
	if ok {
		l.Steps = append(l.Steps, s)
	}
}

// original checks a "published in YEAR" block: kept on the page, never run.
func (x *extractor) original(b *content.Block) {
	x.prose = b.Prose
	for _, at := range b.Attrs {
		if at.Name != "original" && at.Name != "note" && at.Name != "lab" {
			x.bad(b, at.Name, "attribute %q has no meaning on an original block (it is never run)", at.Name)
		}
	}
	if v, _ := b.Attr("original"); !yearRE.MatchString(v) {
		x.bad(b, "original", "original=%q: want the year the block was published, e.g. original=\"2017\"", v)
	}
	// The page renders the note as Markdown, which drops raw HTML.
	if v, ok := b.Attr("note"); ok {
		if tag, _, found := content.FirstRawHTML(v); found {
			x.bad(b, "note", "note holds raw HTML <%s>, which is not rendered (the page would drop it and its text); write it in Markdown", tag)
		}
	}
}

// env reads the lab's environment block (role="env"): one per lab.
func (x *extractor) env(l *Lab, b *content.Block) {
	if x.envBlock != nil {
		x.bad(b, "role", "second env block (the first is at line %d)", x.envBlock.Line)
		return
	}
	x.envBlock = b
	env, err := parseEnv(x.a.Path, b)
	if err != nil {
		x.errs = x.errs.Append(err)
		return
	}
	l.Resources = *env
}

// kind sets the step's kind from its attributes (file, contains, runner)
// and, for file and contains blocks, its checked path.
func (x *extractor) kind(b *content.Block, s *Step) bool {
	file, isFile := b.Attr("file")
	contains, isContains := b.Attr("contains")
	runner, isEnv := b.Attr("runner")
	attr := "file"
	switch {
	case isFile && isContains:
		x.bad(b, "contains", "a block is either a file block or a contains check, not both")
		return false
	case isFile:
		s.Kind, s.Path = KindFile, file
	case isContains:
		s.Kind, s.Path, attr = KindContains, contains, "contains"
	case isEnv:
		s.Kind = KindCluster
		if runner != "env" {
			x.bad(b, "runner", "runner=%q: the only value is \"env\"", runner)
			return false
		}
		return true
	default:
		s.Kind = KindRun
		return true
	}
	if s.Path == "" {
		x.bad(b, attr, "%s block without a path: write %s=\"path/in/workdir\"", attr, attr)
		return false
	}
	_, inContainer := b.Attr("container")
	if err := WorkPath(s.Path, inContainer); err != nil {
		x.bad(b, attr, "%v", err)
		return false
	}
	return true
}

// name sets the step's name: its step attribute, or "write PATH" / "check
// PATH" for file and contains blocks (" (2)", " (3)" when repeated).
func (x *extractor) name(b *content.Block, s *Step) bool {
	if v, ok := b.Attr("step"); ok {
		if err := ValidName(NameStep, v); err != nil {
			x.bad(b, "step", "%v", err)
			return false
		}
		s.Name = v
	} else {
		switch s.Kind {
		case KindFile:
			s.Name = "write " + s.Path
		case KindContains:
			s.Name = "check " + s.Path
		default:
			x.bad(b, b.Attrs[0].Name, "lab block needs a step name: add step=\"NAME\"")
			return false
		}
		x.autoCount[s.Name]++
		if n := x.autoCount[s.Name]; n > 1 {
			s.Name = fmt.Sprintf("%s (%d)", s.Name, n)
		}
	}
	if prev, ok := x.seen[s.Name]; ok {
		x.bad(b, "step", "duplicate step name %q (first used at line %d)", s.Name, prev)
		return false
	}
	x.seen[s.Name] = b.Line
	return true
}

// fileStep: the block is written to the work directory.
func (x *extractor) fileStep(b *content.Block, s *Step) bool {
	s.Data = []byte(b.Code)
	return true
}

// containsStep: the block must be YAML a file of the work directory holds.
func (x *extractor) containsStep(b *content.Block, s *Step) bool {
	s.Data = []byte(b.Code)
	var v any
	if err := yaml.Unmarshal(s.Data, &v); err != nil {
		x.bad(b, "contains", "contains block is not YAML: %v", err)
		return false
	}
	return true
}

// runStep: the block is a transcript of commands and their output.
func (x *extractor) runStep(b *content.Block, s *Step) bool {
	cmds, err := parseCommands(x.a.Path, b)
	if err != nil {
		x.errs = x.errs.Append(err)
		return false
	}
	s.Commands = cmds
	return true
}

// clusterStep: kind create/delete cluster commands that the backend
// does itself.
func (x *extractor) clusterStep(b *content.Block, s *Step) bool {
	cmds, err := parseCommands(x.a.Path, b)
	if err != nil {
		x.errs = x.errs.Append(err)
		return false
	}
	action, clusters, err := envAction(cmds)
	if err != nil {
		x.bad(b, "runner", "%v", err)
		return false
	}
	s.Commands, s.Action, s.Clusters = cmds, action, clusters
	return true
}

// joinProse joins the words before an original block with those between
// it and its update, keeping the last paragraphs: what a reader needs next
// to the step, not the article's whole introduction.
func joinProse(a, b string) string {
	all := strings.TrimSpace(a + "\n\n" + b)
	var paras []string
	var cur []string
	fenced := false
	for _, line := range strings.Split(all, "\n") {
		t := strings.TrimSpace(line)
		if strings.HasPrefix(t, "```") || strings.HasPrefix(t, "~~~") {
			fenced = !fenced
		}
		if t == "" && !fenced {
			if len(cur) > 0 {
				paras = append(paras, strings.Join(cur, "\n"))
				cur = nil
			}
			continue
		}
		cur = append(cur, line)
	}
	if len(cur) > 0 {
		paras = append(paras, strings.Join(cur, "\n"))
	}
	const keep = 3
	if len(paras) > keep {
		paras = paras[len(paras)-keep:]
	}
	return strings.Join(paras, "\n\n")
}

// stepOptions sets the step's options from its attributes (timeout,
// retry, exit, cluster, container, match, background, needs) and checks
// that they fit its kind.
func stepOptions(file string, b *content.Block, s *Step) error {
	var errs diag.List
	for _, x := range b.Attrs {
		if msg := stepOption(s, x); msg != "" {
			errs = append(errs, diag.Errorf(file, x.Line, x.Col, "%s", msg))
		}
	}
	if s.Kind != KindRun {
		for _, x := range b.Attrs {
			switch x.Name {
			case "exit", "match", "background", "retry":
				if s.Kind == KindContains && x.Name == "retry" {
					continue
				}
				errs = append(errs, diag.Errorf(file, x.Line, x.Col, "attribute %q only applies to blocks that run commands", x.Name))
			}
		}
	}
	if s.Cluster != "" && s.Container != "" {
		errs = append(errs, diag.Errorf(file, b.Line, b.Col, "a step runs against a cluster or in a container, not both"))
	}
	return errs.Err()
}

// stepOption sets one option of s; it returns what is wrong with its value
// ("" when nothing).
func stepOption(s *Step, x content.Attr) string {
	var err error
	switch x.Name {
	case "timeout":
		s.Timeout, err = positiveDuration(x.Value)
	case "retry":
		s.Retry, err = positiveDuration(x.Value)
	case "exit":
		s.Exit, err = strconv.Atoi(x.Value)
		if err != nil || s.Exit < 0 || s.Exit > 255 {
			return fmt.Sprintf("exit=%q: want an exit code 0-255", x.Value)
		}
	case "cluster":
		s.Cluster = x.Value
		if err := ValidName(NameCluster, x.Value); err != nil {
			return err.Error()
		}
	case "container":
		s.Container = x.Value
		if err := ValidName(NameContainer, x.Value); err != nil {
			return err.Error()
		}
	case "match":
		s.Match = x.Value
		if _, err := regexp.Compile(x.Value); err != nil {
			return fmt.Sprintf("match=%q: %v", x.Value, err)
		}
	case "background":
		if s.Background, err = strconv.ParseBool(x.Value); err != nil {
			return fmt.Sprintf("background=%q: want true or false", x.Value)
		}
	case "needs":
		s.Needs = x.Value
	}
	if err != nil {
		return fmt.Sprintf("%s=%q: want a duration such as 90s or 5m", x.Name, x.Value)
	}
	return ""
}

// positiveDuration parses a duration attribute such as 90s.
func positiveDuration(v string) (Duration, error) {
	d, err := time.ParseDuration(v)
	if err == nil && d <= 0 {
		err = fmt.Errorf("not positive")
	}
	return Duration(d), err
}

// envAction maps the commands of a runner="env" block to what the runner
// does instead: kind create cluster or kind delete cluster, for one or more
// clusters (created in parallel).
func envAction(cmds []Command) (action Action, clusters []string, err error) {
	for _, c := range cmds {
		a, name, err := KindCommand(c.Cmd)
		if err != nil {
			return "", nil, err
		}
		if action != "" && a != action {
			return "", nil, fmt.Errorf("a runner=\"env\" block either creates or deletes clusters, not both")
		}
		action = a
		clusters = append(clusters, name)
	}
	return action, clusters, nil
}

// KindCommand parses `kind create cluster --name NAME` or `kind delete
// cluster --name NAME` into an action (create-cluster, delete-cluster) and
// the cluster's name.
func KindCommand(cmd string) (action Action, cluster string, err error) {
	f := strings.Fields(cmd)
	if len(f) >= 3 && f[0] == "kind" && f[2] == "cluster" {
		action = map[string]Action{"create": ActionCreateCluster, "delete": ActionDeleteCluster}[f[1]]
	}
	if action == "" {
		return "", "", fmt.Errorf("runner=\"env\" understands `kind create cluster --name NAME` and `kind delete cluster --name NAME`, not %q", cmd)
	}
	name := "kind"
	for i := 3; i < len(f); i++ {
		switch {
		case f[i] == "--name" && i+1 < len(f):
			name = f[i+1]
			i++
		case strings.HasPrefix(f[i], "--name="):
			name = strings.TrimPrefix(f[i], "--name=")
		case f[i] == "--wait" && i+1 < len(f):
			i++
		case strings.HasPrefix(f[i], "--wait="):
		default:
			return "", "", fmt.Errorf("runner=\"env\": flag %q of kind is not supported here", f[i])
		}
	}
	return action, name, nil
}

// checkRefs checks that steps name declared clusters and containers.
func checkRefs(file string, l *Lab) diag.List {
	var errs diag.List
	clusters := map[string]bool{}
	for _, c := range l.Resources.Clusters {
		clusters[c.Name] = true
	}
	containers := map[string]bool{}
	for _, c := range l.Resources.Containers {
		containers[c.Name] = true
	}
	for _, s := range l.Steps {
		for _, c := range s.Clusters {
			if !clusters[c] {
				errs = append(errs, diag.Errorf(file, s.Line, 0, "step %q: cluster %q is not declared in the lab's env block (clusters: %s)", s.Name, c, strings.Join(slices.Sorted(maps.Keys(clusters)), ", ")))
			}
		}
		if s.Cluster != "" && !clusters[s.Cluster] {
			errs = append(errs, diag.Errorf(file, s.Line, 0, "step %q: cluster %q is not declared in the lab's env block (clusters: %s)", s.Name, s.Cluster, strings.Join(slices.Sorted(maps.Keys(clusters)), ", ")))
		}
		if s.Container != "" && !containers[s.Container] {
			errs = append(errs, diag.Errorf(file, s.Line, 0, "step %q: container %q is not declared in the lab's env block", s.Name, s.Container))
		}
	}
	return errs
}

// envPositions maps paths in the env block's YAML ("clusters/0/name",
// "containers/1/networks/0") to the file line and column of their value.
func envPositions(b *content.Block) map[string][2]int {
	out := map[string][2]int{}
	var doc yaml.Node
	if yaml.Unmarshal([]byte(b.Code), &doc) != nil || len(doc.Content) == 0 {
		return out
	}
	pos := content.YAMLPositions([]byte(b.Code))
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				walk(prefix+n.Content[i].Value+"/", n.Content[i+1])
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				walk(fmt.Sprintf("%s%d/", prefix, i), c)
			}
		default:
			l, c := pos(n.Line, n.Column)
			out[strings.TrimSuffix(prefix, "/")] = [2]int{b.FirstLine + l - 1, c}
		}
	}
	walk("", doc.Content[0])
	return out
}

var yamlTypeName = regexp.MustCompile(`field (\S+) not found in type \S+`)

// parseEnv decodes the env block strictly.
func parseEnv(file string, b *content.Block) (*Resources, error) {
	var env Resources
	dec := yaml.NewDecoder(bytes.NewReader([]byte(b.Code)))
	dec.KnownFields(true)
	if err := dec.Decode(&env); err != nil {
		line, msg := content.YAMLSyntaxError(err)
		if line == 0 && strings.Contains(msg, "line ") {
			// yaml: unmarshal errors:\n  line 3: field x not found in type lab.Resources
			if i := strings.Index(msg, "line "); i >= 0 {
				fmt.Sscanf(msg[i:], "line %d:", &line)
				msg = strings.TrimSpace(msg[i+len(fmt.Sprintf("line %d:", line)):])
			}
		}
		if line > 0 {
			line = b.FirstLine + line - 1
		} else {
			line = b.Line
		}
		// yaml names the Go type; the writer knows the block.
		msg = yamlTypeName.ReplaceAllString(msg, "unknown field $1")
		return nil, diag.Errorf(file, line, 0, "env block: %s", msg)
	}
	pos := envPositions(b)
	var errs diag.List
	bad := func(key string, format string, args ...any) {
		p := pos[key]
		if p[0] == 0 {
			p = [2]int{b.Line, 0}
		}
		errs = append(errs, diag.Errorf(file, p[0], p[1], "env block: "+format, args...))
	}
	names := map[string]bool{}
	checkName := func(key, what, name string, seen map[string]bool) {
		switch err := ValidName(what, name); {
		case err != nil:
			bad(key, "%v", err)
		case seen[name]:
			bad(key, "%s name %q is repeated", what, name)
		}
		seen[name] = true
	}
	for i, c := range env.Clusters {
		checkName(fmt.Sprintf("clusters/%d/name", i), NameCluster, c.Name, names)
	}
	nets := map[string]bool{}
	for i, n := range env.Networks {
		checkName(fmt.Sprintf("networks/%d/name", i), NameNetwork, n.Name, nets)
	}
	for i, img := range env.Images {
		if err := ValidImage(img); err != nil {
			bad(fmt.Sprintf("images/%d", i), "%v", err)
		}
	}
	for i, t := range env.Tools {
		if err := ValidTool(t); err != nil {
			bad(fmt.Sprintf("tools/%d", i), "%v", err)
		}
	}
	for i, c := range env.Containers {
		key := fmt.Sprintf("containers/%d/", i)
		checkName(key+"name", NameContainer, c.Name, names)
		if c.Image == "" {
			bad(key+"name", "container %q has no image", c.Name)
		} else if err := ValidImage(c.Image); err != nil {
			bad(key+"image", "%v", err)
		}
		for j, n := range c.Networks {
			if !nets[n] {
				bad(fmt.Sprintf("%snetworks/%d", key, j), "container %q joins undeclared network %q", c.Name, n)
			}
		}
	}
	return &env, errs.Err()
}
