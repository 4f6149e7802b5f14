// Package dockerexectest is a fake of the exec part of Docker's engine
// (dockerexec.API) for tests: each exec is served over a Unix socket,
// which, like the engine's connection, can be half-closed.
package dockerexectest

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Engine runs every exec with Command. Its exit code is read as running on
// the first inspection, as the engine's may just after the output ends.
type Engine struct {
	T testing.TB
	// Command is what the exec does: given its standard input (read to
	// its end when attached), what it prints and its exit code.
	Command func(stdin []byte) (stdout, stderr string, code int)
	// Hang makes the exec print nothing and never end; Dropped is closed
	// when the caller closes the connection.
	Hang    bool
	Dropped chan struct{}

	mu       sync.Mutex
	created  client.ExecCreateOptions
	code     int
	inspects int
}

// Created is the options of the last exec created.
func (e *Engine) Created() client.ExecCreateOptions {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.created
}

// Inspects is how many times the last exec was inspected.
func (e *Engine) Inspects() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.inspects
}

func (e *Engine) ExecCreate(_ context.Context, _ string, o client.ExecCreateOptions) (client.ExecCreateResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.created, e.inspects, e.code = o, 0, -1
	return client.ExecCreateResult{ID: "e1"}, nil
}

func (e *Engine) ExecAttach(context.Context, string, client.ExecAttachOptions) (client.ExecAttachResult, error) {
	l, err := net.Listen("unix", filepath.Join(e.T.TempDir(), "s"))
	if err != nil {
		return client.ExecAttachResult{}, err
	}
	go func() {
		defer l.Close()
		c, err := l.Accept()
		if err != nil {
			return
		}
		defer c.Close()
		e.serve(c)
	}()
	c, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		return client.ExecAttachResult{}, err
	}
	return client.ExecAttachResult{HijackedResponse: client.NewHijackedResponse(c, "")}, nil
}

// serve runs the exec on connection c.
func (e *Engine) serve(c net.Conn) {
	if e.Hang {
		io.Copy(io.Discard, c) // until the caller closes c
		close(e.Dropped)
		return
	}
	var stdin []byte
	if e.Created().AttachStdin {
		stdin, _ = io.ReadAll(c)
	}
	stdout, stderr, code := e.Command(stdin)
	for _, frame := range []struct {
		stream stdcopy.StdType
		text   string
	}{{stdcopy.Stdout, stdout}, {stdcopy.Stderr, stderr}} {
		if frame.text == "" {
			continue
		}
		var b bytes.Buffer
		b.Write([]byte{byte(frame.stream), 0, 0, 0})
		binary.Write(&b, binary.BigEndian, uint32(len(frame.text)))
		b.WriteString(frame.text)
		c.Write(b.Bytes())
	}
	e.mu.Lock()
	e.code = code
	e.mu.Unlock()
}

func (e *Engine) ExecInspect(context.Context, string, client.ExecInspectOptions) (client.ExecInspectResult, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.inspects++
	return client.ExecInspectResult{Running: e.inspects == 1, ExitCode: e.code}, nil
}
