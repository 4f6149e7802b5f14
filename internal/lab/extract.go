package lab

import (
	"bytes"
	"fmt"
	"path"
	"regexp"
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

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	yearRE = regexp.MustCompile(`^\d{4}$`)
)

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

// extractArticle returns the article's lab, or nil when it has none.
func extractArticle(a *content.Article) (*Lab, error) {
	var errs diag.List
	at := func(b *content.Block, name string) (int, int) {
		for _, x := range b.Attrs {
			if x.Name == name {
				return x.Line, x.Col
			}
		}
		return b.Line, b.Col
	}
	bad := func(b *content.Block, attr, format string, args ...any) {
		line, col := at(b, attr)
		errs = append(errs, diag.Errorf(a.Path, line, col, format, args...))
	}

	name := a.Lab
	if name != "" && !nameRE.MatchString(name) {
		errs = append(errs, diag.Errorf(a.Path, a.Fields["lab"], 0, "lab name %q: use lower-case letters, digits and dashes", name))
	}
	// Check every attribute first, in every block.
	for _, b := range a.Blocks {
		for _, x := range b.Attrs {
			if _, ok := knownAttrs[x.Name]; !ok {
				errs = append(errs, diag.Errorf(a.Path, x.Line, x.Col, "unknown code block attribute %q (known: %s)", x.Name, strings.Join(sortedKeys(knownAttrs), ", ")))
			}
		}
		if v, ok := b.Attr("lab"); ok {
			switch {
			case name == "":
				name = v
			case v != name:
				bad(b, "lab", "block is in lab %q but the article's lab is %q", v, name)
			}
		}
	}
	if name == "" {
		for _, b := range a.Blocks {
			if IsLabBlock(b) {
				bad(b, b.Attrs[0].Name, "lab block in an article without a lab: add `lab: NAME` to the front matter")
				break
			}
		}
		return nil, errs.Err()
	}

	l := &Lab{Name: name, Title: a.Title, Source: a.Path}
	seen := map[string]int{} // step name -> line
	autoCount := map[string]int{}
	var envBlock *content.Block
	prose := "" // the words before an original block belong to its update
	for _, b := range a.Blocks {
		if IsOriginal(b) {
			prose = b.Prose
			for _, x := range b.Attrs {
				if x.Name != "original" && x.Name != "note" && x.Name != "lab" {
					bad(b, x.Name, "attribute %q has no meaning on an original block (it is never run)", x.Name)
				}
			}
			if v, _ := b.Attr("original"); !yearRE.MatchString(v) {
				bad(b, "original", "original=%q: want the year the block was published, e.g. original=\"2017\"", v)
			}
			continue
		}
		if !IsLabBlock(b) {
			continue
		}
		if _, ok := b.Attr("note"); ok {
			bad(b, "note", "note explains an original block; this block has no original attribute")
		}
		role, _ := b.Attr("role")
		switch role {
		case RoleMain, RoleSetup, RoleVerify, RoleCleanup:
		case roleEnv:
			if envBlock != nil {
				bad(b, "role", "second env block (the first is at line %d)", envBlock.Line)
				continue
			}
			envBlock = b
			env, err := parseEnv(a.Path, b)
			if err != nil {
				errs = errs.Append(err)
				continue
			}
			l.Env = *env
			continue
		default:
			bad(b, "role", "role %q: want setup, verify, cleanup or env", role)
			continue
		}
		s := Step{Role: role, Line: b.Line, Lang: b.Lang, Prose: joinProse(prose, b.Prose), Hidden: role != RoleMain}
		prose = ""
		file, isFile := b.Attr("file")
		contains, isContains := b.Attr("contains")
		runner, isEnv := b.Attr("runner")
		switch {
		case isFile && isContains:
			bad(b, "contains", "a block is either a file block or a contains check, not both")
			continue
		case isFile:
			s.Kind, s.Path = KindFile, file
		case isContains:
			s.Kind, s.Path = KindContains, contains
		case isEnv:
			s.Kind = KindEnv
			if runner != "env" {
				bad(b, "runner", "runner=%q: the only value is \"env\"", runner)
				continue
			}
		default:
			s.Kind = KindRun
		}
		if (isFile || isContains) && s.Path == "" {
			attr := "file"
			if isContains {
				attr = "contains"
			}
			bad(b, attr, "%s block without a path: write %s=\"path/in/workdir\"", attr, attr)
			continue
		}
		if s.Path != "" {
			if err := checkPath(s.Path); err != nil {
				bad(b, "file", "%v", err)
				continue
			}
		}
		if v, ok := b.Attr("step"); ok {
			if !nameRE.MatchString(v) {
				bad(b, "step", "step name %q: use lower-case letters, digits and dashes", v)
				continue
			}
			s.Name = v
		} else {
			switch s.Kind {
			case KindFile:
				s.Name = "write " + s.Path
			case KindContains:
				s.Name = "check " + s.Path
			default:
				bad(b, b.Attrs[0].Name, "lab block needs a step name: add step=\"NAME\"")
				continue
			}
			autoCount[s.Name]++
			if n := autoCount[s.Name]; n > 1 {
				s.Name = fmt.Sprintf("%s (%d)", s.Name, n)
			}
		}
		if prev, ok := seen[s.Name]; ok {
			bad(b, "step", "duplicate step name %q (first used at line %d)", s.Name, prev)
			continue
		}
		seen[s.Name] = b.Line
		if err := stepOptions(a.Path, b, &s); err != nil {
			errs = errs.Append(err)
			continue
		}
		switch s.Kind {
		case KindFile, KindContains:
			s.Data = []byte(b.Code)
			if s.Kind == KindContains {
				var v any
				if err := yaml.Unmarshal(s.Data, &v); err != nil {
					bad(b, "contains", "contains block is not YAML: %v", err)
					continue
				}
			}
		case KindRun:
			cmds, err := parseCommands(a.Path, b)
			if err != nil {
				errs = errs.Append(err)
				continue
			}
			s.Commands = cmds
		case KindEnv:
			cmds, err := parseCommands(a.Path, b)
			if err != nil {
				errs = errs.Append(err)
				continue
			}
			action, clusters, err := envAction(cmds)
			if err != nil {
				bad(b, "runner", "%v", err)
				continue
			}
			s.Commands, s.Action, s.Clusters = cmds, action, clusters
		}
		l.Steps = append(l.Steps, s)
	}
	if len(errs) == 0 {
		errs = append(errs, checkRefs(a.Path, l)...)
	}
	if len(errs) == 0 && len(l.Steps) == 0 {
		errs = append(errs, diag.Errorf(a.Path, labLine(a), 0, "lab %q has no steps: annotate its code blocks with step=\"NAME\"", name))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	return l, nil
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

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkPath(p string) error {
	clean := strings.TrimPrefix(p, "~/")
	if strings.HasPrefix(clean, "/") && strings.HasPrefix(p, "/") {
		clean = strings.TrimPrefix(clean, "/")
	}
	if clean == "" || path.Clean(clean) != clean || strings.HasPrefix(clean, "../") || clean == ".." {
		return fmt.Errorf("path %q: want a clean relative path such as templates/service.yaml", p)
	}
	return nil
}

func stepOptions(file string, b *content.Block, s *Step) error {
	var errs diag.List
	for _, x := range b.Attrs {
		bad := func(format string, args ...any) {
			errs = append(errs, diag.Errorf(file, x.Line, x.Col, format, args...))
		}
		dur := func() Duration {
			d, err := time.ParseDuration(x.Value)
			if err != nil || d <= 0 {
				bad("%s=%q: want a duration such as 90s or 5m", x.Name, x.Value)
			}
			return Duration(d)
		}
		switch x.Name {
		case "timeout":
			s.Timeout = dur()
		case "retry":
			s.Retry = dur()
		case "exit":
			n, err := strconv.Atoi(x.Value)
			if err != nil || n < 0 || n > 255 {
				bad("exit=%q: want an exit code 0-255", x.Value)
			}
			s.Exit = n
		case "cluster":
			s.Cluster = x.Value
		case "container":
			s.Container = x.Value
		case "match":
			if _, err := regexp.Compile(x.Value); err != nil {
				bad("match=%q: %v", x.Value, err)
			}
			s.Match = x.Value
		case "background":
			v, err := strconv.ParseBool(x.Value)
			if err != nil {
				bad("background=%q: want true or false", x.Value)
			}
			s.Background = v
		case "needs":
			s.Needs = x.Value
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

// envAction maps the commands of a runner="env" block to what the runner
// does instead: kind create cluster or kind delete cluster, for one or more
// clusters (created in parallel).
func envAction(cmds []Command) (action string, clusters []string, err error) {
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
func KindCommand(cmd string) (action, cluster string, err error) {
	f := strings.Fields(cmd)
	if len(f) < 3 || f[0] != "kind" || f[2] != "cluster" || (f[1] != "create" && f[1] != "delete") {
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
	return f[1] + "-cluster", name, nil
}

// checkRefs checks that steps name declared clusters and containers.
func checkRefs(file string, l *Lab) diag.List {
	var errs diag.List
	clusters := map[string]bool{}
	for _, c := range l.Env.Clusters {
		clusters[c.Name] = true
	}
	containers := map[string]bool{}
	for _, c := range l.Env.Containers {
		containers[c.Name] = true
	}
	for _, s := range l.Steps {
		for _, c := range s.Clusters {
			if !clusters[c] {
				errs = append(errs, diag.Errorf(file, s.Line, 0, "step %q: cluster %q is not declared in the lab's env block (clusters: %s)", s.Name, c, strings.Join(sortedKeys(clusters), ", ")))
			}
		}
		if s.Cluster != "" && !clusters[s.Cluster] {
			errs = append(errs, diag.Errorf(file, s.Line, 0, "step %q: cluster %q is not declared in the lab's env block (clusters: %s)", s.Name, s.Cluster, strings.Join(sortedKeys(clusters), ", ")))
		}
		if s.Container != "" && !containers[s.Container] {
			errs = append(errs, diag.Errorf(file, s.Line, 0, "step %q: container %q is not declared in the lab's env block", s.Name, s.Container))
		}
	}
	return errs
}

// parseEnv decodes the env block strictly.
func parseEnv(file string, b *content.Block) (*Env, error) {
	var env Env
	dec := yaml.NewDecoder(bytes.NewReader([]byte(b.Code)))
	dec.KnownFields(true)
	if err := dec.Decode(&env); err != nil {
		line, msg := content.YAMLSyntaxError(err)
		if line == 0 && strings.Contains(msg, "line ") {
			// yaml: unmarshal errors:\n  line 3: field x not found in type lab.Env
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
		return nil, diag.Errorf(file, line, 0, "env block: %s", msg)
	}
	var errs diag.List
	names := map[string]bool{}
	for _, c := range env.Clusters {
		if !nameRE.MatchString(c.Name) || names[c.Name] {
			errs = append(errs, diag.Errorf(file, b.Line, 0, "env block: cluster name %q is invalid or repeated", c.Name))
		}
		names[c.Name] = true
	}
	nets := map[string]bool{}
	for _, n := range env.Networks {
		if !nameRE.MatchString(n.Name) || nets[n.Name] {
			errs = append(errs, diag.Errorf(file, b.Line, 0, "env block: network name %q is invalid or repeated", n.Name))
		}
		nets[n.Name] = true
	}
	for _, c := range env.Containers {
		if !nameRE.MatchString(c.Name) || names[c.Name] {
			errs = append(errs, diag.Errorf(file, b.Line, 0, "env block: container name %q is invalid or repeated", c.Name))
		}
		names[c.Name] = true
		if c.Image == "" {
			errs = append(errs, diag.Errorf(file, b.Line, 0, "env block: container %q has no image", c.Name))
		}
		for _, n := range c.Networks {
			if !nets[n] {
				errs = append(errs, diag.Errorf(file, b.Line, 0, "env block: container %q joins undeclared network %q", c.Name, n))
			}
		}
	}
	return &env, errs.Err()
}
