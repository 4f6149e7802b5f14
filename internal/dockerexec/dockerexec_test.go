package dockerexec_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/dockerexec"
	"github.com/sysadvent/advent/internal/dockerexec/dockerexectest"
)

// readsAll is a command that reads its standard input to the end, says
// how much it read on stdout and warns on stderr.
func readsAll(code int) func([]byte) (string, string, int) {
	return func(stdin []byte) (string, string, int) {
		return "read " + strconv.Itoa(len(stdin)) + " bytes\n", "warning\n", code
	}
}

// Run feeds the standard input to its end and half-closes it (else the
// command would not end), splits the two output streams, and reads the
// exit code only once the exec no longer runs.
func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	e := &dockerexectest.Engine{T: t, Command: readsAll(3)}
	var stdout, stderr bytes.Buffer
	code, err := dockerexec.Run(ctx, e, "c1", dockerexec.Options{Cmd: []string{"ctr", "import", "-"},
		Stdin: strings.NewReader("12345"), Stdout: &stdout, Stderr: &stderr})
	if err != nil {
		t.Fatal(err)
	}
	if code != 3 || stdout.String() != "read 5 bytes\n" || stderr.String() != "warning\n" {
		t.Errorf("exit code %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	if o := e.Created(); !slices.Equal(o.Cmd, []string{"ctr", "import", "-"}) || !o.AttachStdin || !o.AttachStdout || !o.AttachStderr {
		t.Errorf("exec created with %+v", o)
	}
	if e.Inspects() != 2 {
		t.Errorf("the exit code was read while the exec ran (%d inspections)", e.Inspects())
	}

	e.Command = readsAll(0)
	code, err = dockerexec.Run(ctx, e, "c1", dockerexec.Options{Cmd: []string{"true"}})
	if err != nil || code != 0 {
		t.Errorf("without input or writers: exit code %d, err %v", code, err)
	}
	if e.Created().AttachStdin {
		t.Error("stdin attached without input")
	}
}

// A command that does not end is left when ctx ends: Run returns ctx's
// cause and closes the connection.
func TestRunCancelled(t *testing.T) {
	e := &dockerexectest.Engine{T: t, Hang: true, Dropped: make(chan struct{})}
	ctx, cancel := context.WithCancelCause(context.Background())
	why := errors.New("the step timed out")
	go func() {
		time.Sleep(10 * time.Millisecond)
		cancel(why)
	}()
	code, err := dockerexec.Run(ctx, e, "c1", dockerexec.Options{Cmd: []string{"sleep", "infinity"}})
	if !errors.Is(err, why) || code != -1 {
		t.Errorf("exit code %d, err %v; want -1, %v", code, err, why)
	}
	select {
	case <-e.Dropped:
	case <-time.After(time.Minute):
		t.Error("the connection stayed open after ctx ended")
	}
}
