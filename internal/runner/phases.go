package runner

import (
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// clusterTiming is when a cluster job ran and how its creation divided.
type clusterTiming struct {
	begin, end   time.Time // creation started (a CPU slot free) and ended
	create, load time.Duration
}

// timeCluster records a successful creation of job j that began at begin.
func (r *runState) timeCluster(j *clusterJob, begin time.Time) {
	j.timing = clusterTiming{begin: begin, end: time.Now()}
	j.timing.create = j.timing.end.Sub(begin)
	if c := j.cluster; c.Create != 0 || c.Load != 0 {
		j.timing.create, j.timing.load = c.Create, c.Load
	}
}

// starts says how each cluster created in this run came up.
func (r *runState) starts() []report.ClusterStart {
	var out []report.ClusterStart
	for _, j := range r.clusters {
		if j.cluster != nil && j.cluster.Start.By != "" {
			s := j.cluster.Start
			s.Cluster = j.name
			out = append(out, s)
		}
	}
	return out
}

// phases divides a finished run's time: provisioned is when networks and
// containers were up, teardown how long the final teardown took.
func (r *runState) phases(started, provisioned time.Time, steps []*report.Step, teardown time.Duration) *report.Phases {
	p := &report.Phases{TeardownMS: teardown.Milliseconds()}
	ready, created := provisioned, true
	for _, j := range r.clusters {
		t := j.timing
		if t.end.IsZero() {
			created = false // never ready
			continue
		}
		if t.end.After(ready) {
			ready = t.end
		}
		p.CreateClustersMS = max(p.CreateClustersMS, t.create.Milliseconds())
		p.LoadImagesMS = max(p.LoadImagesMS, t.load.Milliseconds())
	}
	if created && !ready.IsZero() {
		p.EnvironmentReadyMS = ready.Sub(started).Milliseconds()
	}
	for i, res := range steps {
		if res == nil {
			continue
		}
		s := &r.lab.Steps[i]
		switch {
		case s.Kind == lab.KindCluster && s.Action == lab.ActionDeleteCluster:
			p.TeardownMS += res.DurationMS
		case s.Kind == lab.KindCluster:
		default:
			p.StepsMS += res.DurationMS
		}
	}
	return p
}
