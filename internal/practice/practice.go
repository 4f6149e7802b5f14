// Package practice is the hands-on mode: it prepares a lab's environment
// and walks a reader through the tutorial step by step in their terminal.
// The reader types each command (or presses Enter to have it run); after
// each step the same checks CI uses say ✓ or give a hint. Progress is saved
// on quit and resumed next time; everything is cleaned up on exit.
package practice

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/sysadvent/advent/internal/env"
	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/runner"
)

// Options configures a practice session.
type Options struct {
	Runner   runner.Options // backend and Kubernetes version
	In       io.Reader
	Out      io.Writer
	StateDir string // where progress is kept (default ~/.local/state/advent/practice)
	Auto     bool   // run the whole lab hands-off
	Reset    bool   // forget saved progress and start over
	// Shell runs the learner's own bash (see shell.go) instead of the line
	// prompt; In and Out should be the terminal.
	Shell bool
}

// progressFile is what is saved between sessions.
type progressFile struct {
	Lab    string `json:"lab"`
	Digest string `json:"digest"` // the lab changed: start over
	Done   int    `json:"done"`   // steps finished
	Saved  string `json:"saved"`
}

// ErrQuit reports that the reader quit before the end (progress saved).
var ErrQuit = errors.New("quit")

// Run practises lab l. It returns nil when the reader reached the end,
// ErrQuit when they quit (progress saved), or the error that stopped it.
func Run(ctx context.Context, l *lab.Lab, opts Options) error {
	if opts.Out == nil {
		opts.Out = os.Stdout
	}
	if opts.In == nil {
		opts.In = os.Stdin
	}
	if opts.StateDir == "" {
		opts.StateDir = env.StateDir("practice")
	}
	s := &session{opts: opts, lab: l, out: opts.Out}
	if !opts.Shell {
		// The real shell reads the terminal itself.
		s.lines = readLines(opts.In)
	}
	return s.run(ctx)
}

type session struct {
	opts  Options
	lab   *lab.Lab
	out   io.Writer
	lines <-chan string
	live  *runner.Live
	done  int
	// skipped names the steps that could not be verified here;
	// prebooted the create-cluster steps whose cluster was started from a
	// pre-booted image (ready, but kind printed nothing to check).
	skipped, prebooted []string

	// The real shell's position: step cur, its command ci.
	cur, ci   int
	started   bool   // the first prompt was answered
	finished  bool   // every step is done
	kube      string // the KUBECONFIG the learner's shell has
	inputOnce sync.Once
	keys      <-chan []byte // what the learner types (shell.go's input)
}

// readLines delivers input lines; the channel closes at end of input.
func readLines(r io.Reader) <-chan string {
	ch := make(chan string)
	go func() {
		defer close(ch)
		sc := bufio.NewScanner(r)
		for sc.Scan() {
			ch <- sc.Text()
		}
	}()
	return ch
}

func (s *session) printf(format string, args ...any) { fmt.Fprintf(s.out, format, args...) }

func (s *session) statePath() string { return filepath.Join(s.opts.StateDir, s.lab.Name+".json") }

func (s *session) load() int {
	digest, _ := lab.Digest(s.lab)
	b, err := os.ReadFile(s.statePath())
	if err != nil {
		return 0
	}
	var p progressFile
	if json.Unmarshal(b, &p) != nil || p.Digest != digest || p.Done <= 0 || p.Done > len(s.lab.Steps) {
		return 0
	}
	return p.Done
}

func (s *session) save() error {
	digest, _ := lab.Digest(s.lab)
	b, _ := json.MarshalIndent(progressFile{Lab: s.lab.Name, Digest: digest, Done: s.done, Saved: time.Now().Format(time.RFC3339)}, "", "  ")
	if err := os.MkdirAll(s.opts.StateDir, 0o755); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	if err := os.WriteFile(s.statePath(), b, 0o644); err != nil {
		return fmt.Errorf("save progress: %w", err)
	}
	return nil
}

func (s *session) forget() { os.Remove(s.statePath()) }

