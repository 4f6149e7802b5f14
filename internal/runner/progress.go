package runner

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// progress prints a lab's steps as they run: step i/N, name, elapsed time,
// ✓ or ✗, and on failure the diff and the last lines of output.
type progress struct {
	w     io.Writer
	lab   *lab.Lab
	info  *Info
	begin time.Time
}

func (p *progress) header() {
	p.begin = time.Now()
	var where []string
	if p.info.Kubernetes != "" {
		where = append(where, "kubernetes "+p.info.Kubernetes)
	}
	mode := p.info.Mode.String()
	if p.info.Mode == images.AirGapped && len(p.info.StandIns) > 0 {
		mode += ", stand-in images built locally: " + strings.Join(p.info.StandIns, ", ")
	}
	where = append(where, mode)
	fmt.Fprintf(p.w, "%s: %s (%s)\n", p.lab.Name, p.lab.Source, strings.Join(where, "; "))
}

func (p *progress) prefix(i int, s *lab.Step) string {
	n := len(p.lab.Steps)
	w := len(fmt.Sprint(n))
	role := ""
	if s.Role != lab.RoleMain {
		role = " (" + string(s.Role) + ")"
	}
	return fmt.Sprintf("  [%*d/%d] %s%s", w, i+1, n, s.Name, role)
}

func (p *progress) start(i int, s *lab.Step) {
	if isTerminal(p.w) {
		fmt.Fprintf(p.w, "%s ...", p.prefix(i, s))
	}
}

func (p *progress) end(i int, s *lab.Step, res *report.Step) {
	if isTerminal(p.w) {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "%s %s %s", p.prefix(i, s), res.Status.Mark(), res.Duration().Round(100*time.Millisecond))
	if res.Attempts > 1 {
		fmt.Fprintf(p.w, " (%d attempts)", res.Attempts)
	}
	if res.Status != report.Pass {
		fmt.Fprintf(p.w, " %s: %s", res.Status, res.Reason)
	}
	fmt.Fprintln(p.w)
	if res.Status != report.Fail {
		return
	}
	fmt.Fprintf(p.w, "      at %s:%d\n", p.lab.Source, s.Line)
	if res.Diff != "" {
		for _, l := range strings.Split(strings.TrimRight(res.Diff, "\n"), "\n") {
			fmt.Fprintf(p.w, "      %s\n", l)
		}
	}
	if len(res.OutputTail) > 0 {
		fmt.Fprintln(p.w, "      last lines of output:")
		for _, l := range res.OutputTail {
			fmt.Fprintf(p.w, "      | %s\n", l)
		}
	}
}

func (p *progress) skip(i int, s *lab.Step, res *report.Step) {
	fmt.Fprintf(p.w, "%s - %s: %s\n", p.prefix(i, s), res.Status, res.Reason)
}

func (p *progress) unchanged(last *report.Run) {
	fmt.Fprintf(p.w, "%s: unchanged since it passed on %s (same content, tools and images); --force runs it again\n",
		p.lab.Name, last.Started.Format("2006-01-02 15:04 MST"))
}

func (p *progress) done(run *report.Run, resultsDir string) {
	var parts []string
	for _, st := range []report.Status{report.Pass, report.Fail, report.NotVerified, report.NotRun, report.Skipped} {
		if n := run.Counts[st]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n, st))
		}
	}
	mark := "✓"
	switch run.Status {
	case report.Pass:
	case report.Kept:
		mark = "◐" // partly run, environment left up: never a pass
	default:
		mark = "✗"
	}
	fmt.Fprintf(p.w, "%s %s %s: %s in %s", mark, p.lab.Name, run.Status, strings.Join(parts, ", "), time.Since(p.begin).Round(100*time.Millisecond))
	if resultsDir != "" {
		fmt.Fprintf(p.w, " -> %s", report.Path(resultsDir, p.lab.Name))
	}
	fmt.Fprintln(p.w)
	if ph := run.Phases; ph != nil && ph.EnvironmentReadyMS > 0 && (len(p.lab.Resources.Clusters) > 0 || len(p.lab.Resources.Containers) > 0) {
		sec := func(ms int64) time.Duration {
			return (time.Duration(ms) * time.Millisecond).Round(100 * time.Millisecond)
		}
		fmt.Fprintf(p.w, "  environment ready at %s", sec(ph.EnvironmentReadyMS))
		switch {
		case len(p.lab.Resources.Clusters) > 0 && len(run.Prebooted()) == len(p.lab.Resources.Clusters):
			fmt.Fprintf(p.w, " (started from pre-booted images in %s)", sec(ph.CreateClustersMS))
		case len(p.lab.Resources.Clusters) > 0:
			fmt.Fprintf(p.w, " (kind create %s", sec(ph.CreateClustersMS))
			if ph.LoadImagesMS > 0 {
				fmt.Fprintf(p.w, ", images loaded %s after its start", sec(ph.LoadImagesMS))
			}
			fmt.Fprint(p.w, ")")
		}
		fmt.Fprintf(p.w, "; steps %s; teardown %s\n", sec(ph.StepsMS), sec(ph.TeardownMS))
	}
	for _, c := range run.Prebooted() {
		fmt.Fprintf(p.w, "  pre-booted: %s: %s\n", c.Cluster, c.From())
	}
	if run.Status == report.Fail && run.Reason != "" {
		fmt.Fprintf(p.w, "  %s\n", run.Reason)
	}
	for _, l := range run.Leaks {
		fmt.Fprintf(p.w, "  leaked: %s\n", l)
	}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
