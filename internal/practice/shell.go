package practice

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/creack/pty"
	"golang.org/x/term"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// The real-shell mode (the default on a terminal; -simple is the line
// prompt): the learner works in their own bash, on a pseudo-terminal that
// advent relays, so readline, completion, history and their ~/.bashrc all
// work. advent watches it through two hooks of a generated rc file:
//
//   - PS0 prints an invisible marker (OSC 6973;C) when a command starts,
//     and PROMPT_COMMAND prints another (OSC 6973;D) when it ends: what the
//     command printed is what advent relayed between the two, and it is
//     checked against the article exactly as CI checks it (runner.Live.Check).
//   - PROMPT_COMMAND then sends the exit status, the directory and the
//     command line (history 1) to advent through a FIFO and prints advent's
//     answer (✓, a hint, the next step) before the prompt comes back.
//
// hint, skip, reset and quit are shell functions that do nothing but get
// answered by advent. The lab's environment is set after ~/.bashrc: PATH
// starts with the pinned tools, KUBECONFIG is the lab's, HOME is the lab's
// home (so ~ in the article's commands is where advent's checks look; the
// learner's history file and inputrc stay their own), and the shell starts
// in the lab's current directory. What advent runs for them (skip, file
// steps) moves the shell to the directory and exported variables it left.

// markers printed by the rc's hooks.
var (
	markStart = []byte("\x1b]6973;C\a")
	markEnd   = []byte("\x1b]6973;D\a")
)

// segment is what the terminal showed between a prompt and the next.
type segment struct {
	ran bool   // a command ran (PS0 printed its marker)
	out string // what it printed
}

// capture relays a terminal's output and cuts it into segments at the
// markers.
type capture struct {
	w io.Writer

	mu      sync.Mutex
	cond    *sync.Cond
	pending []byte // bytes that may start a marker
	ran     bool
	cur     bytes.Buffer
	segs    []segment
	closed  bool
}

func newCapture(w io.Writer) *capture {
	c := &capture{w: w}
	c.cond = sync.NewCond(&c.mu)
	return c
}

