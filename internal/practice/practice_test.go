package practice

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

func testLab() *lab.Lab {
	return &lab.Lab{Name: "demo", Title: "A demo", Source: "content/2017/01-demo.md",
		Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "demo"}}},
		Steps: []lab.Step{
			{Name: "create-cluster", Kind: lab.KindCluster, Action: "create-cluster", Clusters: []string{"demo"},
				Commands: []lab.Command{{Cmd: "kind create cluster --name demo", Expect: []string{`Creating cluster "demo" ...`, "..."}}}},
			{Name: "workdir", Kind: lab.KindRun, Prose: "Create a path to work in:", Commands: []lab.Command{
				{Cmd: "mkdir -p ~/chart"}, {Cmd: "cd ~/chart"}}},
			{Name: "write Chart.yaml", Kind: lab.KindFile, Path: "Chart.yaml", Data: []byte("name: demo\n")},
			{Name: "cat", Kind: lab.KindRun, Commands: []lab.Command{{Cmd: "cat Chart.yaml", Expect: []string{"name: demo"}}}},
			{Name: "check", Kind: lab.KindRun, Role: lab.RoleVerify, Hidden: true, Commands: []lab.Command{{Cmd: "test -f Chart.yaml"}}},
		}}
}

// typist feeds lines to a practice session as a reader would.
type typist struct {
	mu  sync.Mutex
	out strings.Builder
}

func (t *typist) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.Write(p)
}

func (t *typist) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.out.String()
}

