// Package dockerexec runs commands in running containers through Docker's
// Go client: create the exec, attach to it, feed its standard input,
// demultiplex its output, and read its exit code once the engine records
// it. A non-zero exit is data for the caller; an error is the engine or
// the connection breaking, or ctx ending.
package dockerexec

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// API is the part of Docker's Go client an exec uses (a *client.Client
// has it).
type API interface {
	ExecCreate(ctx context.Context, container string, opts client.ExecCreateOptions) (client.ExecCreateResult, error)
	ExecAttach(ctx context.Context, execID string, opts client.ExecAttachOptions) (client.ExecAttachResult, error)
	ExecInspect(ctx context.Context, execID string, opts client.ExecInspectOptions) (client.ExecInspectResult, error)
}

// Options says what to run and where its streams go.
type Options struct {
	Cmd    []string
	Stdin  io.Reader // nil: no standard input; else read to its end, then closed
	Stdout io.Writer // nil discards
	Stderr io.Writer // nil discards
}

// callTimeout bounds one call to the engine; the output stream is bounded
// by ctx alone, as a command may rightly run long.
const callTimeout = 30 * time.Second

// Run runs o.Cmd in container until it ends or ctx does, and returns its
// exit code.
func Run(ctx context.Context, api API, container string, o Options) (int, error) {
	cctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()
	ex, err := api.ExecCreate(cctx, container, client.ExecCreateOptions{Cmd: o.Cmd,
		AttachStdin: o.Stdin != nil, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return -1, fmt.Errorf("create: %w", err)
	}
	att, err := api.ExecAttach(cctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return -1, fmt.Errorf("attach: %w", err)
	}
	defer att.Close()
	// The attached connection outlives the call that opened it: it ends
	// when the command does, or here when ctx does.
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	fed := make(chan struct{})
	go func() {
		defer close(fed)
		if o.Stdin != nil {
			io.Copy(att.Conn, o.Stdin)
			att.CloseWrite()
		}
	}()
	_, err = stdcopy.StdCopy(orDiscard(o.Stdout), orDiscard(o.Stderr), att.Reader)
	att.Close() // ends the feeding if the command did not read all its input
	<-fed
	if ctx.Err() != nil {
		return -1, context.Cause(ctx)
	}
	if err != nil {
		return -1, fmt.Errorf("output: %w", err)
	}
	return exitCode(ctx, api, ex.ID)
}

// exitCode is the exit code of exec id, whose output has ended: the engine
// records the exit a moment after it closes the stream.
func exitCode(ctx context.Context, api API, id string) (int, error) {
	for pause := 10 * time.Millisecond; ; pause = min(2*pause, 200*time.Millisecond) {
		cctx, cancel := context.WithTimeout(ctx, callTimeout)
		st, err := api.ExecInspect(cctx, id, client.ExecInspectOptions{})
		cancel()
		if err != nil {
			return -1, fmt.Errorf("inspect: %w", err)
		}
		if !st.Running {
			return st.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return -1, context.Cause(ctx)
		case <-time.After(pause):
		}
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}
