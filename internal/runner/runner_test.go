package runner_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	. "github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

func cmd(c string, expect ...string) lab.Command {
	if len(expect) == 0 {
		return lab.Command{Cmd: c}
	}
	return lab.Command{Cmd: c, Expect: expect}
}

func runStep(name string, cmds ...lab.Command) lab.Step {
	return lab.Step{Name: name, Kind: lab.KindRun, Commands: cmds}
}

func testOpts(t *testing.T, b Backend) Options {
	return Options{Backend: b, WorkDir: t.TempDir(), RetryInterval: 50 * time.Millisecond, TeardownTimeout: 20 * time.Second}
}

func statuses(run *report.Run) string {
	var s []string
	for _, st := range run.Steps {
		s = append(s, st.Name+"="+string(st.Status))
	}
	return strings.Join(s, " ")
}

func TestRunPassesAndCarriesShellState(t *testing.T) {
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		runStep("mkdir", cmd("mkdir -p ~/work/sub"), cmd("cd ~/work")),
		{Name: "write", Kind: lab.KindFile, Path: "sub/hello.txt", Data: []byte("hello\n")},
		runStep("read", cmd("cat sub/hello.txt", "hello"), cmd("export GREETING=hi")),
		runStep("env", cmd(`echo "$GREETING from $(basename "$PWD")"`, "hi from work"),
			cmd(`echo "home=${HOME##*/} lang=$LANG"`, "home=home lang=C.UTF-8")),
		runStep("strict", cmd("set -o | grep -E '^(errexit|nounset|pipefail)' | tr -s ' \\t' ' '", "errexit on", "nounset on", "pipefail on")),
	}}
	f := runnertest.New(t.TempDir())
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("status %s (%s): %s", run.Status, run.Reason, statuses(run))
	}
	if got := statuses(run); got != "mkdir=pass write=pass read=pass env=pass strict=pass" {
		t.Errorf("steps: %s", got)
	}
}

func TestUserKubeconfigIsNeverUsed(t *testing.T) {
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "a"}, {Name: "b"}}}, Steps: []lab.Step{
		runStep("kubeconfig", cmd(`echo "$KUBECONFIG" | tr ':' '\n' | xargs -n1 basename`, "a.yaml", "b.yaml")),
		{Name: "one", Kind: lab.KindRun, Cluster: "b", Commands: []lab.Command{cmd(`basename "$KUBECONFIG"`, "b.yaml")}},
		runStep("home", cmd(`test "$HOME" != "`+os.Getenv("HOME")+`" && echo isolated`, "isolated")),
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("%s: %s", run.Reason, statuses(run))
	}
}

