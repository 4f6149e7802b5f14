package runner

import (
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// ClusterTimer is a Backend that can say how a cluster's creation divided
// between creating its nodes (up to Ready) and loading the lab's images
// into them. Without it, a run's phases count the whole creation as
// creating the cluster.
type ClusterTimer interface {
	ClusterTimes(name string) (create, load time.Duration, ok bool)
}

// ClusterStarter is a Backend that can start a cluster from a pre-booted
// image instead of creating it: ClusterPrebooted says what it was started
// from ("" when it was created).
type ClusterStarter interface {
	ClusterPrebooted(name string) string
}

// clusterTiming is when a cluster job ran and how its creation divided.
type clusterTiming struct {
	begin, end   time.Time // creation started (a CPU slot free) and ended
	create, load time.Duration
	prebooted    string // ClusterStarter's answer
}

// timeCluster records a successful creation of job j that began at begin.
func (r *runState) timeCluster(j *clusterJob, begin time.Time) {
	j.timing = clusterTiming{begin: begin, end: time.Now()}
	j.timing.create = j.timing.end.Sub(begin)
	if ct, ok := r.opts.Backend.(ClusterTimer); ok {
		if create, load, ok := ct.ClusterTimes(j.name); ok {
			j.timing.create, j.timing.load = create, load
		}
	}
	if cs, ok := r.opts.Backend.(ClusterStarter); ok {
		j.timing.prebooted = cs.ClusterPrebooted(j.name)
	}
}

// prebooted lists the clusters started from a pre-booted image.
func (r *runState) prebooted() []string {
	var out []string
	for _, j := range r.clusters {
		if j.timing.prebooted != "" {
			out = append(out, j.name+": "+j.timing.prebooted)
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
		case s.Kind == lab.KindEnv && s.Action == lab.ActionDeleteCluster:
			p.TeardownMS += res.DurationMS
		case s.Kind == lab.KindEnv:
		default:
			p.StepsMS += res.DurationMS
		}
	}
	return p
}
