// Package xexec runs external commands with a timeout and keeps a failing
// command's output in its error, in the spirit of sigs.k8s.io/kind/pkg/exec.
//
// Every command runs in its own process group, so cancelling the context (or
// hitting the timeout) stops the command and everything it started.
package xexec

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// DefaultTimeout bounds a command whose Cmd.Timeout is zero.
const DefaultTimeout = 2 * time.Minute

// tailBytes is how much of a command's combined output an Error keeps.
const tailBytes = 16 << 10

// Cmd is one command to run. Only Name is required.
type Cmd struct {
	Name    string        // program, looked up in PATH
	Args    []string      // arguments
	Dir     string        // working directory; "" is the current one
	Env     []string      // KEY=VALUE added to the inherited environment
	Stdin   io.Reader     // nil: no input
	Log     io.Writer     // if set, receives the combined output as it comes
	Stdout  io.Writer     // if set, Run writes standard output here (not to Log, not kept)
	Timeout time.Duration // 0: DefaultTimeout; <0: no timeout besides ctx
}

// Command returns a Cmd for name and args with the default timeout.
func Command(name string, args ...string) *Cmd {
	return &Cmd{Name: name, Args: args}
}

// WithTimeout sets c's timeout and returns c.
func (c *Cmd) WithTimeout(d time.Duration) *Cmd { c.Timeout = d; return c }

// WithDir sets c's working directory and returns c.
func (c *Cmd) WithDir(dir string) *Cmd { c.Dir = dir; return c }

// WithEnv adds environment entries and returns c.
func (c *Cmd) WithEnv(kv ...string) *Cmd { c.Env = append(c.Env, kv...); return c }

// WithStdin sets c's standard input and returns c.
func (c *Cmd) WithStdin(r io.Reader) *Cmd { c.Stdin = r; return c }

// WithStdout sends Run's standard output to w and returns c.
func (c *Cmd) WithStdout(w io.Writer) *Cmd { c.Stdout = w; return c }

// WithLog copies the combined output to w and returns c.
func (c *Cmd) WithLog(w io.Writer) *Cmd { c.Log = w; return c }

// String is the command line, shell-quoted enough to read.
func (c *Cmd) String() string {
	parts := []string{c.Name}
	for _, a := range c.Args {
		if a == "" || strings.ContainsAny(a, " \t\n'\"$\\") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		parts = append(parts, a)
	}
	s := strings.Join(parts, " ")
	if len(s) > 300 {
		s = s[:300] + "..."
	}
	return s
}

// Error is a command that could not start, failed or timed out.
type Error struct {
	Command  string // the command line
	ExitCode int    // -1 when it did not exit normally
	TimedOut bool   // the command's own timeout expired
	Timeout  time.Duration
	Err      error  // the underlying error
	Output   []byte // the tail of the combined stdout and stderr
}

func (e *Error) Error() string {
	var b strings.Builder
	switch {
	case e.TimedOut:
		fmt.Fprintf(&b, "%s: timed out after %s", e.Command, e.Timeout)
	case errors.Is(e.Err, context.Canceled):
		fmt.Fprintf(&b, "%s: %v", e.Command, context.Canceled)
	default:
		fmt.Fprintf(&b, "%s: %v", e.Command, e.Err)
	}
	if out := strings.TrimSpace(string(e.Output)); out != "" {
		lines := strings.Split(out, "\n")
		if len(lines) > 25 {
			lines = append([]string{"..."}, lines[len(lines)-25:]...)
		}
		b.WriteString("\n    ")
		b.WriteString(strings.Join(lines, "\n    "))
	}
	return b.String()
}

// Unwrap returns the underlying error (context.Canceled when interrupted).
func (e *Error) Unwrap() error { return e.Err }

// OutputText is the kept output as a string.
func (e *Error) OutputText() string { return string(e.Output) }

// Run runs c and waits for it.
func (c *Cmd) Run(ctx context.Context) error {
	_, err := c.run(ctx, false)
	return err
}

// Output runs c and returns its standard output, also when it fails.
// Standard error only goes to the log and, on failure, into the error.
func (c *Cmd) Output(ctx context.Context) ([]byte, error) {
	return c.run(ctx, true)
}

// OutputString is Output with surrounding space trimmed.
func (c *Cmd) OutputString(ctx context.Context) (string, error) {
	out, err := c.Output(ctx)
	return strings.TrimSpace(string(out)), err
}

func (c *Cmd) run(ctx context.Context, wantStdout bool) ([]byte, error) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	runCtx := ctx
	if timeout > 0 {
		var cancel context.CancelFunc
		runCtx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	cmd := exec.CommandContext(runCtx, c.Name, c.Args...)
	cmd.Dir = c.Dir
	if len(c.Env) > 0 {
		cmd.Env = append(os.Environ(), c.Env...)
	}
	cmd.Stdin = c.Stdin
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error {
		// The whole group: go build's compilers, docker's children.
		return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	}
	cmd.WaitDelay = 10 * time.Second

	tail := &tailBuffer{max: tailBytes}
	var combined io.Writer = tail
	if c.Log != nil {
		combined = io.MultiWriter(tail, c.Log)
	}
	var stdout bytes.Buffer
	switch {
	case wantStdout:
		cmd.Stdout = &stdout
	case c.Stdout != nil:
		cmd.Stdout = c.Stdout
	default:
		cmd.Stdout = combined
	}
	cmd.Stderr = combined

	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	e := &Error{Command: c.String(), ExitCode: -1, Err: err, Output: tail.Bytes(), Timeout: timeout}
	if wantStdout && stdout.Len() > 0 && len(e.Output) == 0 {
		e.Output = stdout.Bytes()
	}
	var exitErr *exec.ExitError
	if errors.As(err, &exitErr) {
		e.ExitCode = exitErr.ExitCode()
	}
	switch {
	case ctx.Err() != nil:
		e.Err = ctx.Err()
	case runCtx.Err() == context.DeadlineExceeded:
		e.TimedOut = true
		e.Err = fmt.Errorf("%w (timeout %s)", context.DeadlineExceeded, timeout)
	}
	return stdout.Bytes(), e
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if len(t.buf) > 2*t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) Bytes() []byte {
	if len(t.buf) > t.max {
		return t.buf[len(t.buf)-t.max:]
	}
	return t.buf
}