func TestMismatchFailsShowsDiffAndStillCleansUp(t *testing.T) {
	f := runnertest.New(t.TempDir())
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "one"}, {Name: "two"}}}, Steps: []lab.Step{
		runStep("ok", cmd("echo ok", "ok")),
		runStep("bad", cmd("printf 'a\\nb\\n'", "a", "c")),
		runStep("after", cmd("echo never")),
		{Name: "tidy", Kind: lab.KindRun, Role: lab.RoleCleanup, Commands: []lab.Command{cmd("echo cleaning", "cleaning")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail {
		t.Fatalf("status %s", run.Status)
	}
	if got := statuses(run); got != "ok=pass bad=fail after=not-run tidy=pass" {
		t.Errorf("steps: %s", got)
	}
	bad := run.Steps[1]
	if !strings.Contains(bad.Diff, "-c") || !strings.Contains(bad.Diff, "+b") {
		t.Errorf("diff does not show expected vs actual:\n%s", bad.Diff)
	}
	if !strings.Contains(run.Steps[2].Reason, `"bad" failed`) {
		t.Errorf("not-run reason: %q", run.Steps[2].Reason)
	}
	all := f.Calls()
	sort.Strings(all[:2]) // clusters are created in parallel
	calls := strings.Join(all, ", ")
	// deleted newest first, after cleanup steps
	if want := "create-cluster one, create-cluster two, delete-cluster two, delete-cluster one"; calls != want {
		t.Errorf("calls:\n got %s\nwant %s", calls, want)
	}
}

func TestExitCodeAndMatch(t *testing.T) {
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "exit3", Kind: lab.KindRun, Exit: 3, Commands: []lab.Command{cmd("echo before; exit 3", "before")}},
		{Name: "regexp", Kind: lab.KindRun, Match: `pi=3\.14\d+`, Commands: []lab.Command{cmd("echo pi=3.14159")}},
		{Name: "exit0-but-want-1", Kind: lab.KindRun, Exit: 1, Commands: []lab.Command{cmd("true")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(run); got != "exit3=pass regexp=pass exit0-but-want-1=fail" {
		t.Errorf("steps: %s", got)
	}
	if r := run.Steps[2].Reason; !strings.Contains(r, "exited with status 0, want 1") {
		t.Errorf("reason %q", r)
	}
}

func TestRetryUntilMatch(t *testing.T) {
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "eventually", Kind: lab.KindRun, Retry: lab.Duration(10 * time.Second), Commands: []lab.Command{
			cmd(`n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; if [ $n -ge 3 ]; then echo ready; else echo "not yet"; fi`, "ready")}},
		{Name: "never", Kind: lab.KindRun, Retry: lab.Duration(300 * time.Millisecond), Commands: []lab.Command{cmd("echo no", "yes")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if s := run.Steps[0]; s.Status != report.Pass || s.Attempts != 3 {
		t.Errorf("eventually: %s after %d attempts (%s)", s.Status, s.Attempts, s.Reason)
	}
	if s := run.Steps[1]; s.Status != report.Fail || s.Attempts < 2 || !strings.Contains(s.Reason, "attempts") {
		t.Errorf("never: %s after %d attempts (%s)", s.Status, s.Attempts, s.Reason)
	}
}

func TestStepTimeoutKillsTheCommand(t *testing.T) {
	dir := t.TempDir()
	marker := filepath.Join(dir, "survived")
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "slow", Kind: lab.KindRun, Timeout: lab.Duration(300 * time.Millisecond), Commands: []lab.Command{
			cmd("(sleep 2; touch " + marker + ") & sleep 30")}},
	}}
	start := time.Now()
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if s := run.Steps[0]; s.Status != report.Fail || !strings.Contains(s.Reason, "timed out after 300ms") {
		t.Errorf("slow: %s (%s)", s.Status, s.Reason)
	}
	if time.Since(start) > 10*time.Second {
		t.Errorf("timeout did not stop the step")
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Errorf("a child of the timed-out step survived: the process group was not killed")
	}
}

func TestLabTimeoutStopsRemainingStepsButNotCleanup(t *testing.T) {
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Timeout: lab.Duration(400 * time.Millisecond)}, Steps: []lab.Step{
		runStep("slow", cmd("sleep 5")),
		runStep("next", cmd("true")),
		{Name: "tidy", Kind: lab.KindRun, Role: lab.RoleCleanup, Commands: []lab.Command{cmd("echo tidy", "tidy")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(run); got != "slow=fail next=not-run tidy=pass" {
		t.Errorf("steps: %s", got)
	}
	if !strings.Contains(run.Steps[1].Reason, "lab timeout") && !strings.Contains(run.Steps[0].Reason, "lab timeout") {
		t.Errorf("reasons do not name the lab timeout: %q / %q", run.Steps[0].Reason, run.Steps[1].Reason)
	}
}

func TestInterruptTearsDown(t *testing.T) {
	f := runnertest.New(t.TempDir())
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "c"}},
		Networks: []lab.Network{{Name: "n", Internal: true}}, Containers: []lab.Container{{Name: "box", Image: "x", Networks: []string{"n"}}}},
		Steps: []lab.Step{
			runStep("long", cmd("sleep 30")),
			runStep("after", cmd("true")),
			{Name: "tidy", Kind: lab.KindRun, Role: lab.RoleCleanup, Commands: []lab.Command{cmd("true")}},
		}}
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(500*time.Millisecond, cancel)
	run, err := Run(ctx, l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail || run.Reason != "interrupted" {
		t.Errorf("status %s reason %q", run.Status, run.Reason)
	}
	if got := statuses(run); got != "long=fail after=not-run tidy=pass" {
		t.Errorf("steps: %s", got)
	}
	if len(run.Leaks) != 0 {
		t.Errorf("leaks: %v", run.Leaks)
	}
	calls := strings.Join(f.Calls(), ", ")
	if !strings.Contains(calls, "delete-cluster c") || !strings.HasSuffix(calls, "remove-container box, remove-network n") {
		t.Errorf("teardown did not run: %s", calls)
	}
}