func (s *session) run(ctx context.Context) error {
	if s.opts.Reset {
		s.forget()
	}
	start := s.load()
	for {
		err := s.attempt(ctx, start)
		if errors.Is(err, errReset) {
			s.forget()
			start = 0
			s.printf("\nStarting over.\n")
			continue
		}
		return err
	}
}

var errReset = errors.New("reset")

// attempt prepares the environment, replays finished steps and guides
// the rest; it always tears down.
func (s *session) attempt(ctx context.Context, start int) (err error) {
	l := s.lab
	s.printf("%s — %s\n", l.Name, l.Title)
	s.printf("From %s. Preparing the lab environment", l.Source)
	if n := len(l.Resources.Clusters); n > 0 {
		s.printf(" (%d kind cluster%s)", n, plural(n))
	}
	if n := len(l.Resources.Containers); n > 0 {
		s.printf(" (%d container%s)", n, plural(n))
	}
	s.printf("...\n")
	began := time.Now()
	s.live, err = runner.Open(ctx, l, s.opts.Runner)
	if err != nil {
		return err
	}
	info := s.live.Info()
	s.printf("Prepared in %s: %s.\n", time.Since(began).Round(time.Second), describe(info))
	defer func() {
		s.printf("\nCleaning up the lab environment...\n")
		leaks, cerr := s.live.Close()
		switch {
		case cerr != nil:
			s.printf("cleanup: %v\n", cerr)
		case len(leaks) > 0:
			s.printf("left behind: %s\n", strings.Join(leaks, ", "))
		default:
			s.printf("Done: nothing left behind.\n")
		}
		if err == nil {
			err = cerr
		}
	}()
	s.done, s.skipped, s.prebooted = 0, nil, nil
	if start > 0 {
		s.printf("Resuming at step %d/%d: replaying the %d step%s you finished...\n", start+1, len(l.Steps), start, plural(start))
		for i := 0; i < start; i++ {
			if l.Steps[i].Role == lab.RoleCleanup {
				continue
			}
			if res := s.live.Step(ctx, i); res.Status == report.Fail {
				s.printf("  step %d (%s) did not replay: %s — continuing from there.\n", i+1, l.Steps[i].Name, res.Reason)
				break
			}
			s.done = i + 1
		}
	}
	if s.opts.Shell && !s.opts.Auto {
		s.cur, s.ci, s.started, s.finished = s.done, 0, false, false
		err := s.shell(ctx)
		if errors.Is(err, ErrQuit) {
			s.saveQuietly()
		}
		return err
	}
	if s.opts.Auto {
		s.printf("Running the lab hands-off (--auto).\n")
	} else {
		s.printf("\nType each command (or press Enter to have it run for you). Other words: hint, skip, reset, quit, help.\n")
	}
	for i := s.done; i < len(l.Steps); i++ {
		st := &l.Steps[i]
		if st.Role == lab.RoleCleanup {
			s.done = i + 1
			continue
		}
		if err := ctx.Err(); err != nil {
			s.saveQuietly()
			return ErrQuit
		}
		ok, err := s.step(ctx, i)
		if err != nil {
			if errors.Is(err, ErrQuit) {
				s.saveQuietly()
				s.printf("\nProgress saved: %d of %d steps done. Run `make lab LAB=%s` to resume.\n", s.done, len(l.Steps), l.Name)
			}
			return err
		}
		if !ok {
			s.saveQuietly()
			return fmt.Errorf("step %d (%s) could not be completed", i+1, st.Name)
		}
		s.done = i + 1
	}
	s.forget()
	s.printf("%s", s.finishLine())
	return nil
}

// tally counts a step advent ran that was not verified for the finish
// line: a create-cluster step whose cluster was started from a pre-booted
// image (as the runner says it came up), or a step not available here.
func (s *session) tally(st *lab.Step, res *report.Step) {
	switch {
	case res.Status != report.NotVerified:
	case s.startedFromPreboot(st):
		s.prebooted = append(s.prebooted, st.Name)
	default:
		s.skipped = append(s.skipped, st.Name)
	}
}