func (c *capture) Write(p []byte) (int, error) {
	if _, err := c.w.Write(p); err != nil {
		return 0, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	buf := append(c.pending, p...)
	c.pending = nil
	for len(buf) > 0 {
		i := bytes.IndexByte(buf, 0x1b)
		if i < 0 {
			c.text(buf)
			break
		}
		c.text(buf[:i])
		buf = buf[i:]
		switch {
		case bytes.HasPrefix(buf, markStart):
			c.ran = true
			c.cur.Reset()
			buf = buf[len(markStart):]
		case bytes.HasPrefix(buf, markEnd):
			c.segs = append(c.segs, segment{ran: c.ran, out: c.cur.String()})
			c.ran = false
			c.cur.Reset()
			c.cond.Broadcast()
			buf = buf[len(markEnd):]
		case bytes.HasPrefix(markStart, buf) || bytes.HasPrefix(markEnd, buf):
			c.pending = append([]byte(nil), buf...) // a marker cut in two
			buf = nil
		default:
			c.text(buf[:1])
			buf = buf[1:]
		}
	}
	return len(p), nil
}

func (c *capture) text(b []byte) {
	if c.ran {
		c.cur.Write(b)
	}
}

// segment waits for the n-th segment (1-based).
func (c *capture) segment(n int, timeout time.Duration) (segment, bool) {
	deadline := time.Now().Add(timeout)
	t := time.AfterFunc(timeout, func() { c.mu.Lock(); c.cond.Broadcast(); c.mu.Unlock() })
	defer t.Stop()
	c.mu.Lock()
	defer c.mu.Unlock()
	for len(c.segs) < n && !c.closed && time.Now().Before(deadline) {
		c.cond.Wait()
	}
	if len(c.segs) < n {
		return segment{}, false
	}
	return c.segs[n-1], true
}

func (c *capture) close() {
	c.mu.Lock()
	c.closed = true
	c.cond.Broadcast()
	c.mu.Unlock()
}

var ansiRE = regexp.MustCompile(`\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\a\x1b]*(\a|\x1b\\)|\x1b[()][0-9A-Za-z]|\r`)

// plain is terminal output as text: no escape sequences, no CR.
func plain(s string) string { return ansiRE.ReplaceAllString(s, "") }

// rcFile is the rc of the learner's bash.
func rcFile(dir, state, home, cwd, label string, env []string) string {
	var b strings.Builder
	b.WriteString(`# advent lab practice: your own bash, inside the lab's environment.
if [ -f "$HOME/.bashrc" ]; then . "$HOME/.bashrc"; fi
HISTFILE=${HISTFILE:-$HOME/.bash_history}
export INPUTRC=${INPUTRC:-$HOME/.inputrc}
# A command that starts with a space must still reach history (advent reads
# the command line there).
HISTCONTROL=${HISTCONTROL//ignoreboth/ignoredups}
HISTCONTROL=${HISTCONTROL//ignorespace/}
`)
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		fmt.Fprintf(&b, "export %s=%s\n", k, shq(v))
	}
	fmt.Fprintf(&b, "export HOME=%s\ncd -- %s || cd\n", shq(home), shq(cwd))
	fmt.Fprintf(&b, "__advent_dir=%s\n__advent_state=%s\n__advent_ps=%s\n", shq(dir), shq(state), shq(label))
	b.WriteString(`hint() { :; }
skip() { :; }
reset() { :; }
quit() { :; }
__advent_hook() {
	local st=$? h r head
	printf '\033]6973;D\007'
	h=$(HISTTIMEFORMAT= builtin history 1)
	printf '%s\n' "$PWD" > "$__advent_state/cwd"
	export -p > "$__advent_state/env"
	printf '%s\0%s\0%s\0' "$st" "$PWD" "$h" > "$__advent_dir/req"
	r=$(cat "$__advent_dir/resp")
	head=${r%%$'\n'*}
	r=${r#"$head"}
	r=${r#$'\n'}
	if [ -n "$r" ]; then printf '%s\n' "$r"; fi
	__advent_ps=${head%%|*}
	case $head in *'|sync'*) . "$__advent_dir/sync";; esac
	case $head in *'|exit'*) exit 0;; esac
}
PROMPT_COMMAND="__advent_hook${PROMPT_COMMAND:+; $PROMPT_COMMAND}"
PS0=$'\033]6973;C\007'"${PS0-}"
PS1='(${__advent_ps}) '"$PS1"
`)
	return b.String()
}