func TestLeakFailsTheLab(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.Leak = "container/box"
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Containers: []lab.Container{{Name: "box", Image: "x"}}},
		Steps: []lab.Step{runStep("ok", cmd("true"))}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail || len(run.Leaks) != 1 || run.Leaks[0] != "container/box" {
		t.Errorf("status %s leaks %v", run.Status, run.Leaks)
	}
}

func TestBackgroundStep(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "server", Kind: lab.KindRun, Background: true, Retry: lab.Duration(5 * time.Second), Commands: []lab.Command{
			cmd("sleep 60 & echo $! > "+pidFile+"; sleep 0.3; echo listening; wait", "listening")}},
		runStep("after", cmd("kill -0 $(cat "+pidFile+") && echo still running", "still running")),
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("%s: %s", run.Reason, statuses(run))
	}
	assertGone(t, readPID(t, pidFile))
}

// TestLiveCloseStopsBackgroundCommands is TestBackgroundStep for practice
// mode: a background step started through Live ends with Close.
func TestLiveCloseStopsBackgroundCommands(t *testing.T) {
	pidFile := filepath.Join(t.TempDir(), "pid")
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "server", Kind: lab.KindRun, Background: true, Retry: lab.Duration(5 * time.Second), Commands: []lab.Command{
			cmd("sleep 60 & echo $! > "+pidFile+"; echo listening; wait", "listening")}},
	}}
	lv, err := Open(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if res := lv.Step(context.Background(), 0); res.Status != report.Pass {
		lv.Close()
		t.Fatalf("%s: %s", res.Status, res.Reason)
	}
	pid := readPID(t, pidFile)
	if !alive(pid) {
		t.Fatalf("background process %d is not running while the lab is open", pid)
	}
	if _, err := lv.Close(); err != nil {
		t.Fatal(err)
	}
	assertGone(t, pid)
}

func readPID(t *testing.T, path string) int {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var pid int
	if _, err := fmt.Sscan(string(b), &pid); err != nil || pid <= 0 {
		t.Fatalf("pid file %q: %v", b, err)
	}
	return pid
}

// alive reports whether process pid exists and is not a zombie (a killed
// process whose new parent has not reaped it yet is gone for our purpose).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) STATE ...: comm may hold spaces, the state follows the last ')'.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// assertGone fails the test when process pid still runs shortly after the
// lab ended (and kills it, so that a failing test leaves nothing behind).
func assertGone(t *testing.T, pid int) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if !alive(pid) {
			return
		}
	}
	syscall.Kill(pid, syscall.SIGKILL)
	t.Errorf("background process %d still runs after the lab ended", pid)
}

