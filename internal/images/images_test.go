package images

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/containerd/errdefs"
	dockerspec "github.com/moby/docker-image-spec/specs-go/v1"
	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/xexec"
)

func TestKeyDeterministicAndSensitive(t *testing.T) {
	k1 := newKey("x").add("a", "1").add("b", "2").sum()
	k2 := newKey("x").add("a", "1").add("b", "2").sum()
	if k1 != k2 {
		t.Fatalf("same inputs, different keys: %s %s", k1, k2)
	}
	if !strings.HasPrefix(k1, "sha256:") || len(k1) != len("sha256:")+64 {
		t.Fatalf("key %q: want sha256:<64 hex>", k1)
	}
	for name, k := range map[string]string{
		"value changed":      newKey("x").add("a", "1").add("b", "3").sum(),
		"kind changed":       newKey("y").add("a", "1").add("b", "2").sum(),
		"boundaries shifted": newKey("x").add("a", "12").add("b", "").sum(),
		"input renamed":      newKey("x").add("a", "1").add("c", "2").sum(),
	} {
		if k == k1 {
			t.Errorf("%s: key did not change", name)
		}
	}
	m1 := newKey("m").addMap("go", map[string]string{"a": "1", "b": "2"}).sum()
	m2 := newKey("m").addMap("go", map[string]string{"b": "2", "a": "1"}).sum()
	if m1 != m2 {
		t.Errorf("map order changed the key")
	}
}

func TestKeyTree(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a"), []byte("one"), 0o644)
	key := func() string {
		h := newKey("tree")
		if err := h.addTree("t", dir); err != nil {
			t.Fatal(err)
		}
		return h.sum()
	}
	k1 := key()
	os.WriteFile(filepath.Join(dir, "a"), []byte("two"), 0o644)
	k2 := key()
	os.Chmod(filepath.Join(dir, "a"), 0o755)
	k3 := key()
	if k1 == k2 || k2 == k3 {
		t.Errorf("content or mode change did not change the key: %s %s %s", k1, k2, k3)
	}
}

// A step's key follows its Dockerfile (embedded asset) and its bases' keys.
func TestStepKeysFollowInputs(t *testing.T) {
	b := &builder{o: Options{CacheDir: t.TempDir()}, goVer: "go1.26.8"}
	base := &step{id: "debian", key: "sha256:base1"}
	spec := dockerfileSpec{id: "nginx", asset: "nginx", names: []string{"nginx:alpine"}, deps: []*step{base}, debs: []string{"nginx-light"}}
	k1 := b.dockerfileStep(spec).key
	if k2 := b.dockerfileStep(spec).key; k1 != k2 {
		t.Fatalf("same spec, different keys")
	}
	base.key = "sha256:base2"
	if k := b.dockerfileStep(spec).key; k == k1 {
		t.Errorf("base key changed but the stand-in's key did not")
	}
	base.key = "sha256:base1"
	spec.asset = "httpd"
	if k := b.dockerfileStep(spec).key; k == k1 {
		t.Errorf("Dockerfile changed but the key did not")
	}
	p1 := b.pauseStep().key
	b.goVer = "go1.27"
	if b.pauseStep().key == p1 {
		t.Errorf("Go version changed but the pause key did not")
	}
}

func TestManifestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadManifest(dir); !errors.Is(err, ErrNoManifest) {
		t.Fatalf("LoadManifest of an empty cache: %v, want ErrNoManifest", err)
	}
	built := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	m := &Manifest{CacheDir: dir, GeneratedAt: built, Images: []ImageEntry{
		{Name: NodeImageRepo + ":v1.34.4", ID: "sha256:b", Key: "sha256:k2", Artefact: "kind-node-v1.34.4", Size: 2},
		{Name: "nginx:alpine", ID: "sha256:a", Key: "sha256:k1", Artefact: "nginx", StandIn: true, Size: 1, BuiltAt: built,
			Sources: Sources{Debian: map[string]string{"nginx-light": "1.22.1-9"}}},
		{Name: NodeImageRepo + ":v1.33.13", ID: "sha256:c", Key: "sha256:k3", Artefact: "kind-node-v1.33.13", Size: 3},
		{Name: "registry.k8s.io/pause:3.10", ID: "sha256:d", StandIn: true},
	}, Tools: []ToolEntry{{Name: "kubectl", Path: filepath.Join(ToolsDir(dir), "kubectl"), Version: "v0.37.0", Module: "k8s.io/kubectl"}}}
	if err := WriteManifest(dir, m); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "images", "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"name": "nginx:alpine"`, `"stand_in": true`, `"built_at": "2026-11-25T12:00:00Z"`, `"nginx-light": "1.22.1-9"`, `"size": 1`, `"key": "sha256:k1"`, `"id": "sha256:a"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("manifest.json lacks %s:\n%s", want, b)
		}
	}
	got, err := LoadManifest(dir)
	if err != nil {
		t.Fatal(err)
	}
	if e, ok := got.Image("docker.io/library/nginx:alpine"); !ok || e.ID != "sha256:a" || !e.StandIn {
		t.Errorf("Image(nginx:alpine) = %+v, %v", e, ok)
	}
	nodes := got.NodeImages()
	if len(nodes) != 2 || nodes[0].Name != NodeImageRepo+":v1.33.13" || nodes[1].Name != NodeImageRepo+":v1.34.4" {
		t.Errorf("NodeImages = %+v, want v1.33.13 then v1.34.4", nodes)
	}
	if s := strings.Join(got.StandInNames(), ","); s != "nginx:alpine,registry.k8s.io/pause:3.10" {
		t.Errorf("StandInNames = %s", s)
	}
	if tool, ok := got.Tool("kubectl"); !ok || tool.Version != "v0.37.0" {
		t.Errorf("Tool(kubectl) = %+v, %v", tool, ok)
	}

	os.WriteFile(ManifestPath(dir), []byte(`{"version": 99}`), 0o644)
	if _, err := LoadManifest(dir); err == nil || !strings.Contains(err.Error(), "advent images build") {
		t.Errorf("old manifest version: %v, want a hint to rebuild", err)
	}
}

func TestDetectModeEnvOverride(t *testing.T) {
	ctx := context.Background()
	// An address that refuses connections: the env must win anyway.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	for env, want := range map[string]Mode{"online": Online, "air-gapped": AirGapped, "AIRGAPPED": AirGapped, "offline": AirGapped} {
		m, err := detectMode(ctx, env, closed, time.Second)
		if err != nil || m != want {
			t.Errorf("ADVENT_MODE=%s: %v, %v; want %v", env, m, err, want)
		}
	}
	if _, err := detectMode(ctx, "sometimes", closed, time.Second); err == nil || !strings.Contains(err.Error(), "ADVENT_MODE") {
		t.Errorf("bad ADVENT_MODE: %v, want an error naming it", err)
	}
	if m, err := detectMode(ctx, "", closed, time.Second); err != nil || m != AirGapped {
		t.Errorf("refused dial: %v, %v; want air-gapped", m, err)
	}
	ln, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if m, err := detectMode(ctx, "", ln.Addr().String(), 2*time.Second); err != nil || m != Online {
		t.Errorf("open port: %v, %v; want online", m, err)
	}

	t.Setenv(ModeEnv, "online")
	if m, err := DetectMode(ctx); err != nil || m != Online {
		t.Errorf("DetectMode with ADVENT_MODE=online: %v, %v", m, err)
	}
}

func TestNodeImageAndStandIns(t *testing.T) {
	if got, err := NodeImage(Online, "v1.35.8"); err != nil || got != "kindest/node:v1.35.8@sha256:07b2536e30b803ed61d1677a79df6115f798ce64c80f9e22f6ed45afd09323c0" {
		t.Errorf("online: %s, %v", got, err)
	}
	// A version kind did not publish an image for is refused online, with
	// the versions it did publish.
	if got, err := NodeImage(Online, "v1.34.11"); err == nil || !strings.Contains(err.Error(), "v1.35.8, v1.36.4, v1.37.0") {
		t.Errorf("online v1.34.11: %s, %v", got, err)
	}
	if got, err := NodeImage(AirGapped, "1.37.2"); err != nil || got != "advent.local/kind-node:v1.37.2" {
		t.Errorf("air-gapped: %s, %v", got, err)
	}
	for ref, want := range map[string]bool{
		"nginx:alpine": true, "docker.io/library/nginx:alpine": true, "perl:5.34.0": true,
		"httpd:alpine": true, "ruby:3.1-bookworm": true, "nginx": false, "nginx:1.25": false, "perl": false,
	} {
		if IsStandIn(ref) != want {
			t.Errorf("IsStandIn(%q) = %v", ref, !want)
		}
	}
	s := StandIns()
	s[0] = "changed"
	if StandIns()[0] == "changed" {
		t.Error("StandIns returns the package's slice")
	}
}