func shq(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// event is one prompt of the learner's shell.
type event struct {
	status int
	dir    string
	cmd    string // the command line, from history
}

var historyRE = regexp.MustCompile(`^\s*\d+\*?\s+`)

func readEvent(r *bufio.Reader) (event, error) {
	var f [3]string
	for i := range f {
		s, err := r.ReadString(0)
		if err != nil {
			return event{}, err
		}
		f[i] = strings.TrimSuffix(s, "\x00")
	}
	st, _ := strconv.Atoi(f[0])
	return event{status: st, dir: f[1], cmd: historyRE.ReplaceAllString(f[2], "")}, nil
}

// shell runs the rest of the lab, from s.done, in the learner's bash.
func (s *session) shell(ctx context.Context) error {
	dir, rc, err := s.shellDir()
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	// The FIFO is opened for reading and writing: opening does not wait
	// for the shell, and reads do not end when one hook closes it.
	req, err := os.OpenFile(filepath.Join(dir, "req"), os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer req.Close()

	cmd := exec.Command("bash", "--rcfile", rc, "-i")
	cmd.Env = os.Environ()
	ptmx, err := pty.Start(cmd)
	if err != nil {
		return fmt.Errorf("practice shell: start bash: %w", err)
	}
	defer ptmx.Close()
	defer s.relayTerminal(ptmx)()
	stopInput := make(chan struct{})
	defer close(stopInput)
	s.relayInput(ctx, cmd, ptmx, stopInput)
	capt := newCapture(s.out)
	relayed := make(chan struct{})
	go func() { io.Copy(capt, ptmx); capt.close(); close(relayed) }()

	var result error
	answered := make(chan struct{})
	go func() {
		defer close(answered)
		result = s.serveHooks(ctx, dir, req, capt)
	}()
	waitErr := cmd.Wait()
	req.Close()
	<-answered
	ptmx.Close()
	<-relayed
	if result != nil || s.finished {
		return result
	}
	if ctx.Err() != nil || waitErr != nil || s.done < len(s.lab.Steps) {
		return ErrQuit // the shell ended (exit, Ctrl-D): progress is saved
	}
	return nil
}

// shellDir makes the shell's directory: the hook's FIFOs (req, resp), its
// rc file (returned) and the sync file.
func (s *session) shellDir() (dir, rc string, err error) {
	dir, err = os.MkdirTemp("", "advent-shell-")
	if err != nil {
		return "", "", err
	}
	for _, f := range []string{"req", "resp"} {
		if err := syscall.Mkfifo(filepath.Join(dir, f), 0o600); err != nil {
			os.RemoveAll(dir)
			return "", "", fmt.Errorf("practice shell: %w", err)
		}
	}
	info := s.live.Info()
	s.kube = s.kubeconfig()
	env := []string{"KUBECONFIG=" + s.kube}
	if info.ToolsDir != "" {
		env = append(env, "PATH="+info.ToolsDir+":"+os.Getenv("PATH"))
	}
	env = append(env, info.Environ...)
	rc = filepath.Join(dir, "rc")
	if err := os.WriteFile(rc, []byte(rcFile(dir, s.live.StateDir(), s.live.Home(), s.live.Cwd(), s.label(), env)), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", "", err
	}
	os.WriteFile(filepath.Join(dir, "sync"), nil, 0o644)
	return dir, rc, nil
}

// relayTerminal puts the learner's terminal, when In is one, in raw mode
// and keeps the shell's terminal its size; what it returns undoes that.
func (s *session) relayTerminal(ptmx *os.File) (restore func()) {
	f, ok := s.opts.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return func() {}
	}
	old, rawErr := term.MakeRaw(int(f.Fd()))
	pty.InheritSize(f, ptmx)
	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	go func() {
		for range winch {
			pty.InheritSize(f, ptmx)
		}
	}()
	return func() {
		signal.Stop(winch)
		if rawErr == nil {
			term.Restore(int(f.Fd()), old)
		}
	}
}

// relayInput passes what the learner types on to the shell, and hangs the
// shell up when ctx ends, until stop is closed.
func (s *session) relayInput(ctx context.Context, cmd *exec.Cmd, ptmx *os.File, stop <-chan struct{}) {
	go func() {
		for {
			select {
			case b, ok := <-s.input():
				if !ok {
					return
				}
				if _, err := ptmx.Write(b); err != nil {
					return
				}
			case <-stop:
				return
			}
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			cmd.Process.Signal(syscall.SIGHUP) // advent was asked to stop
		case <-stop:
		}
	}()
}

// serveHooks answers the shell's prompt hook, one event a prompt, until
// the shell is gone; it returns the session's result.
func (s *session) serveHooks(ctx context.Context, dir string, req io.Reader, capt *capture) error {
	var result error
	r := bufio.NewReader(req)
	for n := 1; ; n++ {
		ev, err := readEvent(r)
		if err != nil {
			return result
		}
		seg, _ := capt.segment(n, 10*time.Second)
		text, flags, res := s.answer(ctx, ev, seg)
		var extra []string
		if k := s.kubeconfig(); k != s.kube && s.cur < len(s.lab.Steps) {
			// This step targets another of the lab's clusters.
			s.kube = k
			extra = append(extra, "export KUBECONFIG="+shq(k))
			if !strings.Contains(flags, "sync") {
				flags = strings.TrimPrefix(flags+"|sync", "|")
			}
		}
		if res != nil || strings.Contains(flags, "exit") {
			result = res
		}
		if strings.Contains(flags, "sync") {
			if err := writeSync(dir, s.live.StateDir(), extra); err != nil {
				text += fmt.Sprintf("(could not pass on the shell's state: %v)\n", err)
			}
		}
		if err := s.respond(dir, text, flags); err != nil {
			return result
		}
	}
}

// input delivers what the learner types. One reader serves every shell of
// the session (reset starts a new one), so no keystroke goes to an old one.
func (s *session) input() <-chan []byte {
	s.inputOnce.Do(func() {
		ch := make(chan []byte)
		s.keys = ch
		go func() {
			defer close(ch)
			buf := make([]byte, 4096)
			for {
				n, err := s.opts.In.Read(buf)
				if n > 0 {
					ch <- append([]byte(nil), buf[:n]...)
				}
				if err != nil {
					return
				}
			}
		}()
	})
	return s.keys
}

// respond answers the hook: a head line (prompt label and flags), then the
// text it prints.
func (s *session) respond(dir, text, flags string) error {
	f, err := os.OpenFile(filepath.Join(dir, "resp"), os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	defer f.Close()
	head := s.label()
	if flags != "" {
		head += "|" + flags
	}
	_, err = fmt.Fprintf(f, "%s\n%s", head, text)
	return err
}

// kubeconfig is the KUBECONFIG the current step's commands run with (a
// step that targets one of the lab's clusters has that cluster's alone).
func (s *session) kubeconfig() string {
	i := min(s.cur, len(s.lab.Steps)-1)
	k := ""
	for _, kv := range s.live.Environ(i) {
		if v, ok := strings.CutPrefix(kv, "KUBECONFIG="); ok {
			k = v
		}
	}
	return k
}

// label is the prompt's prefix: the lab and the step.
func (s *session) label() string {
	n := min(s.cur+1, len(s.lab.Steps))
	return fmt.Sprintf("%s %d/%d", s.lab.Name, n, len(s.lab.Steps))
}

// answer decides about one prompt: what to print, the hook's flags (sync:
// advent ran something, pick up its directory and variables; exit: end the
// shell) and, when the session ends, its result.
func (s *session) answer(ctx context.Context, ev event, seg segment) (string, string, error) {
	var b strings.Builder
	out := &b
	if !s.started {
		s.started = true
		fmt.Fprintf(out, "\nThis is your own bash, in the lab's environment (HOME %s, KUBECONFIG set, the lab's tools first on PATH).\n", s.live.Home())
		fmt.Fprintf(out, "Type the article's commands (or your own); advent checks each one as CI does.\nhint: what to type and what it prints · skip: advent does it · reset: start over · quit: save and clean up\n")
		sync := s.advance(ctx, out)
		return b.String(), s.flags(sync), s.endResult()
	}
	if !seg.ran {
		s.remind(out)
		return b.String(), "", nil
	}
	word := strings.TrimSpace(ev.cmd)
	if flags, handled, err := s.keyword(ctx, word, out); handled {
		return b.String(), flags, err
	}
	st := &s.lab.Steps[s.cur]
	if st.Kind == lab.KindFile {
		sync := false
		if have, err := os.ReadFile(s.live.Resolve(st.Path)); err == nil && bytes.Equal(have, st.Data) {
			fmt.Fprintf(out, "✓ %s is right\n", st.Path)
			s.stepDone(out)
			sync = s.advance(ctx, out)
		}
		return b.String(), s.flags(sync), s.endResult()
	}
	if !s.tell(out, ev, word, s.check(ctx, ev, word, plain(seg.out))) {
		return b.String(), "", nil
	}
	sync := false
	s.ci++
	if s.ci >= len(st.Commands) {
		s.stepDone(out)
		sync = s.advance(ctx, out)
	} else {
		fmt.Fprintf(out, "  $ %s\n", st.Commands[s.ci].Cmd)
	}
	return b.String(), s.flags(sync), s.endResult()
}

// keyword handles the words advent answers itself (quit, reset, hint,
// skip) and returns the hook's flags and the session's result; handled is
// false for any other command line.
func (s *session) keyword(ctx context.Context, word string, out io.Writer) (flags string, handled bool, err error) {
	switch word {
	case "quit":
		s.saveQuietly()
		fmt.Fprintf(out, "Progress saved: %d of %d steps done. Run `make lab LAB=%s` to resume.\n", s.done, len(s.lab.Steps), s.lab.Name)
		return "exit", true, ErrQuit
	case "reset":
		fmt.Fprint(out, "Starting over...\n")
		return "exit", true, errReset
	case "hint":
		s.shellHint(out)
		return "", true, nil
	case "skip":
		sync := s.skip(ctx, out)
		sync = s.advance(ctx, out) || sync
		return s.flags(sync), true, s.endResult()
	}
	return "", false, nil
}

// verdict is what checking one command line the learner ran found.
type verdict struct {
	passed bool
	same   bool // the line is the step's command
	why    string
	diff   string
	// retried: the step's own command failed but passed when advent ran
	// it again (a step with a retry window)
	retried bool
}

// check checks the command line word the learner ran (its exit status in
// ev, its output) against the current command of the current step.
func (s *session) check(ctx context.Context, ev event, word, output string) verdict {
	st := &s.lab.Steps[s.cur]
	ci := s.ci
	c := st.Commands[ci]
	v := verdict{same: s.live.SameCommand(s.cur, ci, word)}
	if v.same || ev.status == 0 {
		d, err := s.live.Check(s.cur, ci, output, ev.status)
		v.passed, v.diff = err == nil, d
		if err != nil {
			v.why = err.Error()
		}
		if !v.same && c.Expect == nil && st.Match == "" {
			v.passed = false // nothing shows that another command did the same
		}
	}
	if !v.passed && st.Retry > 0 && (v.same || ev.status == 0) {
		// A step with a retry window is one CI runs again and again
		// (a readiness check): run its command as CI does.
		res := s.live.Command(ctx, s.cur, ci, io.Discard, nil)
		if res.Status == report.Pass {
			v.passed = true
			v.retried = v.same
		}
	}
	return v
}

// tell prints the verdict on the learner's command line word and reports
// whether the step's command is done.
func (s *session) tell(out io.Writer, ev event, word string, v verdict) bool {
	st := &s.lab.Steps[s.cur]
	c := st.Commands[s.ci]
	if v.retried {
		fmt.Fprintf(out, "✓ it is there now (advent ran it again, as CI does)\n")
	}
	switch {
	case v.passed && v.same && c.Expect == nil && st.Match == "":
		fmt.Fprintf(out, "✓ done (the article shows no output to compare)\n")
	case v.passed && v.same:
		fmt.Fprintf(out, "✓ output matches the article\n")
	case v.passed:
		fmt.Fprintf(out, "✓ that does what the article's `%s` does: the step's check passes\n", firstLine(c.Cmd))
	case v.same || ev.status != 0:
		if ev.status != 0 && !v.same {
			fmt.Fprintf(out, "✗ `%s` exited with status %d. This step's command is:\n    %s\n", firstLine(word), ev.status, c.Cmd)
		} else {
			fmt.Fprintf(out, "✗ %s\n", v.why)
			if v.diff != "" {
				fmt.Fprint(out, indent(v.diff))
			}
		}
		fmt.Fprintf(out, "  Try again, or type hint (what it should print) or skip (advent runs it).\n")
		return false
	default:
		fmt.Fprintf(out, "(still at step %d/%d %s: next, `%s`)\n", s.cur+1, len(s.lab.Steps), st.Name, firstLine(c.Cmd))
		return false
	}
	return true
}

func (s *session) flags(sync bool) string {
	var f []string
	if sync {
		f = append(f, "sync")
	}
	if s.cur >= len(s.lab.Steps) {
		f = append(f, "exit")
	}
	return strings.Join(f, "|")
}

// endResult is the session's result once every step is done.
func (s *session) endResult() error {
	if s.cur < len(s.lab.Steps) {
		return nil
	}
	s.finished = true
	return nil
}

func (s *session) stepDone(out io.Writer) {
	st := &s.lab.Steps[s.cur]
	fmt.Fprintf(out, "✓ step %d/%d %s\n", s.cur+1, len(s.lab.Steps), st.Name)
	s.cur++
	s.ci = 0
	s.done = s.cur
}

// advance runs the steps advent does itself (clusters, hidden checks,
// background commands, steps that need what this machine lacks) up to the
// next one the learner does, and shows it. It reports whether advent ran
// something in the shell's session (the shell should pick up its state).
func (s *session) advance(ctx context.Context, out io.Writer) bool {
	ran := false
	for s.cur < len(s.lab.Steps) {
		st := &s.lab.Steps[s.cur]
		switch {
		case st.Role == lab.RoleCleanup:
			s.cur++
			s.done = s.cur
			continue
		case st.Container == "" && (st.Kind == lab.KindRun && !st.Hidden && !st.Background && st.Needs == "" || st.Kind == lab.KindFile && !st.Hidden):
			s.showStep(out)
			return ran
		}
		// advent does this one.
		if !st.Hidden {
			fmt.Fprintf(out, "\n── step %d/%d: %s (advent does this one)\n", s.cur+1, len(s.lab.Steps), st.Name)
			if st.Container != "" {
				fmt.Fprintf(out, "It runs in the container %s (`docker exec -it %s bash` to look around):\n", st.Container, st.Container)
			}
			for _, c := range st.Commands {
				fmt.Fprintf(out, "  $ %s\n", c.Cmd)
			}
		}
		res := s.live.Step(ctx, s.cur)
		ran = true
		s.tally(st, res)
		switch {
		case res.Status == report.NotVerified && st.Kind == lab.KindCluster:
			// A cluster started from its pre-booted image: ready, but
			// kind printed nothing to check.
			fmt.Fprintf(out, "○ %s: %s\n", st.Name, res.Reason)
		case res.Status == report.NotVerified:
			fmt.Fprintf(out, "○ not available here: %s\n", res.Reason)
		case res.Status == report.Fail:
			fmt.Fprintf(out, "✗ %s: %s\n", st.Name, res.Reason)
		default:
			if st.Hidden {
				fmt.Fprintf(out, "  (lab %s check %q) %s\n", st.Role, st.Name, mark(res))
			} else {
				fmt.Fprintf(out, "%s %s\n", mark(res), st.Name)
			}
		}
		s.cur++
		s.ci = 0
		s.done = s.cur
	}
	fmt.Fprint(out, s.finishLine())
	s.forget()
	return ran
}

// showStep prints the current step: its words and what to type.
func (s *session) showStep(out io.Writer) {
	st := &s.lab.Steps[s.cur]
	fmt.Fprintf(out, "\n── step %d/%d: %s %s\n", s.cur+1, len(s.lab.Steps), st.Name, strings.Repeat("─", max(3, 60-len(st.Name))))
	if p := Prose(st.Prose); p != "" {
		fmt.Fprintf(out, "%s\n\n", p)
	}
	if st.Kind == lab.KindFile {
		fmt.Fprintf(out, "Save this as %s (in %s), with your editor or a heredoc; skip has advent write it:\n\n%s", st.Path, s.live.Cwd(), indent(string(st.Data)))
		return
	}
	fmt.Fprintf(out, "  $ %s\n", st.Commands[s.ci].Cmd)
}

func (s *session) remind(out io.Writer) {
	st := &s.lab.Steps[min(s.cur, len(s.lab.Steps)-1)]
	if st.Kind == lab.KindFile {
		fmt.Fprintf(out, "(step %d/%d: save %s; skip has advent write it)\n", s.cur+1, len(s.lab.Steps), st.Path)
		return
	}
	fmt.Fprintf(out, "(step %d/%d: $ %s)\n", s.cur+1, len(s.lab.Steps), firstLine(st.Commands[s.ci].Cmd))
}

func (s *session) shellHint(out io.Writer) {
	st := &s.lab.Steps[s.cur]
	if st.Kind == lab.KindFile {
		fmt.Fprintf(out, "Save this as %s (in %s):\n%s", st.Path, s.live.Cwd(), indent(string(st.Data)))
		return
	}
	c := st.Commands[s.ci]
	fmt.Fprintf(out, "The article's command:\n    %s\n", c.Cmd)
	if c.Expect != nil {
		fmt.Fprintf(out, "It should print:\n%s", indent(strings.Join(c.Expect, "\n")+"\n"))
		fmt.Fprintf(out, "(\"...\" stands for any lines; ages, IPs, ports and generated names may differ.)\n")
	} else {
		fmt.Fprintf(out, "Its output is not checked; it must succeed.\n")
	}
}

// skip has advent do the current command (or write the current file) and
// reports whether it ran something.
func (s *session) skip(ctx context.Context, out io.Writer) bool {
	st := &s.lab.Steps[s.cur]
	if st.Kind == lab.KindFile {
		res := s.live.Step(ctx, s.cur)
		fmt.Fprintf(out, "%s advent wrote %s\n", mark(res), st.Path)
		if res.Status != report.Fail {
			s.stepDone(out)
		}
		return true
	}
	c := st.Commands[s.ci]
	fmt.Fprintf(out, "Skipped: advent runs it for you.\n$ %s\n", c.Cmd)
	res := s.live.Command(ctx, s.cur, s.ci, out, nil)
	if res.Status != report.Pass {
		fmt.Fprintf(out, "✗ %s\n", res.Reason)
		return true
	}
	s.ci++
	if s.ci >= len(st.Commands) {
		s.stepDone(out)
	}
	return true
}

// writeSync writes what the shell sources after advent ran something: the
// variables advent's shell exported that the lab's environment does not
// own, and its directory.
func writeSync(dir, state string, extra []string) error {
	envb, _ := os.ReadFile(filepath.Join(state, "env"))
	cwdb, _ := os.ReadFile(filepath.Join(state, "cwd"))
	var b strings.Builder
	own := map[string]bool{"PATH": true, "HOME": true, "TERM": true, "TMPDIR": true, "KUBECONFIG": true, "LANG": true,
		"LC_ALL": true, "NO_COLOR": true, "SHLVL": true, "PWD": true, "OLDPWD": true, "_": true}
	for _, line := range strings.Split(string(envb), "\n") {
		rest, ok := strings.CutPrefix(line, "declare -x ")
		if !ok {
			continue
		}
		name, _, _ := strings.Cut(rest, "=")
		if own[name] || strings.HasPrefix(name, "BASH") {
			continue
		}
		b.WriteString(line + "\n")
	}
	if cwd := strings.TrimSpace(string(cwdb)); cwd != "" {
		fmt.Fprintf(&b, "cd -- %s\n", shq(cwd))
	}
	for _, x := range extra {
		b.WriteString(x + "\n")
	}
	return os.WriteFile(filepath.Join(dir, "sync"), []byte(b.String()), 0o644)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