func TestNeedsUnavailableImageIsNotVerified(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.Images["have/it:1"] = true
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "missing", Kind: lab.KindRun, Needs: "cincproject/auditor:6", Commands: []lab.Command{cmd("false")}},
		{Name: "present", Kind: lab.KindRun, Needs: "have/it:1", Commands: []lab.Command{cmd("true")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if got := statuses(run); got != "missing=not-verified present=pass" || run.Status != report.Pass {
		t.Errorf("steps: %s, lab %s", got, run.Status)
	}
	if !strings.Contains(run.Steps[0].Reason, "needs cincproject/auditor:6") {
		t.Errorf("reason %q", run.Steps[0].Reason)
	}
}

func TestEnvStepsCreateAndDeleteThroughBackend(t *testing.T) {
	f := runnertest.New(t.TempDir())
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "helm"}}}, Steps: []lab.Step{
		runStep("before", cmd("true")),
		{Name: "create", Kind: lab.KindCluster, Action: "create-cluster", Clusters: []string{"helm"},
			Commands: []lab.Command{cmd("kind create cluster --name helm", `Creating cluster "helm" ...`, "...")}},
		runStep("use", cmd("cat $KUBECONFIG", "current-context: kind-helm")),
		{Name: "delete", Kind: lab.KindCluster, Action: "delete-cluster", Clusters: []string{"helm"},
			Commands: []lab.Command{cmd("kind delete cluster --name helm", `Deleting cluster "helm" ...`)}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("%s: %s", run.Reason, statuses(run))
	}
	if calls := strings.Join(f.Calls(), ", "); calls != "create-cluster helm, delete-cluster helm" {
		t.Errorf("calls: %s (the cluster must be created by its step and deleted once)", calls)
	}
}

func TestContainerSteps(t *testing.T) {
	f := runnertest.New(t.TempDir())
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Containers: []lab.Container{{Name: "node1", Image: "ruby:3.1-bookworm"}}}, Steps: []lab.Step{
		{Name: "put", Kind: lab.KindFile, Container: "node1", Path: "/etc/x", Data: []byte("x")},
		{Name: "in", Kind: lab.KindRun, Container: "node1", Commands: []lab.Command{cmd("echo inside", "inside")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("%s: %s", run.Reason, statuses(run))
	}
	if calls := strings.Join(f.Calls(), ", "); calls != "start-container node1, write node1:/etc/x, exec node1, remove-container node1" {
		t.Errorf("calls: %s", calls)
	}
}

// The runner keeps the handles of what it creates and removes them itself,
// newest first: containers before the networks they are on.
func TestContainersAndNetworksAreRemovedNewestFirst(t *testing.T) {
	f := runnertest.New(t.TempDir())
	l := &lab.Lab{Name: "t", Resources: lab.Resources{
		Networks: []lab.Network{{Name: "a"}, {Name: "b", Internal: true}},
		Containers: []lab.Container{{Name: "x", Image: "i", Networks: []string{"a"}},
			{Name: "y", Image: "i", Networks: []string{"b", "a"}}}},
		Steps: []lab.Step{{Name: "in-y", Kind: lab.KindRun, Container: "y", Commands: []lab.Command{cmd("echo y", "y")}}}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass || len(run.Leaks) != 0 {
		t.Fatalf("%s %s: %s, leaks %v", run.Status, run.Reason, statuses(run), run.Leaks)
	}
	want := "create-network a, create-network b, start-container x, start-container y, exec y, " +
		"remove-container y, remove-container x, remove-network b, remove-network a"
	if calls := strings.Join(f.Calls(), ", "); calls != want {
		t.Errorf("calls:\n got %s\nwant %s", calls, want)
	}
}

// A container StartContainer returns along with an error is removed with
// the rest: the lab fails, nothing leaks.
func TestContainerThatFailedToStartIsRemoved(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.StartErr = errors.New("wait strategy: timed out")
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Networks: []lab.Network{{Name: "n"}},
		Containers: []lab.Container{{Name: "box", Image: "i", Networks: []string{"n"}}, {Name: "never", Image: "i"}}},
		Steps: []lab.Step{runStep("ok", cmd("true"))}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail || !strings.Contains(run.Reason, "container box: wait strategy: timed out") || len(run.Leaks) != 0 {
		t.Errorf("%s %q, leaks %v", run.Status, run.Reason, run.Leaks)
	}
	if calls := strings.Join(f.Calls(), ", "); calls != "create-network n, start-container box, remove-container box, remove-network n" {
		t.Errorf("calls: %s", calls)
	}
}

func TestResultsAreWrittenAndUnchangedIsSkipped(t *testing.T) {
	results := t.TempDir()
	l := &lab.Lab{Name: "t", Source: "content/x.md", Steps: []lab.Step{runStep("ok", cmd("echo ok", "ok"))}}
	opts := testOpts(t, runnertest.New(t.TempDir()))
	opts.ResultsDir = results
	run, err := Run(context.Background(), l, opts)
	if err != nil || run.Status != report.Pass {
		t.Fatalf("first run: %v %v", err, run)
	}
	f, err := report.Read(report.Path(results, "t"))
	if err != nil || f == nil || len(f.Runs) != 1 || f.Runs[0].Status != report.Pass || f.Runs[0].Mode != images.AirGapped {
		t.Fatalf("results file: %v %+v", err, f)
	}
	if got := f.Runs[0].StandIns; len(got) != 1 || got[0] != "nginx:alpine" {
		t.Errorf("stand-ins not recorded: %v", got)
	}
	again, err := Run(context.Background(), l, opts)
	if err != nil || again.Status != report.Unchanged {
		t.Fatalf("second run: %v %s", err, again.Status)
	}
	opts.Force = true
	forced, err := Run(context.Background(), l, opts)
	if err != nil || forced.Status != report.Pass {
		t.Fatalf("forced run: %v %s", err, forced.Status)
	}
	// A change to the lab invalidates the cache.
	opts.Force = false
	l.Steps[0].Commands[0] = cmd("echo ok; true", "ok")
	changed, err := Run(context.Background(), l, opts)
	if err != nil || changed.Status != report.Pass {
		t.Fatalf("changed lab: %v %s", err, changed.Status)
	}
	// Line numbers and prose do not.
	l.Steps[0].Line = 99
	moved, err := Run(context.Background(), l, opts)
	if err != nil || moved.Status != report.Unchanged {
		t.Fatalf("moved lab: %v %s", err, moved.Status)
	}
}

func TestEnvironmentFailureStopsTheLab(t *testing.T) {
	f := runnertest.New(t.TempDir())
	f.CreateErr = fmt.Errorf("node image not found")
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "c"}}}, Steps: []lab.Step{runStep("x", cmd("true"))}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail || !strings.Contains(run.Reason, "node image not found") || run.Steps[0].Status != report.NotRun {
		t.Errorf("status %s reason %q steps %s", run.Status, run.Reason, statuses(run))
	}
}

