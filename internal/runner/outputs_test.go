package runner_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	. "github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// TestResultsKeepEachCommandsOutput: a step's results keep what each of
// its commands printed in the last attempt (the site shows it beside the
// article's expected output), bounded at 64 KiB per command.
func TestResultsKeepEachCommandsOutput(t *testing.T) {
	l := &lab.Lab{Name: "t", Steps: []lab.Step{
		runStep("two", cmd("echo one; echo two", "one", "..."), cmd("printf 'x%.0s' $(seq 70000)")),
		{Name: "eventually", Kind: lab.KindRun, Retry: lab.Duration(10 * time.Second), Commands: []lab.Command{
			cmd(`n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n > count; echo "attempt $n"; [ $n -ge 2 ]`)}},
		{Name: "bg", Kind: lab.KindRun, Background: true, Retry: lab.Duration(10 * time.Second), Commands: []lab.Command{
			cmd("echo listening; sleep 30", "listening")}},
	}}
	run, err := Run(context.Background(), l, testOpts(t, runnertest.New(t.TempDir())))
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != report.Pass {
		t.Fatalf("status %s (%s): %s", run.Status, run.Reason, statuses(run))
	}
	two := run.Steps[0].Outputs
	if len(two) != 2 || two[0].Cmd != "echo one; echo two" || two[0].Output != "one\ntwo\n" || two[0].Truncated {
		t.Fatalf("outputs of step two: %+v", two)
	}
	if len(two[1].Output) != report.MaxCommandOutput || !two[1].Truncated || strings.Trim(two[1].Output, "x") != "" {
		t.Errorf("a 70000-byte output is kept as %d bytes (truncated %v), want the first %d", len(two[1].Output), two[1].Truncated, report.MaxCommandOutput)
	}
	if ev := run.Steps[1].Outputs; len(ev) != 1 || ev[0].Output != "attempt 2\n" {
		t.Errorf("a retried command keeps its last attempt's output: %+v", ev)
	}
	if bg := run.Steps[2].Outputs; len(bg) != 1 || !strings.HasPrefix(bg[0].Output, "listening") {
		t.Errorf("background command output: %+v", bg)
	}
}
