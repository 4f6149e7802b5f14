package runner_test

import (
	"context"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/report"
	. "github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// A cluster the backend started from a pre-booted image is recorded as
// such in the run, and its create-cluster step is not verified (kind
// printed nothing to check); a cluster kind created passes.
func TestRunRecordsHowClustersStarted(t *testing.T) {
	for _, prebooted := range []bool{false, true} {
		f := runnertest.New(t.TempDir())
		f.Prebooted = map[string]bool{"c": prebooted}
		run, err := Run(context.Background(), phasesLab(), testOpts(t, f))
		if err != nil {
			t.Fatal(err)
		}
		if len(run.Clusters) != 1 || run.Clusters[0].Cluster != "c" || run.Clusters[0].Prebooted() != prebooted {
			t.Fatalf("prebooted %v: run.Clusters = %+v", prebooted, run.Clusters)
		}
		create := run.Steps[1]
		switch {
		case prebooted && (create.Status != report.NotVerified || !strings.Contains(create.Reason, "advent-preboot:c")):
			t.Errorf("pre-booted: create step %s (%s); want not-verified naming the image", create.Status, create.Reason)
		case !prebooted && (create.Status != report.Pass || run.Clusters[0].By != report.ByKind):
			t.Errorf("kind: create step %s (%s), started by %q; want pass by kind", create.Status, create.Reason, run.Clusters[0].By)
		}
	}
}