func TestClustersAreCreatedInParallelAndEnvStepsWait(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one CPU: clusters are created one at a time")
	}
	f := runnertest.New(t.TempDir())
	f.CreateWait = 300 * time.Millisecond
	l := &lab.Lab{Name: "t", Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "aws"}, {Name: "gcp"}}}, Steps: []lab.Step{
		{Name: "aws", Kind: lab.KindCluster, Action: "create-cluster", Clusters: []string{"aws"},
			Commands: []lab.Command{cmd("kind create cluster --name aws", `Creating cluster "aws" ...`, "...")}},
		{Name: "gcp", Kind: lab.KindCluster, Action: "create-cluster", Clusters: []string{"gcp"},
			Commands: []lab.Command{cmd("kind create cluster --name gcp", `Creating cluster "gcp" ...`, "...")}},
		runStep("both", cmd(`ls "$(dirname "${KUBECONFIG%%:*}")"`, "aws.yaml", "gcp.yaml")),
		{Name: "delete", Kind: lab.KindCluster, Action: "delete-cluster", Clusters: []string{"aws", "gcp"},
			Commands: []lab.Command{cmd("kind delete cluster --name aws", `Deleting cluster "aws" ...`), cmd("kind delete cluster --name gcp", `Deleting cluster "gcp" ...`)}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, f))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("%s: %s", run.Reason, statuses(run))
	}
	if f.MaxCreate() != 2 {
		t.Errorf("at most %d clusters were created at once, want 2", f.MaxCreate())
	}
	if n := strings.Count(strings.Join(f.Calls(), ","), "delete-cluster"); n != 2 {
		t.Errorf("%d deletions, want 2 (teardown must not delete again): %v", n, f.Calls())
	}
}

