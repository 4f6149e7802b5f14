package runner

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"
)

// session is a reader's terminal, reproduced: every command runs in a fresh
// `bash` with `set -euo pipefail`, and the working directory and exported
// variables carry over from one command to the next, as they would in one
// terminal. Background commands keep running until the lab ends.
type session struct {
	work  string // the lab's fresh work directory
	home  string
	state string // where cwd and exported variables are kept
	env   []string

	mu  sync.Mutex
	bgs []*bgProc
}

// bgProc is a command left running in the background.
type bgProc struct {
	cmd  *exec.Cmd
	out  *lockedBuffer
	done chan struct{}
	err  error
}

func newSession(work string, env []string) (*session, error) {
	s := &session{work: work, home: filepath.Join(work, "home"), state: filepath.Join(work, ".state")}
	for _, d := range []string{s.home, s.state, filepath.Join(work, "tmp")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
	}
	if err := os.WriteFile(filepath.Join(s.state, "cwd"), []byte(s.home+"\n"), 0o644); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	if err := os.WriteFile(filepath.Join(s.state, "env"), nil, 0o644); err != nil {
		return nil, fmt.Errorf("session: %w", err)
	}
	return openSession(work, env), nil
}

// openSession continues the session whose work directory is work (one a
// kept environment left), with its saved state as it is.
func openSession(work string, env []string) *session {
	s := &session{work: work, home: filepath.Join(work, "home"), state: filepath.Join(work, ".state")}
	s.env = append([]string{
		"HOME=" + s.home,
		"TMPDIR=" + filepath.Join(work, "tmp"),
		"LANG=C.UTF-8",
		"LC_ALL=C.UTF-8",
		"TERM=dumb",
		"NO_COLOR=1",
	}, env...)
	return s
}

// ContainerStateDir is where a command run in a container keeps the
// shell's state (cwd, exported variables) between steps, inside the
// container.
const ContainerStateDir = "/tmp/.advent-state"

// Script wraps a command so that it runs in strict mode and restores and
// saves the session's state. It is also what a container step runs, with
// the state kept inside the container. It uses only bash builtins: every
// command of a lab pays for it.
//
// The runner owns KUBECONFIG, PATH, HOME and TMPDIR: they are set for every
// command and not carried over from the saved state.
func Script(stateDir, command string, save bool) string {
	var b strings.Builder
	fmt.Fprintf(&b, "__advent_state=%s\n", shellQuote(stateDir))
	b.WriteString(`[ -d "$__advent_state" ] || mkdir -p "$__advent_state"
__advent_keep=("${KUBECONFIG-}" "${PATH-}" "${HOME-}" "${TMPDIR-}")
if [ -f "$__advent_state/env" ]; then . "$__advent_state/env"; fi
KUBECONFIG=${__advent_keep[0]} PATH=${__advent_keep[1]} HOME=${__advent_keep[2]} TMPDIR=${__advent_keep[3]}
if [ -s "$__advent_state/cwd" ]; then read -r __advent_cwd < "$__advent_state/cwd" && cd -- "$__advent_cwd"; fi
unset __advent_keep __advent_cwd
`)
	if save {
		b.WriteString(`trap 'printf "%s\n" "$PWD" > "$__advent_state/cwd"; export -p > "$__advent_state/env"' EXIT
`)
	}
	b.WriteString("set -euo pipefail\n")
	b.WriteString(command)
	b.WriteString("\n")
	return b.String()
}

func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// cwd is the session's current directory.
func (s *session) cwd() string {
	b, err := os.ReadFile(filepath.Join(s.state, "cwd"))
	if err != nil || len(bytes.TrimSpace(b)) == 0 {
		return s.home
	}
	return string(bytes.TrimSpace(b))
}

// resolve maps a file block's path to the host: ~ is HOME, relative paths
// are relative to the session's current directory.
func (s *session) resolve(p string) string {
	switch {
	case strings.HasPrefix(p, "~/"):
		return filepath.Join(s.home, p[2:])
	case filepath.IsAbs(p):
		return p
	}
	return filepath.Join(s.cwd(), p)
}

