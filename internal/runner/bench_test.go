package runner_test

import (
	"context"
	"os/exec"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
	. "github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// BenchmarkRunnerOverhead runs a lab of 20 commands through the runner
// (fake backend, real bash) and the same commands with plain `bash -c`, and
// reports the runner's overhead over the summed raw durations.
func BenchmarkRunnerOverhead(b *testing.B) {
	const n = 20
	command := "sleep 0.1; echo done"
	var steps []lab.Step
	for range n {
		steps = append(steps, runStep("s", cmd(command, "done")))
	}
	for i := range steps {
		steps[i].Name = "s" + string(rune('a'+i))
	}
	l := &lab.Lab{Name: "bench", Steps: steps}
	var raw, ran time.Duration
	for b.Loop() {
		start := time.Now()
		for range n {
			if err := exec.Command("bash", "-c", command).Run(); err != nil {
				b.Fatal(err)
			}
		}
		raw += time.Since(start)

		start = time.Now()
		run, err := Run(context.Background(), l, Options{Backend: runnertest.New(b.TempDir()), WorkDir: b.TempDir()})
		if err != nil || run.Status != report.Pass {
			b.Fatalf("%v %v", err, run)
		}
		ran += time.Since(start)
	}
	b.ReportMetric(100*float64(ran-raw)/float64(raw), "overhead-%")
	b.ReportMetric(float64(ran-raw)/float64(b.N*n)/float64(time.Millisecond), "ms-overhead/cmd")
}