func TestStrayChildrenEndWithTheirCommand(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "stray")
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		runStep("leave-child", cmd("(sleep 1; touch "+marker+") &")),
		runStep("later", cmd("sleep 2; test ! -e "+marker+" && echo gone", "gone")),
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Errorf("a child left running by a command survived it: %s", statuses(run))
	}
}

func TestTakenPortIsReportedBeforeTheLabStarts(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	f := runnertest.New(t.TempDir())
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "forward", Kind: lab.KindRun, Background: true, Commands: []lab.Command{cmd(fmt.Sprintf("kubectl port-forward service/x %d:80", port))}},
	}}
	_, err = Run(context.Background(), l, testOpts(t, f))
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("port %d on 127.0.0.1 is taken", port)) || !strings.Contains(err.Error(), `step "forward"`) {
		t.Fatalf("err = %v", err)
	}
	if len(f.Calls()) != 0 {
		t.Errorf("the lab started anyway: %v", f.Calls())
	}
}

// Waiting between attempts of a background command ends with the context:
// an interrupted lab does not sit out the retry interval.
func TestBackgroundRetryWaitHonoursContext(t *testing.T) {
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "server", Kind: lab.KindRun, Background: true, Retry: lab.Duration(time.Minute), Commands: []lab.Command{
			cmd("echo not yet", "listening")}},
	}}
	opts := testOpts(t, runnertest.New(t.TempDir()))
	opts.RetryInterval = 30 * time.Second
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start := time.Now()
	run, err := Run(ctx, l, opts)
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail || run.Reason != "interrupted" {
		t.Errorf("status %s (%s), want fail (interrupted)", run.Status, run.Reason)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("the run took %s: the wait between attempts ignored the context", d.Round(time.Second))
	}
}

// What Prepare chose for a lab reaches its clusters in the ClusterSpec,
// not through the backend, which the labs of one run share: two labs run
// on one backend each get their own node image and images.
func TestClustersGetTheirLabsValues(t *testing.T) {
	f := runnertest.New(t.TempDir())
	for _, c := range []struct{ lab, cluster, k8s, image string }{
		{"one", "c1", "v1.33.13", "nginx:alpine"},
		{"two", "c2", "v1.34.1", "perl:5.34.0"},
	} {
		l := &lab.Lab{Name: c.lab, Resources: lab.Resources{Images: []string{c.image}, Clusters: []lab.Cluster{{Name: c.cluster}}},
			Steps: []lab.Step{runStep("ok", cmd("true"))}}
		opts := testOpts(t, f)
		opts.Kubernetes = c.k8s
		if run, err := Run(context.Background(), l, opts); err != nil || run.Status != report.Pass {
			t.Fatalf("%s: %v %+v", c.lab, err, run)
		}
	}
	specs := f.Specs()
	for name, want := range map[string]ClusterSpec{
		"c1": {Name: "c1", NodeImage: "fake/node:v1.33.13", LoadImages: []string{"nginx:alpine"}},
		"c2": {Name: "c2", NodeImage: "fake/node:v1.34.1", LoadImages: []string{"perl:5.34.0"}},
	} {
		got := specs[name]
		if got.Name != want.Name || got.NodeImage != want.NodeImage || strings.Join(got.LoadImages, ",") != strings.Join(want.LoadImages, ",") ||
			filepath.Base(got.Kubeconfig) != name+".yaml" {
			t.Errorf("cluster %s created with %+v, want %+v", name, got, want)
		}
	}
}

// A bad match pattern in a lab built in code (lab.Load refuses them) fails
// its step; it does not panic the runner.
func TestBadMatchPatternFailsTheStep(t *testing.T) {
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		{Name: "bad", Kind: lab.KindRun, Match: `(`, Commands: []lab.Command{cmd("echo x")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Fail || !strings.Contains(run.Steps[0].Reason, "match pattern") {
		t.Errorf("status %s, step reason %q", run.Status, run.Steps[0].Reason)
	}
}