// startedFromPreboot reports whether st creates a cluster that came up
// from a pre-booted image.
func (s *session) startedFromPreboot(st *lab.Step) bool {
	if st.Kind != lab.KindCluster || st.Action != lab.ActionCreateCluster || s.live == nil {
		return false
	}
	for _, name := range st.Clusters {
		if c, ok := s.live.ClusterStart(name); ok && c.Prebooted() {
			return true
		}
	}
	return false
}

// finishLine is the line that ends a completed lab: how many steps were
// verified, which were not available here, which clusters were started
// from a pre-booted image.
func (s *session) finishLine() string {
	l := s.lab
	n := len(s.skipped) + len(s.prebooted)
	var b strings.Builder
	if n == 0 {
		fmt.Fprintf(&b, "\n✓ You finished the %s lab: all %d steps verified.\n", l.Name, len(l.Steps))
		return b.String()
	}
	fmt.Fprintf(&b, "\n✓ You finished the %s lab: %d of %d steps verified", l.Name, len(l.Steps)-n, len(l.Steps))
	if len(s.skipped) > 0 {
		fmt.Fprintf(&b, "; %d not available here (%s)", len(s.skipped), strings.Join(s.skipped, ", "))
	}
	if len(s.prebooted) > 0 {
		fmt.Fprintf(&b, "; %s started from a pre-booted image (kind did not run)", strings.Join(s.prebooted, ", "))
	}
	b.WriteString(".\n")
	return b.String()
}

