package runner_test

import (
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	. "github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// timedFake reports a split of each cluster's creation (runner.Cluster's
// Create and Load) and
// takes deleteWait to delete a cluster.
type timedFake struct {
	*runnertest.Fake
	create, load time.Duration
	deleteWait   time.Duration
}

func (f *timedFake) CreateCluster(ctx context.Context, spec ClusterSpec, log io.Writer) (*Cluster, error) {
	c, err := f.Fake.CreateCluster(ctx, spec, log)
	if c != nil {
		c.Create, c.Load = f.create, f.load
	}
	return c, err
}

func (f *timedFake) DeleteCluster(ctx context.Context, c *Cluster, log io.Writer) error {
	time.Sleep(f.deleteWait)
	return f.Fake.DeleteCluster(ctx, c, log)
}

func phasesLab() *lab.Lab {
	return &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "c"}}}, Steps: []lab.Step{
		runStep("first", cmd("sleep 0.2")),
		{Name: "create", Kind: lab.KindCluster, Action: "create-cluster", Clusters: []string{"c"},
			Commands: []lab.Command{cmd("kind create cluster --name c", `Creating cluster "c" ...`, "...")}},
		runStep("use", cmd("sleep 0.2")),
		{Name: "delete", Kind: lab.KindCluster, Action: "delete-cluster", Clusters: []string{"c"},
			Commands: []lab.Command{cmd("kind delete cluster --name c", `Deleting cluster "c" ...`)}},
	}}
}

func TestRunReportsItsPhases(t *testing.T) {
	f := &timedFake{Fake: runnertest.New(t.TempDir()), deleteWait: 300 * time.Millisecond}
	f.CreateWait = time.Second
	f.create, f.load = 700*time.Millisecond, 300*time.Millisecond
	opts := testOpts(t, f)
	var out strings.Builder
	opts.Progress = &out
	run, err := Run(context.Background(), phasesLab(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("%s: %s", run.Reason, statuses(run))
	}
	if want := "(kind create 700ms, images loaded 300ms after its start); steps "; !strings.Contains(out.String(), "  environment ready at ") || !strings.Contains(out.String(), want) {
		t.Errorf("progress lacks the phases (%q):\n%s", want, out.String())
	}
	p := run.Phases
	if p == nil {
		t.Fatal("the run has no phases")
	}
	// The backend's split of the creation is taken as it is.
	if p.CreateClustersMS != 700 || p.LoadImagesMS != 300 {
		t.Errorf("create %d ms, images %d ms; want the backend's 700 and 300", p.CreateClustersMS, p.LoadImagesMS)
	}
	// Ready once the cluster exists: after its second of creation, before
	// the run ends, and the step before the create step ran meanwhile.
	if p.EnvironmentReadyMS < 1000 || p.EnvironmentReadyMS > run.DurationMS {
		t.Errorf("environment ready at %d ms; want between 1000 and the run's %d", p.EnvironmentReadyMS, run.DurationMS)
	}
	// The two 0.2 s steps, not the env steps (waiting ~0.8 s for the
	// cluster, deleting it for 0.3 s).
	if p.StepsMS < 400 || p.StepsMS >= 1000 {
		t.Errorf("steps %d ms; want the two run steps' 400 ms and more, without the env steps", p.StepsMS)
	}
	if p.TeardownMS < 300 {
		t.Errorf("teardown %d ms; want the delete-cluster step's 300 ms at least", p.TeardownMS)
	}
}

func TestPhasesOfAnUntimedCreation(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.CreateWait = 500 * time.Millisecond
	run, err := Run(context.Background(), phasesLab(), testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	p := run.Phases
	if p == nil {
		t.Fatal("the run has no phases")
	}
	// The whole creation counts as creating the cluster.
	if p.CreateClustersMS < 500 || p.LoadImagesMS != 0 {
		t.Errorf("create %d ms, images %d ms; want 500 and more, and 0", p.CreateClustersMS, p.LoadImagesMS)
	}
	if p.EnvironmentReadyMS < p.CreateClustersMS {
		t.Errorf("environment ready at %d ms, before the cluster's %d ms of creation", p.EnvironmentReadyMS, p.CreateClustersMS)
	}
}

func TestPhasesOfAFailedCreation(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.CreateErr = context.DeadlineExceeded
	run, err := Run(context.Background(), phasesLab(), testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail {
		t.Fatalf("the run passed without its cluster: %s", statuses(run))
	}
	if p := run.Phases; p == nil || p.CreateClustersMS != 0 || p.LoadImagesMS != 0 || p.EnvironmentReadyMS != 0 {
		t.Errorf("phases %+v: a cluster that was never created has no creation time, and the environment was never ready", p)
	}
}

// Open, like Run, does not wait for a cluster that a create-cluster step
// names: the steps before it run while kind works, and the step waits.
func TestOpenDoesNotWaitForClustersOfACreateStep(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.CreateWait = 1500 * time.Millisecond
	begin := time.Now()
	lv, err := Open(context.Background(), phasesLab(), testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	defer lv.Close()
	if d := time.Since(begin); d >= f.CreateWait {
		t.Errorf("Open took %s: it waited for the cluster's %s of creation", d, f.CreateWait)
	}
	if res := lv.Step(context.Background(), 0); res.Status != report.Pass {
		t.Fatalf("the step before the cluster: %s %s", res.Status, res.Reason)
	}
	res := lv.Step(context.Background(), 1)
	if res.Status != report.Pass {
		t.Fatalf("create-cluster step: %s %s", res.Status, res.Reason)
	}
	if d := time.Since(begin); d < f.CreateWait {
		t.Errorf("the create-cluster step passed after %s, before the cluster's %s of creation ended", d, f.CreateWait)
	}
	if leaks, err := lv.Close(); err != nil || len(leaks) > 0 {
		t.Errorf("Close: %v %v", leaks, err)
	}
}

// A cluster no create-cluster step names is waited for by Open.
func TestOpenWaitsForClustersWithoutACreateStep(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.CreateWait = 500 * time.Millisecond
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "c"}}}, Steps: []lab.Step{runStep("use", cmd("cat $KUBECONFIG", "current-context: kind-c"))}}
	begin := time.Now()
	lv, err := Open(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	defer lv.Close()
	if d := time.Since(begin); d < f.CreateWait {
		t.Errorf("Open returned after %s, before the cluster was created", d)
	}
	if res := lv.Step(context.Background(), 0); res.Status != report.Pass {
		t.Errorf("step: %s %s", res.Status, res.Reason)
	}
}
