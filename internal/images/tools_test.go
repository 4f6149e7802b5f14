package images

import (
	"context"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The labs' kubectl is kube-binaries-<release>'s: the tools step runs after
// that step when the build has it, and its key is the same either way.
func TestToolsKubectlFollowsKubeBinaries(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cache := t.TempDir()
	plan := func(versions ...string) *builder {
		return plannedBuilder(t, ctx, Options{CacheDir: cache, K8sVersions: versions})
	}
	mods, err := plan().listModules(ctx, "k8s.io/kubectl")
	if err != nil {
		t.Fatal(err)
	}
	release, err := kubectlRelease(mods[0].Version)
	if err != nil {
		t.Fatal(err)
	}
	const other = "v1.30.1"
	with, without := plan(other, release), plan(other)
	tools := with.byID["tools"]
	if len(tools.after) != 1 || tools.after[0] != with.byID["kube-binaries-"+release] {
		t.Errorf("with %s in the build, tools runs after %v, want kube-binaries-%s", release, stepIDs(tools.after), release)
	}
	if a := without.byID["tools"].after; len(a) != 0 {
		t.Errorf("without %s, tools runs after %v, want nothing", release, stepIDs(a))
	}
	if tools.key != without.byID["tools"].key {
		t.Error("the tools key depends on the Kubernetes versions built")
	}
	for _, d := range tools.deps {
		if d.id == "kube-binaries-"+release {
			t.Error("kube-binaries is a dep of tools: -only tools would build every Kubernetes binary")
		}
	}
	with.goVer += "-other"
	if s, _, err := with.toolsStep(ctx); err != nil || s.key == tools.key {
		t.Errorf("the Go version changed kube-binaries' key but not the tools key (err %v)", err)
	}
}

// plannedBuilder is a builder for o that has read the host's facts and
// planned its steps, as Build does before building. It needs go (go.mod's
// module list), not Docker.
func plannedBuilder(t *testing.T, ctx context.Context, o Options) *builder {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not on PATH")
	}
	b := &builder{o: o, goBin: goBin, byID: map[string]*step{}, now: time.Now}
	if err := b.facts(ctx); err != nil {
		t.Fatal(err)
	}
	if err := b.plan(ctx); err != nil {
		t.Fatal(err)
	}
	return b
}

// kubectlOf copies kube-binaries-v's kubectl when its stamp has the key
// that step would have; a stale stamp sends it to build kubectl itself.
func TestKubectlOfReusesOnlyAFreshBuild(t *testing.T) {
	const v = "v1.37.2"
	cache := t.TempDir()
	b := &builder{o: Options{CacheDir: cache}, goVer: "go1.26.8", now: time.Now,
		goBin: filepath.Join(fakeBin(t, "go", "echo go was called >&2; exit 3"), "go")}
	rc := &runCtx{b: b, s: &step{id: "tools", title: "tools"}, log: io.Discard, times: &stepTimes{}}
	dir := kubeDir(cache, v)
	bin := filepath.Join(dir, "bin", "kubectl")
	if err := os.MkdirAll(filepath.Dir(bin), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, []byte("kubectl "+v), 0o755); err != nil {
		t.Fatal(err)
	}
	st := &stamp{Key: b.kubeBinariesKey(v), Files: []string{bin}, Lines: []string{"registry.k8s.io/pause:3.10"}}
	if err := writeStamp(filepath.Join(dir, "stamp.json"), st); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "kubectl")
	if err := b.kubectlOf(context.Background(), rc, v, dst); err != nil {
		t.Fatal(err)
	}
	if got, _ := os.ReadFile(dst); string(got) != "kubectl "+v {
		t.Errorf("kubectl = %q, want kube-binaries' copy", got)
	}

	b.goVer = "go1.27.0" // kube-binaries' key changes: its kubectl is not this build's
	stale := filepath.Join(t.TempDir(), "kubectl")
	if err := b.kubectlOf(context.Background(), rc, v, stale); err == nil {
		t.Error("a stale kube-binaries stamp: no error from the fake go, so the old kubectl was reused")
	}
	if _, err := os.Stat(stale); err == nil {
		t.Error("a stale kube-binaries stamp: kubectl written anyway")
	}
}
