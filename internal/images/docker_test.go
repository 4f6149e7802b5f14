package images

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/dockerexec/dockerexectest"
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
	*dockerexectest.Engine
	status int
}

func newExecAPI(t *testing.T) *execAPI {
	f := &execAPI{}
	f.Engine = &dockerexectest.Engine{T: t, Command: func(stdin []byte) (string, string, int) {
		return "read " + strconv.Itoa(len(stdin)) + " bytes\n", "warning\n", f.status
	}}
	return f
}

func (f *execAPI) ExecCreate(ctx context.Context, id string, o client.ExecCreateOptions) (client.ExecCreateResult, error) {
	return f.Engine.ExecCreate(ctx, id, o)
}

func (f *execAPI) ExecAttach(ctx context.Context, id string, o client.ExecAttachOptions) (client.ExecAttachResult, error) {
	return f.Engine.ExecAttach(ctx, id, o)
}

func (f *execAPI) ExecInspect(ctx context.Context, id string, o client.ExecInspectOptions) (client.ExecInspectResult, error) {
	return f.Engine.ExecInspect(ctx, id, o)
}

// An exec returns its stdout, logs both streams, gets its standard input
// to the end, and fails with its exit status and output.
func TestExec(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	api := newExecAPI(t)
	var log bytes.Buffer
	d := &docker{api: api, log: &log}
	out, err := d.exec(ctx, "c1", strings.NewReader("12345"), time.Minute, "ctr", "images", "import", "-")
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "read 5 bytes\n" || log.String() != "read 5 bytes\nwarning\n" {
		t.Errorf("stdout %q, log %q", out, log.String())
	}
	if o := api.Created(); !slices.Equal(o.Cmd, []string{"ctr", "images", "import", "-"}) || !o.AttachStdout || !o.AttachStderr {
		t.Errorf("exec created with %+v", o)
	}
	if api.Inspects() != 2 {
		t.Errorf("the exit status was read while the exec ran (%d inspections)", api.Inspects())
	}
	api.status = 3
	_, err = d.exec(ctx, "c1", nil, time.Minute, "bash", "-c", "exit 3")
	if err == nil || !strings.Contains(err.Error(), "bash in c1 exited with status 3: read 0 bytes\nwarning") {
		t.Errorf("a failed exec: err = %v", err)
	}
	if api.Created().AttachStdin {
		t.Error("stdin attached without input")
	}
}
