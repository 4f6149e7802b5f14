package images

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// importAPI is an engine whose import answers with stream, after reading
// the archive sent.
type importAPI struct {
	dockerAPI
	stream  string
	ref     string
	changes []string
	body    string
}

func (f *importAPI) ImageImport(_ context.Context, src client.ImageImportSource, ref string, o client.ImageImportOptions) (client.ImageImportResult, error) {
	b, err := io.ReadAll(src.Source)
	if err != nil {
		return nil, err
	}
	f.body, f.ref, f.changes = string(b), ref, o.Changes
	if src.SourceName != "-" {
		f.body = "" // the engine would fetch fromSrc instead
	}
	return io.NopCloser(strings.NewReader(f.stream)), nil
}

// An import sends the archive with the changes; the engine reports a bad
// archive in its JSON stream, with status 200, and that is an error.
func TestImportTar(t *testing.T) {
	tarball := filepath.Join(t.TempDir(), "rootfs.tar")
	if err := os.WriteFile(tarball, []byte("the archive"), 0o644); err != nil {
		t.Fatal(err)
	}
	api := &importAPI{stream: `{"status":"sha256:0123"}` + "\n"}
	d := &docker{api: api}
	if err := d.importTar(context.Background(), tarball, "advent.local/tmp:x", `CMD ["bash"]`, "ENV A=b"); err != nil {
		t.Fatal(err)
	}
	if api.body != "the archive" || api.ref != "advent.local/tmp:x" || !slices.Equal(api.changes, []string{`CMD ["bash"]`, "ENV A=b"}) {
		t.Errorf("import sent %q as %q with %q", api.body, api.ref, api.changes)
	}
	api.stream = `{"errorDetail":{"message":"archive/tar: invalid tar header"},"error":"archive/tar: invalid tar header"}` + "\n"
	err := d.importTar(context.Background(), tarball, "advent.local/tmp:x")
	if err == nil || !strings.Contains(err.Error(), "archive/tar: invalid tar header") {
		t.Errorf("an import the engine refused: err = %v", err)
	}
}

// execAPI is an engine whose exec reads its standard input to the end,
// prints how much it read on stdout and a warning on stderr, and exits
// with status.
type execAPI struct {
	dockerAPI
	t        *testing.T
	status   int
	opts     client.ExecCreateOptions
	inspects int
}

func (f *execAPI) ExecCreate(_ context.Context, _ string, o client.ExecCreateOptions) (client.ExecCreateResult, error) {
	f.opts = o
	return client.ExecCreateResult{ID: "e1"}, nil
}

// ExecAttach serves the exec over a Unix socket, which, like the engine's
// connection, can be half-closed.
func (f *execAPI) ExecAttach(context.Context, string, client.ExecAttachOptions) (client.ExecAttachResult, error) {
	l, err := net.Listen("unix", filepath.Join(f.t.TempDir(), "s"))
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
		n := 0
		if f.opts.AttachStdin {
			b, _ := io.ReadAll(c)
			n = len(b)
		}
		for _, frame := range []struct {
			stream stdcopy.StdType
			text   string
		}{{stdcopy.Stdout, "read " + strconv.Itoa(n) + " bytes\n"}, {stdcopy.Stderr, "warning\n"}} {
			var b bytes.Buffer
			b.Write([]byte{byte(frame.stream), 0, 0, 0})
			binary.Write(&b, binary.BigEndian, uint32(len(frame.text)))
			b.WriteString(frame.text)
			c.Write(b.Bytes())
		}
	}()
	c, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		return client.ExecAttachResult{}, err
	}
	return client.ExecAttachResult{HijackedResponse: client.NewHijackedResponse(c, "")}, nil
}

// ExecInspect says the exec runs on the first call, as the engine may
// just after the output ends.
func (f *execAPI) ExecInspect(context.Context, string, client.ExecInspectOptions) (client.ExecInspectResult, error) {
	f.inspects++
	return client.ExecInspectResult{Running: f.inspects == 1, ExitCode: f.status}, nil
}

// An exec returns its stdout, logs both streams, gets its standard input
// to the end, and fails with its exit status and output.
func TestExec(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	api := &execAPI{t: t}
	var log bytes.Buffer
	d := &docker{api: api, log: &log}
	out, err := d.exec(ctx, "c1", strings.NewReader("12345"), time.Minute, "ctr", "images", "import", "-")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "read 5 bytes\n" || log.String() != "read 5 bytes\nwarning\n" {
		t.Errorf("stdout %q, log %q", out, log.String())
	}
	if !slices.Equal(api.opts.Cmd, []string{"ctr", "images", "import", "-"}) || !api.opts.AttachStdout || !api.opts.AttachStderr {
		t.Errorf("exec created with %+v", api.opts)
	}
	if api.inspects != 2 {
		t.Errorf("the exit status was read while the exec ran (%d inspections)", api.inspects)
	}
	api.status, api.inspects = 3, 0
	_, err = d.exec(ctx, "c1", nil, time.Minute, "bash", "-c", "exit 3")
	if err == nil || !strings.Contains(err.Error(), "bash in c1 exited with status 3: read 0 bytes\nwarning") {
		t.Errorf("a failed exec: err = %v", err)
	}
	if api.opts.AttachStdin {
		t.Error("stdin attached without input")
	}
}
