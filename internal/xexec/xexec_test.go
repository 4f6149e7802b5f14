package xexec

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestOutputAndFailure(t *testing.T) {
	ctx := context.Background()
	out, err := Command("sh", "-c", "echo out; echo err >&2").OutputString(ctx)
	if err != nil || out != "out" {
		t.Fatalf("Output = %q, %v", out, err)
	}
	err = Command("sh", "-c", "echo step 1; echo 'E: no such package' >&2; exit 3").Run(ctx)
	var e *Error
	if !errors.As(err, &e) || e.ExitCode != 3 {
		t.Fatalf("err = %v, want *Error with exit code 3", err)
	}
	for _, want := range []string{"sh -c", "exit status 3", "step 1", "E: no such package"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestTimeoutKillsTheGroup(t *testing.T) {
	start := time.Now()
	// The child sleep would keep the pipes open if only sh were killed.
	err := Command("sh", "-c", "sleep 30 & sleep 30").WithTimeout(300 * time.Millisecond).Run(context.Background())
	var e *Error
	if !errors.As(err, &e) || !e.TimedOut || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %s to give up", d)
	}
	if !strings.Contains(err.Error(), "timed out after 300ms") {
		t.Errorf("message: %v", err)
	}
}

func TestCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	err := Command("sleep", "30").Run(ctx)
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestTail(t *testing.T) {
	tb := &tailBuffer{max: 10}
	for i := 0; i < 100; i++ {
		tb.Write([]byte("0123456789"))
	}
	tb.Write([]byte("abc"))
	if got := string(tb.Bytes()); got != "3456789abc" {
		t.Errorf("tail = %q", got)
	}
}

// WithStdout streams standard output to a writer; standard error still
// lands in the error of a failing command.
func TestStdout(t *testing.T) {
	var out bytes.Buffer
	if err := Command("sh", "-c", "printf 'data\\n'; echo noise >&2").WithStdout(&out).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if out.String() != "data\n" {
		t.Errorf("stdout = %q, want %q", out.String(), "data\n")
	}
	out.Reset()
	err := Command("sh", "-c", "printf 'part'; echo broke >&2; exit 3").WithStdout(&out).Run(context.Background())
	var e *Error
	if !errors.As(err, &e) || e.ExitCode != 3 || !strings.Contains(e.OutputText(), "broke") || strings.Contains(e.OutputText(), "part") {
		t.Errorf("err = %v, want exit 3 carrying stderr only", err)
	}
	if out.String() != "part" {
		t.Errorf("stdout = %q, want %q", out.String(), "part")
	}
}