func (s *session) saveQuietly() {
	if err := s.save(); err != nil {
		s.printf("%v\n", err)
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func describe(info *runner.Info) string {
	var parts []string
	if info.Kubernetes != "" {
		parts = append(parts, "Kubernetes "+info.Kubernetes)
	}
	for _, t := range []report.Tool{report.ToolKind, report.ToolKubectl, report.ToolHelm} {
		if v := info.Versions.Get(t); v != "" {
			parts = append(parts, string(t)+" "+v)
		}
	}
	mode := info.Mode.String()
	if info.Mode == images.AirGapped && len(info.StandIns) > 0 {
		mode += " (stand-in images: " + strings.Join(info.StandIns, ", ") + ")"
	}
	return strings.Join(append(parts, mode), ", ")
}

// header prints a step's position, name and the article's words.
func (s *session) header(i int) {
	st := &s.lab.Steps[i]
	s.printf("\n── step %d/%d: %s ", i+1, len(s.lab.Steps), st.Name)
	s.printf("%s\n", strings.Repeat("─", max(3, 60-len(st.Name))))
	if p := Prose(st.Prose); p != "" {
		s.printf("%s\n\n", p)
	}
}

// step guides step i; ok is false when it could not be completed.
func (s *session) step(ctx context.Context, i int) (bool, error) {
	st := &s.lab.Steps[i]
	if st.Hidden {
		res := s.live.Step(ctx, i)
		s.printf("  (lab %s check %q) %s\n", st.Role, st.Name, mark(res))
		return res.Status != report.Fail, nil
	}
	s.header(i)
	switch {
	case st.Kind == lab.KindCluster:
		for _, c := range st.Commands {
			s.printf("  $ %s\n", c.Cmd)
		}
		res := s.live.Step(ctx, i)
		s.tally(st, res)
		if st.Action == lab.ActionDeleteCluster {
			s.printf("advent does this for you through kind's Go API. %s deleted\n", mark(res))
		} else {
			s.printf("advent does this for you through kind's Go API: it started when the lab was prepared, while you read the first steps. %s\n", mark(res))
		}
		return res.Status != report.Fail, nil
	case st.Needs != "":
		res := s.live.Step(ctx, i)
		if res.Status == report.NotVerified {
			for _, c := range st.Commands {
				s.printf("  $ %s\n", c.Cmd)
			}
			s.printf("○ Not available here: this step %s. Skipping it.\n", res.Reason)
			s.tally(st, res)
			return true, nil
		}
		s.printf("%s\n", mark(res))
		return res.Status != report.Fail, nil
	case st.Kind == lab.KindFile || st.Kind == lab.KindContains:
		return s.fileStep(ctx, i)
	case st.Background:
		for _, c := range st.Commands {
			s.printf("  $ %s\n", c.Cmd)
		}
		s.printf("This one keeps running (in a second terminal in the article). Press Enter to start it in the background.\n")
		if _, err := s.prompt(ctx, i, ""); err != nil {
			return false, err
		}
		res := s.live.Step(ctx, i)
		s.printf("%s running in the background until you quit\n", mark(res))
		return s.afterFailure(ctx, i, res)
	}
	return s.commands(ctx, i)
}

// afterFailure turns a failed automatic step into a choice.
func (s *session) afterFailure(ctx context.Context, i int, res *report.Step) (bool, error) {
	if res.Status != report.Fail {
		return true, nil
	}
	s.printf("%s\n", res.Reason)
	if res.Diff != "" {
		s.printf("%s", indent(res.Diff))
	}
	return false, nil
}

func (s *session) fileStep(ctx context.Context, i int) (bool, error) {
	st := &s.lab.Steps[i]
	verb := "Save this as"
	if st.Kind == lab.KindContains {
		verb = "Compare this with"
	}
	s.printf("%s %s (in %s):\n\n%s\n", verb, st.Path, s.live.Cwd(), indent(string(st.Data)))
	for {
		in := ""
		if !s.opts.Auto {
			var err error
			if st.Kind == lab.KindFile {
				s.printf("Press Enter to have advent write it, or write it yourself and type check.\n")
			} else {
				s.printf("Press Enter to check it.\n")
			}
			if in, err = s.prompt(ctx, i, ""); err != nil {
				return false, err
			}
		}
		if in == "check" && st.Kind == lab.KindFile {
			have, err := os.ReadFile(s.live.Resolve(st.Path))
			switch {
			case err != nil:
				s.printf("✗ %v\n", err)
			case string(have) != string(st.Data):
				s.printf("✗ %s differs from the article: check it, or press Enter to have advent write it.\n", st.Path)
			default:
				s.printf("✓ %s is right\n", st.Path)
				return true, nil
			}
			continue
		}
		res := s.live.Step(ctx, i)
		s.printf("%s %s\n", mark(res), st.Name)
		if res.Status == report.Fail {
			s.printf("%s\n", res.Reason)
			if s.opts.Auto {
				return false, nil
			}
			continue
		}
		return true, nil
	}
}

// commands walks the reader through a step's commands.
func (s *session) commands(ctx context.Context, i int) (bool, error) {
	st := &s.lab.Steps[i]
	if s.opts.Auto {
		for _, c := range st.Commands {
			s.printf("  $ %s\n", c.Cmd)
		}
		res := s.live.Step(ctx, i)
		s.printf("%s %s\n", mark(res), st.Name)
		return s.afterFailure(ctx, i, res)
	}
	for ci := 0; ci < len(st.Commands); {
		c := st.Commands[ci]
		s.printf("  $ %s\n", c.Cmd)
		in, err := s.prompt(ctx, i, c.Cmd)
		if err != nil {
			return false, err
		}
		switch {
		case in == "":
			s.printf("$ %s\n", c.Cmd)
		case in == "hint":
			s.hint(i, ci)
			continue
		case in == "skip":
			s.printf("Skipped: advent runs it for you.\n$ %s\n", c.Cmd)
		case !s.live.SameCommand(i, ci, in):
			out, code, err := s.live.Exec(ctx, i, in, s.out)
			if ctx.Err() != nil {
				return false, ErrQuit
			}
			_ = out
			if err != nil {
				s.printf("(%v)\n", err)
			}
			s.printf("✗ That is not this step's command (exit status %d). The article's command is:\n    %s\n  Type it, or press Enter to have advent run it. (hint shows what it should print)\n", code, c.Cmd)
			continue
		}
		if ok := s.runChecked(ctx, i, ci); ok {
			ci++
			continue
		}
		s.printf("  Try again, type hint, or press Enter to have advent run it.\n")
	}
	s.printf("✓ step %d/%d %s\n", i+1, len(s.lab.Steps), st.Name)
	return true, nil
}

// runChecked runs command ci of step i, showing its output, and checks it,
// retrying within the step's window as CI does (runner.Live.Command).
func (s *session) runChecked(ctx context.Context, i, ci int) bool {
	st := &s.lab.Steps[i]
	res := s.live.Command(ctx, i, ci, s.out, func(attempt int) {
		if attempt == 2 {
			s.printf("… not there yet; trying again for up to %s (the cluster may still be catching up)\n", time.Duration(st.Retry))
		}
	})
	if res.Status == report.Pass {
		s.printf("✓ output matches the article\n")
		return true
	}
	s.printf("✗ %s\n", res.Reason)
	if res.Diff != "" {
		s.printf("%s", indent(res.Diff))
	}
	return false
}

func (s *session) hint(i, ci int) {
	c := s.lab.Steps[i].Commands[ci]
	s.printf("The article's command:\n    %s\n", c.Cmd)
	if c.Expect != nil {
		s.printf("It should print:\n%s", indent(strings.Join(c.Expect, "\n")+"\n"))
		s.printf("(\"...\" stands for any lines; ages, IPs, ports and generated names may differ.)\n")
	} else {
		s.printf("Its output is not checked; it must succeed.\n")
	}
}

// prompt reads a line; quit, reset and help are handled here.
func (s *session) prompt(ctx context.Context, i int, cmd string) (string, error) {
	if s.opts.Auto {
		return "", nil
	}
	for {
		s.printf("%s %d/%d $ ", s.lab.Name, i+1, len(s.lab.Steps))
		var line string
		select {
		case l, ok := <-s.lines:
			if !ok {
				s.printf("\n")
				return "", ErrQuit
			}
			line = strings.TrimSpace(l)
		case <-ctx.Done():
			s.printf("\n")
			return "", ErrQuit
		}
		switch line {
		case "quit", "exit", "q":
			return "", ErrQuit
		case "reset":
			return "", errReset
		case "help", "?":
			s.printf("Enter: run the step's command for you · hint: show the command and what it should print · skip: let advent do it · reset: start over · quit: save progress and clean up\n")
			continue
		}
		if cmd == "" && line != "" && line != "check" {
			s.printf("Press Enter to continue (or quit, reset, help).\n")
			continue
		}
		return line, nil
	}
}

func mark(res *report.Step) string { return res.Status.Mark() }

func indent(s string) string {
	var b strings.Builder
	for _, l := range strings.Split(strings.TrimRight(s, "\n"), "\n") {
		b.WriteString("    " + l + "\n")
	}
	return b.String()
}

var (
	fenceRE     = regexp.MustCompile("(?ms)^ *(```|~~~)[^\n]*\n.*?^ *(```|~~~) *$")
	noteRE      = regexp.MustCompile(`note="([^"]*)"`)
	shortcodeRE = regexp.MustCompile(`\{\{<[^>]*>\}\}`)
)

// Prose turns the Markdown before a block into terminal text: code blocks
// in it (2017 originals) become a one-line note.
func Prose(md string) string {
	md = fenceRE.ReplaceAllStringFunc(md, func(block string) string {
		if m := noteRE.FindStringSubmatch(block); m != nil {
			return "(Changed since 2017: " + m[1] + ")"
		}
		return ""
	})
	md = shortcodeRE.ReplaceAllString(md, "")
	md = strings.NewReplacer("**", "", "`", "", "> ", "").Replace(md)
	lines := strings.Split(md, "\n")
	var out []string
	blank := false
	for _, l := range lines {
		l = strings.TrimRight(l, " ")
		if strings.TrimSpace(l) == "" {
			if !blank && len(out) > 0 {
				out = append(out, "")
			}
			blank = true
			continue
		}
		blank = false
		out = append(out, strings.TrimLeft(l, "# "))
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
