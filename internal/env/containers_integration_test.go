package env

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/runner"
)

// The backend hands back handles to the containers and networks it makes
// and keeps nothing: a second backend (a later advent process) finds a
// kept environment's by their labels and works on them the same way, and
// removing them by handle leaves nothing behind.
func TestContainerAndNetworkHandles(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a container on Docker")
	}
	const image = "ruby:3.1-bookworm" // a stand-in with bash
	if _, ok := builtImages(t).Image(image); !ok {
		t.Fatalf("%s is not in the image manifest: run `advent images build`", image)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	b, err := NewDockerBackend(ctx, DockerOptions{Mode: "air-gapped"})
	if err != nil {
		t.Fatal(err)
	}
	scope := Scope{Owner: b.owner}
	before, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}

	name := "advent-test-handles"
	nw, err := b.CreateNetwork(ctx, lab.Network{Name: name + "-net", Internal: true})
	if nw != nil {
		t.Cleanup(func() { b.RemoveNetwork(context.WithoutCancel(ctx), nw) })
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := b.StartContainer(ctx, lab.Container{Name: name, Image: image, Networks: []string{nw.Name}, Command: []string{"sleep", "infinity"}}, []*runner.Network{nw})
	if c != nil {
		t.Cleanup(func() { b.RemoveContainer(context.WithoutCancel(ctx), c) })
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != name || c.ID == "" || nw.ID == "" {
		t.Fatalf("handles %+v %+v", c, nw)
	}

	// Output comes back from both streams (each in order; Docker reads
	// them apart, so not interleaved as written), with the exit code.
	var out strings.Builder
	code, err := b.Exec(ctx, c, "echo one; echo two >&2; echo three; exit 3", &out)
	if o := out.String(); err != nil || code != 3 || len(o) != len("one\ntwo\nthree\n") ||
		!strings.Contains(o, "two\n") || !strings.Contains(strings.Replace(o, "two\n", "", 1), "one\nthree\n") {
		t.Fatalf("exec: code %d, err %v, output %q", code, err, o)
	}
	// A relative path is under /root; its directory is made.
	if err := b.WriteFile(ctx, c, "conf/app.yml", []byte("a: 1\n")); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code, err := b.Exec(ctx, c, "cat /root/conf/app.yml; stat -c %a /root/conf/app.yml", &out); err != nil || code != 0 || out.String() != "a: 1\n644\n" {
		t.Fatalf("after WriteFile: code %d, err %v, output %q", code, err, out.String())
	}
	// The container is on the internal network, under its name.
	out.Reset()
	if code, err := b.Exec(ctx, c, "getent hosts "+name+" >/dev/null && echo resolves", &out); err != nil || code != 0 || out.String() != "resolves\n" {
		t.Errorf("alias on the network: code %d, err %v, output %q", code, err, out.String())
	}
	// A command still running when its context ends stops the call.
	short, stop := context.WithTimeoutCause(ctx, 300*time.Millisecond, errors.New("step timed out"))
	begin := time.Now()
	_, err = b.Exec(short, c, "sleep 30", &out)
	stop()
	if err == nil || err.Error() != "step timed out" || time.Since(begin) > 10*time.Second {
		t.Errorf("exec past its context: err %v after %s", err, time.Since(begin))
	}

	// Another backend, as the next advent process, adopts them.
	other, err := NewDockerBackend(ctx, DockerOptions{Mode: "air-gapped"})
	if err != nil {
		t.Fatal(err)
	}
	k := &runner.Kept{Lab: "t", Owner: b.owner, Containers: []string{name, "gone"}, Networks: []string{nw.Name}}
	a, err := other.Adopt(ctx, k)
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Containers) != 1 || *a.Containers[0] != *c || len(a.Networks) != 1 || *a.Networks[0] != *nw ||
		strings.Join(a.Missing, ",") != "container/gone" {
		t.Fatalf("adopted %+v %+v, missing %v; want %+v %+v, missing container/gone", a.Containers, a.Networks, a.Missing, c, nw)
	}
	out.Reset()
	if code, err := other.Exec(ctx, a.Containers[0], "cat /root/conf/app.yml", &out); err != nil || code != 0 || out.String() != "a: 1\n" {
		t.Errorf("exec in the adopted container: code %d, err %v, output %q", code, err, out.String())
	}

	if err := other.RemoveContainer(ctx, a.Containers[0]); err != nil {
		t.Fatal(err)
	}
	if err := other.RemoveNetwork(ctx, a.Networks[0]); err != nil {
		t.Fatal(err)
	}
	// What is gone already is not an error.
	if err := b.RemoveContainer(ctx, c); err != nil {
		t.Errorf("removing a removed container: %v", err)
	}
	if err := b.RemoveNetwork(ctx, nw); err != nil {
		t.Errorf("removing a removed network: %v", err)
	}
	after, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !leaked.Empty() {
		t.Errorf("left behind: %s", leaked)
	}
	if a, err := other.Adopt(ctx, k); err != nil || len(a.Containers)+len(a.Networks) != 0 || len(a.Missing) != 3 {
		t.Errorf("adopting what was removed: %+v, %v", a, err)
	}
}
