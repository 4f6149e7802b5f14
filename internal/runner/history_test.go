package runner_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	. "github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// A run adds each step's outcome to its history in results/, and the lab's
// report ends by flagging a step whose retries are growing.
func TestReportFlagsGrowingRetries(t *testing.T) {
	results := t.TempDir()
	counter := filepath.Join(t.TempDir(), "n")
	// Fails its first attempt, passes the second: one retry.
	flaky := lab.Step{Name: "flaky", Kind: lab.KindRun, Retry: lab.Duration(10 * time.Second),
		Commands: []lab.Command{cmd(`n=$(cat "`+counter+`" 2>/dev/null || echo 0); echo $((n+1)) > "`+counter+`"; if [ "$n" -ge 1 ]; then echo ready; else echo starting; fi`, "ready")}}
	l := &lab.Lab{Name: "t", Source: "content/x.md", Steps: []lab.Step{runStep("steady", cmd("echo ok", "ok")), flaky}}

	// Four earlier runs: the flaky step needed a retry in the last two.
	prev := &report.File{Lab: "t", Title: "T", Source: "content/x.md"}
	for i, attempts := range []int{1, 1, 2, 2} {
		started := time.Date(2026, 11, 1+i, 3, 17, 0, 0, time.UTC)
		r := &report.Run{Kubernetes: "v1.33.13", Mode: "air-gapped", Started: started, Status: report.Pass,
			Steps: []*report.Step{
				{Name: "steady", Status: report.Pass, Attempts: 1},
				{Name: "flaky", Status: report.Pass, Attempts: attempts},
			}}
		prev.Merge(r)
	}
	if err := report.Write(report.Path(results, "t"), prev); err != nil {
		t.Fatal(err)
	}

	var out bytes.Buffer
	opts := testOpts(t, runnertest.New(t.TempDir()))
	opts.ResultsDir, opts.Progress = results, &out
	run, err := Run(context.Background(), l, opts)
	if err != nil || run.Status != report.Pass {
		t.Fatalf("run: %v, %s\n%s", err, statuses(run), out.String())
	}
	if got := run.Steps[1].Attempts; got != 2 {
		t.Fatalf("flaky took %d attempts, want 2\n%s", got, out.String())
	}
	want := `! step "flaky" needs retries more often: passed in 5 of the last 5 runs; needed a retry in 3 (2 attempts this time)`
	if !strings.Contains(out.String(), want) {
		t.Errorf("report does not flag the flaky step; want %q in\n%s", want, out.String())
	}
	if strings.Contains(out.String(), `step "steady"`) {
		t.Errorf("the steady step is flagged:\n%s", out.String())
	}
	f, err := report.Read(report.Path(results, "t"))
	if err != nil {
		t.Fatal(err)
	}
	h := f.Latest("v1.33.13").Steps[1].History
	if len(h) != 5 || h[4].Attempts != 2 || !h[4].Started.Equal(run.Started) {
		t.Errorf("history in results/: %+v", h)
	}
	if rec := f.Latest("v1.33.13").Steps[1].Record; rec == nil || !rec.RetriesGrowing || !rec.Flaky {
		t.Errorf("record: %+v", rec)
	}
}