func run(t *testing.T, l *lab.Lab, state string, input ...string) (string, error) {
	t.Helper()
	out := &typist{}
	opts := Options{
		Runner:   runner.Options{Backend: runnertest.New(t.TempDir()), WorkDir: t.TempDir(), RetryInterval: 10 * time.Millisecond},
		In:       strings.NewReader(strings.Join(input, "\n") + "\n"),
		Out:      out,
		StateDir: state,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := Run(ctx, l, opts)
	return out.String(), err
}

func TestTypingTheCommandsFinishesTheLab(t *testing.T) {
	out, err := run(t, testLab(), t.TempDir(),
		"mkdir -p ~/chart", "cd   ~/chart", // typed (spacing does not matter)
		"", // Enter: advent writes Chart.yaml
		"cat Chart.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"step 2/5: workdir", "Create a path to work in:", "✓ step 2/5 workdir",
		"✓ write Chart.yaml", "name: demo", "✓ output matches the article", "✓ step 4/5 cat",
		`(lab verify check "check") ✓`,
		"You finished the demo lab: all 5 steps verified", "Done: nothing left behind.",
		"advent does this for you through kind's Go API: it started when the lab was prepared",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestMistakeShowsHintAndRecovers(t *testing.T) {
	out, err := run(t, testLab(), t.TempDir(),
		"", "", // workdir by Enter
		"",              // write Chart.yaml
		"cat Chart.yml", // a typo
		"hint", "cat Chart.yaml")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{
		"No such file or directory", "✗ That is not this step's command", "The article's command is:",
		"It should print:", "✓ step 4/5 cat", "You finished the demo lab",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestWrongOutputIsFlaggedWithADiff(t *testing.T) {
	l := testLab()
	l.Steps[3].Commands[0].Expect = []string{"name: other"}
	out, err := run(t, l, t.TempDir(), "", "", "", "", "quit")
	if !errors.Is(err, ErrQuit) {
		t.Fatalf("err %v\n%s", err, out)
	}
	for _, want := range []string{"✗ output does not match", "-name: other", "+name: demo", "Try again"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestQuitSavesProgressAndResumes(t *testing.T) {
	state := t.TempDir()
	out, err := run(t, testLab(), state, "", "", "quit")
	if !errors.Is(err, ErrQuit) {
		t.Fatalf("first session: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Progress saved: 2 of 5 steps done") || !strings.Contains(out, "nothing left behind") {
		t.Fatalf("first session output:\n%s", out)
	}
	out, err = run(t, testLab(), state, "", "")
	if err != nil {
		t.Fatalf("second session: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Resuming at step 3/5: replaying the 2 steps you finished") {
		t.Errorf("did not resume:\n%s", out)
	}
	if strings.Contains(out, "step 2/5: workdir") {
		t.Errorf("a finished step was shown again:\n%s", out)
	}
	// The replayed cd carried over: cat found Chart.yaml in ~/chart.
	if !strings.Contains(out, "✓ step 4/5 cat") {
		t.Errorf("resumed session did not finish:\n%s", out)
	}
}

func TestResetStartsOver(t *testing.T) {
	state := t.TempDir()
	if _, err := run(t, testLab(), state, "", "", "quit"); !errors.Is(err, ErrQuit) {
		t.Fatal(err)
	}
	out, err := run(t, testLab(), state, "reset", "", "", "", "")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out, "Starting over.") || strings.Count(out, "step 2/5: workdir") != 1 {
		t.Errorf("reset did not start over:\n%s", out)
	}
}

func TestAutoRunsHandsOff(t *testing.T) {
	out := &typist{}
	err := Run(context.Background(), testLab(), Options{
		Runner: runner.Options{Backend: runnertest.New(t.TempDir()), WorkDir: t.TempDir()},
		In:     strings.NewReader(""), Out: out, StateDir: t.TempDir(), Auto: true,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if !strings.Contains(out.String(), "You finished the demo lab") {
		t.Errorf("output:\n%s", out)
	}
}

func TestProseDropsOriginalBlocks(t *testing.T) {
	md := "Bring up a cluster:\n\n```console {original=\"2017\" note=\"kind replaces minikube.\"}\n$ minikube start\n```\n\n{{< missing-image alt=\"x\" >}}\n**Note** use `kind`."
	got := Prose(md)
	want := "Bring up a cluster:\n\n(Changed since 2017: kind replaces minikube.)\n\nNote use kind."
	if got != want {
		t.Errorf("Prose:\n%q\nwant\n%q", got, want)
	}
}

func TestUnavailableStepsAreNotCountedAsVerified(t *testing.T) {
	l := testLab()
	l.Steps[3].Needs = "cincproject/auditor"
	out, err := run(t, l, t.TempDir(), "", "", "")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	for _, want := range []string{"○ Not available here: this step needs cincproject/auditor", "You finished the demo lab: 4 of 5 steps verified; 1 not available here (cat)"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "all 5 steps verified") {
		t.Errorf("claims every step verified:\n%s", out)
	}
}

func retryLab() *lab.Lab {
	return &lab.Lab{Name: "eventually", Title: "Eventually", Source: "content/2017/02-eventually.md", Steps: []lab.Step{
		{Name: "wait", Kind: lab.KindRun, Retry: lab.Duration(time.Minute), Commands: []lab.Command{{
			Cmd:    `n=$(cat ~/count 2>/dev/null || echo 0); n=$((n+1)); echo $n > ~/count; if [ $n -ge 3 ]; then echo ready; else echo "not yet"; fi`,
			Expect: []string{"ready"}}}},
	}}
}

// A typed command is retried within the step's window as CI retries it,
// at the runner's interval.
func TestTypedCommandIsRetriedLikeCI(t *testing.T) {
	out, err := run(t, retryLab(), t.TempDir(), "")
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if n := strings.Count(out, "… not there yet; trying again for up to 1m0s"); n != 1 {
		t.Errorf("the retry notice is printed %d times, want once:\n%s", n, out)
	}
	if strings.Count(out, "not yet\n") != 2 || !strings.Contains(out, "ready\n✓ output matches the article") {
		t.Errorf("want two attempts printing \"not yet\", then ready and ✓:\n%s", out)
	}
}

// The wait between attempts ends with the session's context (Ctrl-C):
// it does not sit out the interval.
func TestRetryWaitEndsWithTheContext(t *testing.T) {
	l := retryLab()
	l.Steps[0].Commands[0].Expect = []string{"never"}
	out := &typist{}
	opts := Options{
		Runner:   runner.Options{Backend: runnertest.New(t.TempDir()), WorkDir: t.TempDir(), RetryInterval: 30 * time.Second},
		In:       strings.NewReader("\n"),
		Out:      out,
		StateDir: t.TempDir(),
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	start := time.Now()
	err := Run(ctx, l, opts)
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("practice took %s after the context ended: the retry wait ignored it\n%s", d.Round(time.Second), out)
	}
	if !errors.Is(err, ErrQuit) {
		t.Errorf("err = %v, want ErrQuit\n%s", err, out)
	}
}

// The end of a lab says which steps were not verified and why: not
// available here, or a cluster started from a pre-booted image.
func TestFinishLine(t *testing.T) {
	s := &session{lab: testLab()}
	if got := s.finishLine(); !strings.Contains(got, "all 5 steps verified") {
		t.Errorf("nothing skipped: %q", got)
	}
	s.prebooted = []string{"create-cluster"}
	s.skipped = []string{"cat"}
	got := s.finishLine()
	for _, want := range []string{"✓ You finished the demo lab: 3 of 5 steps verified", "1 not available here (cat)", "create-cluster started from a pre-booted image (kind did not run)"} {
		if !strings.Contains(got, want) {
			t.Errorf("finish line %q lacks %q", got, want)
		}
	}
}

// The finish line names a cluster the backend started from a pre-booted
// image, as the runner reports how it came up, and counts a step not
// available here apart from it.
func TestFinishLineReadsHowTheClusterStarted(t *testing.T) {
	for _, prebooted := range []bool{false, true} {
		f := runnertest.New(t.TempDir())
		f.Prebooted = map[string]bool{"demo": prebooted}
		l := testLab()
		l.Steps[3].Needs = "cincproject/auditor"
		out := &typist{}
		err := Run(context.Background(), l, Options{
			Runner: runner.Options{Backend: f, WorkDir: t.TempDir()},
			In:     strings.NewReader(""), Out: out, StateDir: t.TempDir(), Auto: true,
		})
		if err != nil {
			t.Fatalf("%v\n%s", err, out)
		}
		want := "4 of 5 steps verified; 1 not available here (cat)."
		if prebooted {
			want = "3 of 5 steps verified; 1 not available here (cat); create-cluster started from a pre-booted image (kind did not run)."
		}
		if !strings.Contains(out.String(), want) {
			t.Errorf("prebooted %v: output lacks %q:\n%s", prebooted, want, out)
		}
	}
}