func TestParseKubernetesVersion(t *testing.T) {
	for in, want := range map[string]string{"v1.33.13": "v1.33.13", "1.34.4": "v1.34.4", " v1.35.0 ": "v1.35.0"} {
		if got, err := ParseKubernetesVersion(in); err != nil || got != want {
			t.Errorf("%q: %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "v1.33", "latest", "v1.20.0", "v2.0.0", "v1.33.x"} {
		if _, err := ParseKubernetesVersion(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
	if got := stagingVersion("v1.34.4"); got != "v0.34.4" {
		t.Errorf("stagingVersion = %s", got)
	}
}

func TestNeedsRuncWrapper(t *testing.T) {
	for capBnd, want := range map[string]bool{
		"000001fffeffffff": true,  // this VM: bit 24 clear
		"000001ffffffffff": false, // full set
		"0000003fffffffff": false,
		"00000000a80425fb": true, // docker's default set
		"0x1000000":        false,
	} {
		got, err := NeedsRuncWrapper(capBnd)
		if err != nil || got != want {
			t.Errorf("NeedsRuncWrapper(%s) = %v, %v; want %v", capBnd, got, err, want)
		}
		// .ci/docker-up must decide the same.
		out, err := exec.Command("bash", "../../.ci/docker-up", "--needs-wrapper", capBnd).Output()
		if err != nil {
			t.Fatalf("docker-up --needs-wrapper %s: %v", capBnd, err)
		}
		if got := strings.TrimSpace(string(out)) == "yes"; got != want {
			t.Errorf("docker-up --needs-wrapper %s = %q; want %v", capBnd, out, want)
		}
	}
	if _, err := NeedsRuncWrapper("zz"); err == nil {
		t.Error("bad CapBnd: no error")
	}
	if _, err := HostCapBnd(); err != nil {
		t.Error(err)
	}
}

// fakeBin puts an executable script named name on a PATH of its own.
func fakeBin(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestErrorDockerMissing(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	_, err := Build(context.Background(), Options{CacheDir: t.TempDir()})
	var se *StepError
	if !errors.As(err, &se) {
		t.Fatalf("Build without docker: %v, want a *StepError", err)
	}
	msg := err.Error()
	for _, want := range []string{"preflight: find docker", "docker is not installed", ".ci/docker-up"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestErrorDaemonNotRunning(t *testing.T) {
	dir := fakeBin(t, "docker", `echo "the docker CLI was called" >&2; exit 1`)
	t.Setenv("PATH", dir)
	t.Setenv("DOCKER_HOST", "unix://"+filepath.Join(t.TempDir(), "docker.sock"))
	_, err := Build(context.Background(), Options{CacheDir: t.TempDir()})
	if err == nil {
		t.Fatal("no error")
	}
	msg := err.Error()
	for _, want := range []string{"reach the Docker daemon", "Docker daemon is not running", "fix: start it: sudo .ci/docker-up"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
}

func TestClassify(t *testing.T) {
	cases := []struct {
		out        string
		reason     string
		fixMention string
	}{
		{"write /var/lib/docker/tmp/x: no space left on device", "disk full", "docker system df"},
		{"go: k8s.io/sample-controller@v0.34.4: reading https://proxy.golang.org/k8s.io/sample-controller/@v/v0.34.4.info: 403 Forbidden\n\tserver response: not available",
			"the Go module proxy refuses k8s.io/sample-controller@v0.34.4 (403 Forbidden)", "go list -m -versions k8s.io/sample-controller"},
		{"go: github.com/x/y@v1.2.3: verifying module: github.com/x/y@v1.2.3: reading https://sum.golang.org/lookup/github.com/x/y@v1.2.3: 404 Not Found",
			"the Go module proxy refuses github.com/x/y@v1.2.3 (404 Not Found)", "GOPROXY"},
		{"dial unix /var/run/docker.sock: connect: permission denied", "permission denied", "docker group"},
	}
	for _, c := range cases {
		err := &xexec.Error{Command: "x", Err: errors.New("exit status 1"), Output: []byte(c.out)}
		reason, fix := classify(err)
		if !strings.Contains(reason, c.reason) || !strings.Contains(fix, c.fixMention) {
			t.Errorf("classify(%q) = %q, %q; want %q and a fix mentioning %q", c.out, reason, fix, c.reason, c.fixMention)
		}
	}
	if r, _ := classify(errors.New("something else")); r != "" {
		t.Errorf("unknown error classified as %q", r)
	}
	se := stepError("build x", "/tmp/x.log", &xexec.Error{Command: "docker build", Err: errors.New("exit status 1"), Output: []byte("no space left on device")})
	want := "build x: disk full (no space left on device)\n  log: /tmp/x.log\n  fix: free disk space"
	if !strings.HasPrefix(se.Error(), want) {
		t.Errorf("StepError =\n%s\nwant prefix\n%s", se, want)
	}
	if err := stepError("x", "", context.Canceled); err != context.Canceled {
		t.Errorf("cancellation was wrapped: %v", err)
	}
}

// A failing step removes its temporary tags, so no half-built image keeps
// a name; the final names are never touched.
func TestFailedStepRemovesTemporaryTags(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "calls")
	dir := fakeBin(t, "docker", `echo "$@" >> `+logFile+`
case "$1" in build) echo "step 3/5: E: Unable to locate package nginx-light" >&2; exit 100;; esac
exit 0`)
	cache := t.TempDir()
	api := &fakeAPI{images: map[string]bool{}}
	b := &builder{o: Options{CacheDir: cache}, out: &strings.Builder{}, docker: &docker{bin: filepath.Join(dir, "docker"), api: api}, now: time.Now}
	s := &step{id: "nginx", title: "build nginx:alpine stand-in", key: "sha256:k"}
	var tmp, other string
	s.run = func(ctx context.Context, rc *runCtx) error {
		// A first stage was built into tmp; the second fails before it
		// makes other.
		tmp, other = rc.tmp(), rc.tmp()
		api.images[tmp] = true
		return rc.docker.build(ctx, cache, other, nil, time.Minute)
	}
	_, err := b.runStep(context.Background(), s, 0, nil, nil)
	var se *StepError
	if !errors.As(err, &se) || se.Step != "build nginx:alpine stand-in" || se.Log == "" {
		t.Fatalf("runStep: %v, want a StepError naming the step and its log", err)
	}
	if !strings.Contains(err.Error(), "Unable to locate package nginx-light") {
		t.Errorf("the command's output is not in the error:\n%v", err)
	}
	calls, _ := os.ReadFile(logFile)
	if lines := strings.Split(strings.TrimSpace(string(calls)), "\n"); len(lines) != 1 || !strings.HasPrefix(lines[0], "build ") {
		t.Errorf("docker CLI calls: want the build only:\n%s", calls)
	}
	// Both are removed, nothing is tagged; other's removal answers "not
	// found", which is no error.
	if want := []string{"rm " + tmp, "rm " + other}; !slices.Equal(api.calls, want) {
		t.Errorf("Docker API calls = %q, want %q", api.calls, want)
	}
	if api.images[tmp] {
		t.Errorf("temporary tag %s not removed", tmp)
	}
	if !strings.HasPrefix(tmp, tmpRepo+":nginx-") {
		t.Errorf("temporary tag %q not under %s", tmp, tmpRepo)
	}
	if log, _ := os.ReadFile(se.Log); strings.Contains(string(log), "removing temporary tags") {
		t.Errorf("removing a tag that does not exist was an error:\n%s", log)
	}
}

// fakeAPI is a Docker engine holding images: it records the calls that
// change the engine and answers the others by panicking.
type fakeAPI struct {
	dockerAPI
	images map[string]bool
	files  map[string]string // path in every container: text
	calls  []string

	status         int64 // exit status of every container
	stdout, stderr string
}

func (f *fakeAPI) ImageRemove(_ context.Context, ref string, _ client.ImageRemoveOptions) (client.ImageRemoveResult, error) {
	f.calls = append(f.calls, "rm "+ref)
	if !f.images[ref] {
		return client.ImageRemoveResult{}, errdefs.ErrNotFound.WithMessage("No such image: " + ref)
	}
	delete(f.images, ref)
	return client.ImageRemoveResult{}, nil
}

func (f *fakeAPI) ImageTag(_ context.Context, o client.ImageTagOptions) (client.ImageTagResult, error) {
	f.calls = append(f.calls, "tag "+o.Source+" "+o.Target)
	f.images[o.Target] = true
	return client.ImageTagResult{}, nil
}

func (f *fakeAPI) ImageInspect(_ context.Context, ref string, _ ...client.ImageInspectOption) (client.ImageInspectResult, error) {
	if !f.images[ref] {
		return client.ImageInspectResult{}, errdefs.ErrNotFound.WithMessage("No such image: " + ref)
	}
	var r client.ImageInspectResult
	r.ID, r.Size, r.Created = "sha256:"+ref, 42, "2026-12-01T10:00:00.123456789Z"
	r.Config = &dockerspec.DockerOCIImageConfig{}
	r.Config.Labels = map[string]string{LabelKey: "sha256:k"}
	return r, nil
}

func (f *fakeAPI) ContainerCreate(_ context.Context, o client.ContainerCreateOptions) (client.ContainerCreateResult, error) {
	f.calls = append(f.calls, "create "+o.Config.Image)
	return client.ContainerCreateResult{ID: "c1"}, nil
}

func (f *fakeAPI) ContainerRemove(_ context.Context, id string, _ client.ContainerRemoveOptions) (client.ContainerRemoveResult, error) {
	f.calls = append(f.calls, "rm container "+id)
	return client.ContainerRemoveResult{}, nil
}

// CopyFromContainer serves the files of f.files, whatever the container.
func (f *fakeAPI) CopyFromContainer(_ context.Context, id string, o client.CopyFromContainerOptions) (client.CopyFromContainerResult, error) {
	text, ok := f.files[o.SourcePath]
	if !ok {
		return client.CopyFromContainerResult{}, errdefs.ErrNotFound.WithMessage("Could not find the file " + o.SourcePath + " in container " + id)
	}
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	tw.WriteHeader(&tar.Header{Name: path.Base(o.SourcePath), Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(text))})
	tw.Write([]byte(text))
	tw.Close()
	return client.CopyFromContainerResult{Content: io.NopCloser(&b)}, nil
}

func (f *fakeAPI) ContainerStart(_ context.Context, id string, _ client.ContainerStartOptions) (client.ContainerStartResult, error) {
	f.calls = append(f.calls, "start "+id)
	return client.ContainerStartResult{}, nil
}

// ContainerWait answers that the container exited with f.status.
func (f *fakeAPI) ContainerWait(context.Context, string, client.ContainerWaitOptions) client.ContainerWaitResult {
	res := make(chan container.WaitResponse, 1)
	res <- container.WaitResponse{StatusCode: f.status}
	return client.ContainerWaitResult{Result: res}
}

// ContainerLogs serves f.stdout and f.stderr, multiplexed as Docker does.
func (f *fakeAPI) ContainerLogs(context.Context, string, client.ContainerLogsOptions) (client.ContainerLogsResult, error) {
	var b bytes.Buffer
	for _, frame := range []struct {
		stream stdcopy.StdType
		text   string
	}{{stdcopy.Stdout, f.stdout}, {stdcopy.Stderr, f.stderr}} {
		b.Write([]byte{byte(frame.stream), 0, 0, 0})
		binary.Write(&b, binary.BigEndian, uint32(len(frame.text)))
		b.WriteString(frame.text)
	}
	return io.NopCloser(&b), nil
}

// Without a packages file, the versions come from dpkg-query run in a
// container of the image; its failure is an error quoting its stderr.
func TestDebVersionsFromDpkg(t *testing.T) {
	api := &fakeAPI{images: map[string]bool{}, files: map[string]string{},
		stdout: "curl\t8.0\tii \nwget\t1.21\trc \n", stderr: "dpkg-query: warning: x\n"}
	var log strings.Builder
	d := &docker{bin: "docker-not-called", api: api, log: &log}
	got, err := d.debVersions(context.Background(), "img:1", []string{"curl"})
	if err != nil || len(got) != 1 || got["curl"] != "8.0" {
		t.Errorf("debVersions = %v, %v", got, err)
	}
	if !strings.Contains(log.String(), "dpkg-query: warning: x") {
		t.Errorf("dpkg-query's stderr is not in the step log: %q", log.String())
	}
	want := []string{"create img:1", "rm container c1", "create img:1", "start c1", "rm container c1"}
	if !slices.Equal(api.calls, want) {
		t.Errorf("Docker API calls = %q, want %q", api.calls, want)
	}
	api.status, api.stderr = 1, "dpkg-query: no packages found matching curl\n"
	if _, err := d.debVersions(context.Background(), "img:1", []string{"curl"}); err == nil ||
		!strings.Contains(err.Error(), "exited with status 1: dpkg-query: no packages found matching curl") {
		t.Errorf("a failing dpkg-query: err = %v", err)
	}
}

// Docker's typed not-found decides: an image that is not there inspects
// as nil, a file that is not in the image reads as nil, and the container
// made to copy it out is removed either way.
func TestDockerNotFoundIsTyped(t *testing.T) {
	api := &fakeAPI{images: map[string]bool{"there:1": true}, files: map[string]string{}}
	d := &docker{bin: "docker-not-called", api: api}
	ctx := context.Background()
	if info, err := d.inspect(ctx, "gone:1"); info != nil || err != nil {
		t.Errorf("inspect of a missing image = %v, %v; want nil, nil", info, err)
	}
	info, err := d.inspect(ctx, "there:1")
	if err != nil || info.ID != "sha256:there:1" || info.Size != 42 || info.Created.Nanosecond() != 123456789 || info.Labels[LabelKey] != "sha256:k" {
		t.Errorf("inspect = %+v, %v", info, err)
	}
	if ok, err := d.hasKey(ctx, "gone:1", "sha256:k"); ok || err != nil {
		t.Errorf("hasKey of a missing image = %v, %v", ok, err)
	}
	if out, err := d.packagesFile(ctx, "there:1"); out != nil || err != nil {
		t.Errorf("packagesFile without the file = %q, %v; want nil, nil", out, err)
	}
	api.files[PackagesFile] = "curl\t8.0\tii \n"
	if out, err := d.packagesFile(ctx, "there:1"); string(out) != api.files[PackagesFile] || err != nil {
		t.Errorf("packagesFile = %q, %v", out, err)
	}
	want := []string{"create there:1", "rm container c1", "create there:1", "rm container c1"}
	if !slices.Equal(api.calls, want) {
		t.Errorf("Docker API calls = %q, want %q", api.calls, want)
	}
}

func TestDebianSources(t *testing.T) {
	deb822 := `Types: deb
# http://snapshot.debian.org/archive/debian/20250520T000000Z
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://src.example/debian
Suites: bookworm
Components: main
`
	got := pickDebianSources(parseDeb822(deb822), "")
	if got.Mirror != "http://deb.debian.org/debian" {
		t.Errorf("mirror = %q", got.Mirror)
	}
	if !strings.Contains(got.Text, "Suites: bookworm-security") || strings.Contains(got.Text, "src.example") {
		t.Errorf("sources text:\n%s", got.Text)
	}
	list := "# comment\ndeb [arch=amd64 signed-by=/x.gpg] http://mirror.example/debian bookworm main contrib\ndeb http://other.example/ubuntu jammy main\n"
	got = pickDebianSources(parseSourcesList(list), "")
	if got.Mirror != "http://mirror.example/debian" || strings.Contains(got.Text, "jammy") {
		t.Errorf("sources.list: %+v", got)
	}
	if got := pickDebianSources(nil, ""); got.Mirror != defaultMirror {
		t.Errorf("no sources: mirror %q", got.Mirror)
	}
	if got := pickDebianSources(parseDeb822(deb822), "http://override/debian"); got.Mirror != "http://override/debian" || strings.Contains(got.Text, "deb.debian.org") {
		t.Errorf("override: %+v", got)
	}
}

func TestEtcdCandidates(t *testing.T) {
	if got := strings.Join(etcdCandidates("3.6.4-0"), ","); got != "v3.6.4" {
		t.Errorf("3.6.4-0: %s", got)
	}
	if got := strings.Join(etcdCandidates("3.5.24-0"), ","); got != "v3.5.24,v3.5.21" {
		t.Errorf("3.5.24-0: %s", got)
	}
	if got := strings.Join(etcdCandidates("3.7.1-0"), ","); got != "v3.7.1" {
		t.Errorf("3.7.1-0: %s", got)
	}
}

func TestParseKubernetesGoMod(t *testing.T) {
	gomod := "module k8s.io/kubernetes\n\ngo 1.24.0\n\ngodebug default=go1.24\n\nrequire (\n\tk8s.io/api v0.0.0\n)\n\nreplace (\n\tk8s.io/api => ./staging/src/k8s.io/api\n\tk8s.io/sample-controller => ./staging/src/k8s.io/sample-controller\n)\n"
	goLine, godebug, staging := parseKubernetesGoMod(gomod)
	if goLine != "go 1.24.0" || len(godebug) != 1 || strings.Join(staging, ",") != "k8s.io/api,k8s.io/sample-controller" {
		t.Errorf("got %q %q %q", goLine, godebug, staging)
	}
}

func TestAssetsPresent(t *testing.T) {
	for _, p := range []string{"pause/main.go.txt", "pause/go.mod.txt", "node/default-storage.yaml", "node/default-cni.yaml",
		"node/10-advent-bridge.conflist", "nginx/Dockerfile", "httpd/index.html"} {
		if _, err := assetText(p); err != nil {
			t.Error(err)
		}
	}
	index, _ := assetText("httpd/index.html")
	if index != "<html><body><h1>It works!</h1></body></html>\n" {
		t.Errorf("httpd index.html = %q, want upstream's page", index)
	}
	storage, _ := assetText("node/default-storage.yaml")
	if strings.Contains(storage, "docker.io") || !strings.Contains(storage, "LOCAL_PATH_HELPER_IMAGE") {
		t.Errorf("storage manifest still names registry images or lost its placeholders")
	}
}

func TestUniqueLines(t *testing.T) {
	got := uniqueLines("b\n  a \n\nb\r\nc d\n a")
	if want := []string{"a", "b", "c d"}; !slices.Equal(got, want) {
		t.Errorf("uniqueLines = %q, want %q", got, want)
	}
	if got := uniqueLines(" \n"); len(got) != 0 {
		t.Errorf("uniqueLines of blank lines = %q, want none", got)
	}
}

// copyAsset writes every file of the asset, byte for byte.
func TestCopyAsset(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "ctx")
	if err := copyAsset("node", dst); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"Dockerfile", "default-storage.yaml", "default-cni.yaml", "10-advent-bridge.conflist"} {
		want, _ := assetText("node/" + name)
		got, err := os.ReadFile(filepath.Join(dst, name))
		if err != nil || string(got) != want {
			t.Errorf("%s: %v, or not the asset's bytes", name, err)
		}
	}
}

// The flags every Go compilation gets are part of the key of every step
// that compiles: a change rebuilds them all.
func TestGoBuildFlagsInKeys(t *testing.T) {
	b := &builder{o: Options{CacheDir: t.TempDir()}, goVer: "go1.26.8"}
	static := &step{id: "static-base", key: "sha256:static"}
	spec := goImageSpec{id: "coredns", module: "github.com/coredns/coredns", version: "v1.14.3", binary: "coredns", base: static}
	keys := func() map[string]string {
		return map[string]string{"pause": b.pauseStep().key, "coredns": b.goImageStep(spec).key,
			"kube-binaries": b.kubeBinariesKey("v1.37.2"), "etcd": b.etcdKey("3.6.6-0", etcdCandidates("3.6.6-0"), static.key)}
	}
	before := keys()
	saved := goBuildFlags
	t.Cleanup(func() { goBuildFlags = saved })
	goBuildFlags = append(slices.Clone(saved), "-gcflags=all=-N")
	for id, k := range keys() {
		if k == before[id] {
			t.Errorf("%s: key unchanged by another goBuildFlags", id)
		}
	}
}