// command is bash running script in its own process group; when ctx ends
// the whole group is ended (SIGTERM, then SIGKILL).
func (s *session) command(ctx context.Context, script string, env []string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "bash", "--noprofile", "--norc", "-c", script)
	cmd.Env = append(append([]string(nil), s.env...), env...)
	cmd.Dir = s.work
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		killGroup(cmd.Process.Pid)
		return nil
	}
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// run runs one command to completion (or timeout) and returns its combined
// output and exit code. Output goes through a file, not a pipe, so a
// command that leaves a process in the background does not hold it open.
// Output is also copied to live, when set, as it is written.
func (s *session) run(ctx context.Context, command string, env []string, timeout time.Duration, live io.Writer) (string, int, error) {
	out, err := os.CreateTemp(filepath.Join(s.work, "tmp"), "out-")
	if err != nil {
		return "", -1, fmt.Errorf("run: %w", err)
	}
	defer os.Remove(out.Name())
	defer out.Close()
	cmd := s.command(ctx, Script(s.state, command, true), env)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return "", -1, fmt.Errorf("run: %w", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	if live != nil {
		stop := make(chan struct{})
		copied := make(chan struct{})
		go func() { follow(out.Name(), live, stop); close(copied) }()
		defer func() { close(stop); <-copied }()
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var why error
	select {
	case err = <-done:
	case <-timer.C:
		why = fmt.Errorf("timed out after %s", timeout)
	case <-ctx.Done():
		why = context.Cause(ctx)
	}
	if why == nil && ctx.Err() != nil {
		// The command ended because ctx did (cmd.Cancel), not by itself.
		why = context.Cause(ctx)
	}
	if why != nil {
		killGroup(cmd.Process.Pid)
		err = <-done
	} else {
		// What the command left running in its process group goes with it
		// (background="true" steps are for processes that should stay).
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	b, _ := os.ReadFile(out.Name())
	if why != nil {
		return string(b), -1, why
	}
	return string(b), exitCode(err), nil
}

func exitCode(err error) int {
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			return 128 + int(ws.Signal())
		}
		return ee.ExitCode()
	}
	return -1
}

// killGroup ends a process group: SIGTERM, then SIGKILL.
func killGroup(pid int) {
	syscall.Kill(-pid, syscall.SIGTERM)
	time.Sleep(100 * time.Millisecond)
	syscall.Kill(-pid, syscall.SIGKILL)
}

// start runs a command in the background until the lab ends (stopAll) or
// ctx ends.
func (s *session) start(ctx context.Context, command string, env []string) (*bgProc, error) {
	cmd := s.command(ctx, Script(s.state, command, false), env)
	p := &bgProc{cmd: cmd, out: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start: %w", err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	s.mu.Lock()
	s.bgs = append(s.bgs, p)
	s.mu.Unlock()
	return p, nil
}

func (p *bgProc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *bgProc) stop() {
	if !p.exited() {
		killGroup(p.cmd.Process.Pid)
		select {
		case <-p.done:
		case <-time.After(5 * time.Second):
		}
	}
}

// stopAll ends every background command.
func (s *session) stopAll() {
	s.mu.Lock()
	bgs := s.bgs
	s.bgs = nil
	s.mu.Unlock()
	for _, p := range bgs {
		p.stop()
	}
}

type lockedBuffer struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{} // has a value after a write, see Wrote
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wrote != nil {
		select {
		case l.wrote <- struct{}{}:
		default:
		}
	}
	return l.b.Write(p)
}

// Wrote returns a channel that receives after the buffer is written to
// (one value for any number of writes since the last receive).
func (l *lockedBuffer) Wrote() <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.wrote == nil {
		l.wrote = make(chan struct{}, 1)
	}
	return l.wrote
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

var _ io.Writer = (*lockedBuffer)(nil)

// follow copies what is appended to the file at path to w until stop is
// closed, then copies the rest.
func follow(path string, w io.Writer, stop <-chan struct{}) {
	f, err := os.Open(path)
	if err != nil {
		return
	}
	defer f.Close()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		io.Copy(w, f)
		select {
		case <-stop:
			io.Copy(w, f)
			return
		case <-tick.C:
		}
	}
}
