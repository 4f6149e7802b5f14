// Package runner runs extracted labs for real: it provisions what a lab
// declares (kind clusters, containers, networks) through a Backend, runs
// each step in bash in a fresh work directory with an isolated environment,
// checks exit codes and expected output (retrying within a step's window),
// enforces per-step and per-lab timeouts, always runs cleanup, tears the
// environment down on pass, fail, timeout and Ctrl-C, checks that nothing
// leaked, and records the results.
//
// A lab failure is a result (report.Run with status fail); an error returned
// by Run means the runner itself could not do its job.
package runner

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// Options configures a run.
type Options struct {
	Backend    Backend
	Kubernetes string // Kubernetes version for the clusters ("" for the backend's default)
	ResultsDir string // where results/<lab>.json go; "" writes none
	Force      bool   // run even when the lab is unchanged since its last pass
	Commit     string // git commit of the articles, for the report
	WorkDir    string // parent of the labs' work directories (default: a temp dir)
	// Keep leaves the environment up after the main steps: no cleanup
	// steps, no teardown, no leak check. It is recorded in KeptDir (see
	// Kept), the work directory stays, and the run's status is report.Kept
	// (never a pass): results/<lab>.json does not record it.
	Keep bool
	// KeptDir holds the records of kept environments (env.StateDir("kept")
	// in the CLI). When set, Run refuses to create a lab's environment
	// while a kept one exists.
	KeptDir string
	// Owner is who creates the resources (env.Self().String()), recorded
	// with a kept environment.
	Owner string
	// From and Only re-run steps on the lab's kept environment instead of
	// creating one: every main step from the step named From, or the one
	// step named Only. Nothing is created or torn down.
	From, Only string
	Progress   io.Writer
	// TeardownTimeout bounds cleanup and teardown after the lab (default 3m).
	TeardownTimeout time.Duration
	// RetryInterval is the longest pause between attempts of a retried
	// command (default 500ms: one or two kubectl calls a second). The first pause is firstRetryPause (or
	// RetryInterval when that is shorter) and each one doubles, up to
	// RetryInterval: a pod that is Ready half a second later is seen half
	// a second later, and a long wait still polls only every RetryInterval.
	RetryInterval time.Duration
	// LogsDir receives the clusters' logs (kind export logs) when a lab
	// fails, in LogsDir/<lab>/<cluster>/; "" collects none.
	LogsDir string
}

func (o *Options) defaults() {
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.TeardownTimeout == 0 {
		o.TeardownTimeout = 3 * time.Minute
	}
	if o.RetryInterval == 0 {
		o.RetryInterval = 500 * time.Millisecond
	}
}

// Run runs one lab and returns its result. The result is also merged into
// results/<lab>.json when ResultsDir is set. When the lab is unchanged since
// its last passing run (and Force is off) the returned run has status
// "unchanged" and nothing runs.
func Run(ctx context.Context, l *lab.Lab, opts Options) (*report.Run, error) {
	opts.defaults()
	if opts.Backend == nil {
		return nil, errors.New("run: no backend")
	}
	if opts.From != "" || opts.Only != "" {
		return rerun(ctx, l, opts)
	}
	if opts.KeptDir != "" {
		if _, err := os.Stat(KeptPath(opts.KeptDir, l.Name)); err == nil {
			return nil, fmt.Errorf("lab %s has a kept environment: re-run steps on it with -from STEP or -only STEP, or remove it with `advent lab down %s`", l.Name, l.Name)
		}
	}
	info, err := opts.Backend.Prepare(ctx, l, opts.Kubernetes)
	if err != nil {
		return nil, fmt.Errorf("prepare lab %s: %w", l.Name, err)
	}
	key, err := cacheKey(l, info)
	if err != nil {
		return nil, err
	}
	p := &progress{w: opts.Progress, lab: l, info: info}
	var prev *report.File
	if opts.ResultsDir != "" {
		if prev, err = report.Read(report.Path(opts.ResultsDir, l.Name)); err != nil {
			return nil, err
		}
	}
	if last := prev.Latest(info.Kubernetes); !opts.Force && !opts.Keep && last != nil && last.Status == report.Pass && last.CacheKey == key {
		p.unchanged(last)
		return &report.Run{Kubernetes: info.Kubernetes, Mode: info.Mode, Status: report.Unchanged,
			Reason:   fmt.Sprintf("passed %s with the same lab content, tools and images", last.Started.Format(time.RFC3339)),
			CacheKey: key, Started: last.Started, Versions: info.Versions}, nil
	}

	if err := checkPorts(l); err != nil {
		return nil, err
	}
	r := &runState{opts: opts, lab: l, info: info, p: p}
	run := r.run(ctx)
	run.CacheKey = key
	run.Commit = opts.Commit
	if opts.Keep {
		p.done(run, "")
		if r.kept != nil {
			howToReach(opts.Progress, l, r.kept, r.sess.cwd())
			if err := writeKeptRun(opts.KeptDir, l, run); err != nil {
				return run, err
			}
		}
		return run, nil
	}
	p.done(run, opts.ResultsDir)
	if opts.ResultsDir != "" {
		f := prev
		if f == nil {
			f = &report.File{}
		}
		f.Lab, f.Title, f.Source = l.Name, l.Title, l.Source
		f.Merge(run)
		if err := report.Write(report.Path(opts.ResultsDir, l.Name), f); err != nil {
			return run, err
		}
		for _, w := range report.RetryWarnings(run) {
			fmt.Fprintf(opts.Progress, "  ! %s\n", w)
		}
	}
	return run, nil
}

// checkPorts reports a host port the lab needs that something else holds.
func checkPorts(l *lab.Lab) error {
	for _, p := range l.LocalPorts() {
		ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", p.Port))
		if err != nil {
			return fmt.Errorf("port %d on 127.0.0.1 is taken, and step %q of the %s lab forwards it: stop what listens there (ss -ltnp 'sport = :%d') and try again", p.Port, p.Step, l.Name, p.Port)
		}
		ln.Close()
	}
	return nil
}

// cacheKey hashes what decides a lab's outcome: its content (not line
// numbers or prose), the mode, the Kubernetes version, tool versions and
// image IDs.
func cacheKey(l *lab.Lab, info *Info) (string, error) {
	c := *l
	c.Steps = append([]lab.Step(nil), l.Steps...)
	for i := range c.Steps {
		c.Steps[i].Line, c.Steps[i].Prose = 0, ""
		cmds := append([]lab.Command(nil), c.Steps[i].Commands...)
		for j := range cmds {
			cmds[j].Line = 0
		}
		c.Steps[i].Commands = cmds
	}
	c.Source, c.Title = "", ""
	d, err := lab.Digest(&c)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	fmt.Fprintf(h, "lab=%s\nmode=%s\nkubernetes=%s\nnode=%s\n", d, info.Mode, info.Kubernetes, info.NodeImage)
	for _, tv := range info.Versions.List() {
		fmt.Fprintf(h, "tool %s=%s\n", tv.Tool, tv.Version)
	}
	for _, im := range info.Images {
		fmt.Fprintf(h, "image %s=%s\n", im.Name, im.ID)
	}
	return hex.EncodeToString(h.Sum(nil))[:32], nil
}

// runState is one lab run in progress.
type runState struct {
	opts Options
	lab  *lab.Lab
	info *Info
	p    *progress

	sess       *session
	kubeDir    string
	clusters   []*clusterJob // started, in order
	networks   []*Network    // created, in order
	containers []*Container  // started, in order
	kept       *Kept         // the record of the environment Keep left up
}

// clusterJob is a cluster being created in the background.
type clusterJob struct {
	name    string
	log     lockedBuffer
	done    chan struct{}
	err     error
	deleted bool
	cluster *Cluster      // what the backend created; nil until it did
	timing  clusterTiming // set when the creation succeeded
}

func (j *clusterJob) wait(ctx context.Context) error {
	select {
	case <-j.done:
		return j.err
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func (r *runState) run(ctx context.Context) *report.Run {
	run := &report.Run{
		Kubernetes: r.info.Kubernetes, Mode: r.info.Mode, NodeImage: r.info.NodeImage,
		Versions: r.info.Versions, Images: r.info.Images, StandIns: r.info.StandIns,
		Started: time.Now().UTC(),
	}
	defer func() { run.DurationMS = time.Since(run.Started).Milliseconds() }()
	r.p.header()

	before, dir, err := r.setup(ctx)
	if err != nil {
		run.Status, run.Reason = report.Fail, err.Error()
		return run
	}
	if !r.opts.Keep {
		defer os.RemoveAll(dir)
	}

	// The lab's deadline covers its steps; cleanup and teardown get their
	// own time on a context that Ctrl-C does not cancel.
	labCtx, cancel := context.WithTimeoutCause(ctx, r.lab.LabTimeout(),
		fmt.Errorf("lab timeout (%s) exceeded", r.lab.LabTimeout()))
	defer cancel()
	cleanupCtx, cancelCleanup := context.WithTimeout(context.WithoutCancel(ctx), r.opts.TeardownTimeout)
	defer cancelCleanup()

	results := make([]*report.Step, len(r.lab.Steps))
	stopped := "" // why the remaining main steps do not run
	if err := r.provision(labCtx); err != nil {
		stopped = "environment: " + err.Error()
		run.Reason = stopped
	}
	provisioned := time.Now()
	stopped = r.mainSteps(ctx, labCtx, results, stopped)
	// Background commands end with the lab's main steps.
	r.sess.stopAll()
	if r.opts.Keep {
		return r.keep(run, dir, results)
	}
	if stopped != "" && r.opts.LogsDir != "" {
		r.collectLogs(cleanupCtx)
	}
	r.cleanupSteps(cleanupCtx, results)
	tdBegin := time.Now()
	if err := r.teardown(cleanupCtx); err != nil {
		run.Leaks = append(run.Leaks, "teardown: "+err.Error())
	}
	run.Phases = r.phases(run.Started, provisioned, results, time.Since(tdBegin))
	run.Clusters = r.starts()
	for i, res := range results {
		s := &r.lab.Steps[i]
		res.Name, res.Kind, res.Role, res.Line = s.Name, s.Kind, s.Role, s.Line
		run.Steps = append(run.Steps, res)
	}
	after, err := r.opts.Backend.Snapshot(cleanupCtx)
	if err != nil {
		run.Leaks = append(run.Leaks, "leak check snapshot: "+err.Error())
	} else {
		run.Leaks = append(run.Leaks, leaked(before, after)...)
	}
	if ctx.Err() != nil {
		run.Status, run.Reason = report.Fail, "interrupted"
	}
	if run.Reason != "" {
		run.Status = report.Fail
	}
	run.Tally()
	if run.Status == report.Fail && run.Reason == "" {
		run.Reason = failReason(run)
	}
	return run
}

// mainSteps runs every step but the cleanup ones into results, in order,
// on labCtx, until one fails or the lab's time is up (ctx is the run's, to
// tell an interruption from a failure). A step that does not run says why
// (stopped, which it returns, is why the first did not).
func (r *runState) mainSteps(ctx, labCtx context.Context, results []*report.Step, stopped string) string {
	for i := range r.lab.Steps {
		s := &r.lab.Steps[i]
		if s.Role == lab.RoleCleanup {
			continue
		}
		if stopped == "" && labCtx.Err() != nil {
			stopped = context.Cause(labCtx).Error()
		}
		if stopped != "" {
			results[i] = &report.Step{Status: report.NotRun, Reason: stopped}
			r.p.skip(i, s, results[i])
			continue
		}
		if r.opts.Keep && deletesCluster(s) {
			continue // kept: reported as not run by keep
		}
		if r.opts.Keep {
			r.saveState(i)
		}
		r.p.start(i, s)
		res := r.step(labCtx, s)
		results[i] = res
		r.p.end(i, s, res)
		if res.Status == report.Fail {
			if ctx.Err() != nil {
				stopped = "interrupted"
			} else {
				stopped = fmt.Sprintf("step %q failed", s.Name)
			}
		}
	}
	return stopped
}

// cleanupSteps runs the cleanup steps into results, always.
func (r *runState) cleanupSteps(ctx context.Context, results []*report.Step) {
	for i := range r.lab.Steps {
		s := &r.lab.Steps[i]
		if s.Role != lab.RoleCleanup {
			continue
		}
		r.p.start(i, s)
		res := r.step(ctx, s)
		results[i] = res
		r.p.end(i, s, res)
	}
}

// collectLogs exports every live cluster's logs for a failed lab.
func (r *runState) collectLogs(ctx context.Context) {
	for _, j := range r.clusters {
		select {
		case <-j.done:
		default:
			continue
		}
		if j.cluster == nil || j.deleted {
			continue
		}
		dir := filepath.Join(r.opts.LogsDir, r.lab.Name, j.name)
		if err := r.opts.Backend.CollectLogs(ctx, j.cluster, dir); err != nil {
			fmt.Fprintf(r.opts.Progress, "  (could not export the logs of cluster %s: %v)\n", j.name, err)
			continue
		}
		fmt.Fprintf(r.opts.Progress, "  logs of cluster %s: %s\n", j.name, dir)
	}
}

// setup takes the leak check's first snapshot and makes the lab's fresh
// work directory and shell session.
func (r *runState) setup(ctx context.Context) (before []string, dir string, err error) {
	before, err = r.opts.Backend.Snapshot(ctx)
	if err != nil {
		return nil, "", fmt.Errorf("leak check snapshot: %w", err)
	}
	work := r.opts.WorkDir
	if work == "" {
		work = os.TempDir()
	}
	dir, err = os.MkdirTemp(work, "advent-lab-"+r.lab.Name+"-")
	if err != nil {
		return nil, "", fmt.Errorf("work directory: %w", err)
	}
	r.kubeDir = filepath.Join(dir, "kube")
	if err := os.MkdirAll(r.kubeDir, 0o755); err != nil {
		return nil, "", fmt.Errorf("work directory: %w", err)
	}
	if r.sess, err = newSession(dir, r.baseEnv()); err != nil {
		return nil, "", err
	}
	return before, dir, nil
}

func failReason(run *report.Run) string {
	for _, s := range run.Steps {
		if s.Status == report.Fail {
			return fmt.Sprintf("step %q failed: %s", s.Name, s.Reason)
		}
	}
	if len(run.Leaks) > 0 {
		return "left resources behind: " + strings.Join(run.Leaks, ", ")
	}
	return ""
}

func leaked(before, after []string) []string {
	had := map[string]bool{}
	for _, b := range before {
		had[b] = true
	}
	var out []string
	for _, a := range after {
		if !had[a] {
			out = append(out, a)
		}
	}
	return out
}

// baseEnv is the isolated environment of every command.
func (r *runState) baseEnv() []string {
	path := "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	if r.info.ToolsDir != "" {
		path = r.info.ToolsDir + ":" + path
	}
	var kube []string
	for _, c := range r.lab.Resources.Clusters {
		kube = append(kube, r.kubeconfig(c.Name))
	}
	env := []string{"PATH=" + path}
	if len(kube) > 0 {
		env = append(env, "KUBECONFIG="+strings.Join(kube, ":"))
	} else {
		env = append(env, "KUBECONFIG="+filepath.Join(r.kubeDir, "config"))
	}
	for _, k := range []string{"USER", "LOGNAME", "DOCKER_HOST"} {
		if v, ok := os.LookupEnv(k); ok {
			env = append(env, k+"="+v)
		}
	}
	return append(env, r.info.Environ...)
}

func (r *runState) kubeconfig(cluster string) string {
	return filepath.Join(r.kubeDir, cluster+".yaml")
}

// provision creates the lab's networks and containers and starts creating
// every cluster at once, in parallel as far as the machine's CPUs allow. A
// runner="env" step waits for its clusters; clusters without such a step
// are waited for here.
func (r *runState) provision(ctx context.Context) error {
	b := r.opts.Backend
	for _, n := range r.lab.Resources.Networks {
		nw, err := b.CreateNetwork(ctx, n)
		if nw != nil { // kept before the error is checked: teardown removes it
			r.networks = append(r.networks, nw)
		}
		if err != nil {
			return fmt.Errorf("network %s: %w", n.Name, err)
		}
	}
	for _, c := range r.lab.Resources.Containers {
		nets, err := r.networksOf(c)
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
		ctr, err := b.StartContainer(ctx, c, nets)
		if ctr != nil {
			r.containers = append(r.containers, ctr)
		}
		if err != nil {
			return fmt.Errorf("container %s: %w", c.Name, err)
		}
	}
	byStep := map[string]bool{}
	for _, s := range r.lab.Steps {
		if s.Kind == lab.KindCluster && s.Action == lab.ActionCreateCluster {
			for _, c := range s.Clusters {
				byStep[c] = true
			}
		}
	}
	sem := make(chan struct{}, max(1, min(runtime.NumCPU(), len(r.lab.Resources.Clusters))))
	for _, c := range r.lab.Resources.Clusters {
		j := &clusterJob{name: c.Name, done: make(chan struct{})}
		r.clusters = append(r.clusters, j)
		go func() {
			defer close(j.done)
			select {
			case sem <- struct{}{}:
				defer func() { <-sem }()
			case <-ctx.Done():
				j.err = context.Cause(ctx)
				return
			}
			begin := time.Now()
			spec := ClusterSpec{Name: j.name, Kubeconfig: r.kubeconfig(j.name), NodeImage: r.info.NodeImage, LoadImages: r.info.LoadImages}
			c, err := b.CreateCluster(ctx, spec, &j.log)
			if err != nil {
				j.err = fmt.Errorf("create cluster %s: %w", j.name, err)
				return
			}
			j.cluster = c
			r.timeCluster(j, begin)
		}()
	}
	for _, j := range r.clusters {
		if byStep[j.name] {
			continue
		}
		if err := j.wait(ctx); err != nil {
			return err
		}
	}
	return nil
}

// networksOf are the handles of the networks container c joins.
func (r *runState) networksOf(c lab.Container) ([]*Network, error) {
	var out []*Network
	for _, name := range c.Networks {
		i := slices.IndexFunc(r.networks, func(n *Network) bool { return n.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("network %s was not created", name)
		}
		out = append(out, r.networks[i])
	}
	return out, nil
}

// container is the handle of the lab's container called name.
func (r *runState) container(name string) (*Container, error) {
	i := slices.IndexFunc(r.containers, func(c *Container) bool { return c.Name == name })
	if i < 0 {
		return nil, fmt.Errorf("container %s is not running", name)
	}
	return r.containers[i], nil
}

func (r *runState) job(name string) *clusterJob {
	for _, j := range r.clusters {
		if j.name == name {
			return j
		}
	}
	return nil
}

// teardown stops background commands, waits for clusters still being
// created, deletes every cluster, then removes the containers and the
// networks, each newest first, on ctx (a context of its own, which Ctrl-C
// does not cancel).
func (r *runState) teardown(ctx context.Context) error {
	r.sess.stopAll()
	b := r.opts.Backend
	var errs []error
	for i := len(r.clusters) - 1; i >= 0; i-- {
		j := r.clusters[i]
		<-j.done
		if j.deleted || j.cluster == nil {
			continue
		}
		if err := b.DeleteCluster(ctx, j.cluster, io.Discard); err != nil {
			errs = append(errs, fmt.Errorf("delete cluster %s: %w", j.name, err))
		}
		j.deleted = true
	}
	for i := len(r.containers) - 1; i >= 0; i-- {
		if err := b.RemoveContainer(ctx, r.containers[i]); err != nil {
			errs = append(errs, fmt.Errorf("remove container %s: %w", r.containers[i].Name, err))
		}
	}
	r.containers = nil
	for i := len(r.networks) - 1; i >= 0; i-- {
		if err := b.RemoveNetwork(ctx, r.networks[i]); err != nil {
			errs = append(errs, fmt.Errorf("remove network %s: %w", r.networks[i].Name, err))
		}
	}
	r.networks = nil
	return errors.Join(errs...)
}

// step runs one step and returns its result.
func (r *runState) step(ctx context.Context, s *lab.Step) *report.Step {
	start := time.Now()
	res := &report.Step{}
	defer func() { res.DurationMS = time.Since(start).Milliseconds() }()
	if s.Needs != "" && slices.Contains(r.info.Unavailable, s.Needs) {
		res.Status, res.Reason = report.NotVerified, "needs "+s.Needs+" (not available on this machine)"
		return res
	}
	var err error
	switch s.Kind {
	case lab.KindFile:
		err = r.writeFile(ctx, s)
		res.Attempts = 1
	case lab.KindContains:
		err = r.retry(ctx, s, res, func(int) (string, error) { return "", r.contains(s) })
	case lab.KindCluster:
		err = r.clusterStep(ctx, s, res)
	case lab.KindRun:
		err = r.commands(ctx, s, res)
	default:
		err = fmt.Errorf("unknown step kind %q", s.Kind)
	}
	var nv notVerified
	if errors.As(err, &nv) {
		res.Status, res.Reason = report.NotVerified, nv.Error()
		return res
	}
	if err != nil {
		res.Status = report.Fail
		if res.Reason == "" {
			res.Reason = err.Error()
		}
		return res
	}
	res.Status = report.Pass
	return res
}

// notVerified is a step that did what it is for but whose check did not
// run: a create-cluster step whose cluster was started from a pre-booted
// image, so kind printed nothing to check.
type notVerified string

func (e notVerified) Error() string { return string(e) }

func (r *runState) writeFile(ctx context.Context, s *lab.Step) error {
	if s.Container != "" {
		c, err := r.container(s.Container)
		if err != nil {
			return err
		}
		return r.opts.Backend.WriteFile(ctx, c, s.Path, s.Data)
	}
	p := r.sess.resolve(s.Path)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write %s: %w", s.Path, err)
	}
	if err := os.WriteFile(p, s.Data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", s.Path, err)
	}
	return nil
}

func (r *runState) contains(s *lab.Step) error {
	have, err := os.ReadFile(r.sess.resolve(s.Path))
	if err != nil {
		return fmt.Errorf("read %s: %w", s.Path, err)
	}
	return lab.Contains(have, s.Data)
}

// clusterStep does what a runner="env" block says through the backend (kind's
// Go API): it waits for the clusters being created, or deletes them, and
// checks what each printed against the block like a command's output.
func (r *runState) clusterStep(ctx context.Context, s *lab.Step, res *report.Step) (err error) {
	res.Attempts = 1
	var all strings.Builder
	defer func() { res.OutputTail = report.Tail(all.String(), 20) }()
	var prebooted []string
	defer func() {
		if len(prebooted) > 0 && err == nil {
			err = notVerified("kind did not run, so what it prints was not checked: the cluster was started from a pre-booted image (" +
				strings.Join(prebooted, "; ") + "); `lab run -preboot=false` creates it with kind")
		}
	}()
	for i, name := range s.Clusters {
		j := r.job(name)
		if j == nil {
			return fmt.Errorf("cluster %s is not declared", name)
		}
		var out string
		switch s.Action {
		case lab.ActionCreateCluster:
			err := j.wait(ctx)
			out = j.log.String()
			all.WriteString(out)
			if err != nil {
				return err
			}
			if st := j.cluster.Start; st.Prebooted() {
				res.Outputs = append(res.Outputs, report.NewCommandOutput(s.Commands[i].Cmd, out))
				prebooted = append(prebooted, name+" from "+st.From())
				continue
			}
		case lab.ActionDeleteCluster:
			if err := j.wait(ctx); err != nil {
				return fmt.Errorf("cluster %s was never created: %w", name, err)
			}
			var log strings.Builder
			err := r.opts.Backend.DeleteCluster(ctx, j.cluster, &log)
			out = log.String()
			all.WriteString(out)
			if err != nil {
				return err
			}
			j.deleted = true
		default:
			return fmt.Errorf("unknown env action %q", s.Action)
		}
		res.Outputs = append(res.Outputs, report.NewCommandOutput(s.Commands[i].Cmd, out))
		if c := s.Commands[i]; !lab.Match(c.Expect, out) {
			res.Diff = lab.Diff(c.Expect, out)
			return fmt.Errorf("output of `%s` does not match the article (line %d)", c.Cmd, c.Line)
		}
	}
	return nil
}

// stepEnv is the extra environment of a step that targets one cluster.
func (r *runState) stepEnv(s *lab.Step) []string {
	if s.Cluster != "" {
		return []string{"KUBECONFIG=" + r.kubeconfig(s.Cluster)}
	}
	return nil
}

// commands runs a run step's commands in order.
func (r *runState) commands(ctx context.Context, s *lab.Step, res *report.Step) error {
	for i, c := range s.Commands {
		if s.Background {
			if err := r.background(ctx, s, c, res); err != nil {
				return err
			}
			continue
		}
		if err := r.command(ctx, s, i, res, nil, nil); err != nil {
			return err
		}
	}
	return nil
}

// command runs command i of run step s and applies the article's checks,
// retrying within the step's window. Output is copied to live when set;
// again, when set, is called before each attempt after the first.
func (r *runState) command(ctx context.Context, s *lab.Step, i int, res *report.Step, live io.Writer, again func(attempt int)) error {
	c := s.Commands[i]
	var last string // what the last attempt printed, kept in the results
	defer func() { res.Outputs = append(res.Outputs, report.NewCommandOutput(c.Cmd, last)) }()
	return r.retry(ctx, s, res, func(n int) (string, error) {
		if n > 1 && again != nil {
			again(n)
		}
		out, code, err := r.exec(ctx, s, c.Cmd, live)
		last = out
		if err != nil {
			return out, err
		}
		err = checkCommand(s, i, out, code)
		res.Diff = ""
		if errors.Is(err, errOutput) {
			res.Diff = lab.Diff(c.Expect, out)
		}
		return out, err
	})
}

// errOutput marks a command whose output does not match the article.
var errOutput = errors.New("output does not match")

// checkCommand applies the article's checks to command i of a run step:
// the exit code (the step's expected code for its last command, 0 for the
// others), the expected output and the step's match regexp.
func checkCommand(s *lab.Step, i int, out string, code int) error {
	c := s.Commands[i]
	last := i == len(s.Commands)-1
	want := 0
	if last {
		want = s.Exit
	}
	if code != want {
		return fmt.Errorf("`%s` exited with status %d, want %d", firstLine(c.Cmd), code, want)
	}
	if !lab.Match(c.Expect, out) {
		return fmt.Errorf("%w: output of `%s` does not match the article (line %d)", errOutput, firstLine(c.Cmd), c.Line)
	}
	if last && s.Match != "" {
		// lab.Load validates patterns; a lab built in code may still hold
		// a bad one, which fails the step rather than the runner.
		re, err := regexp.Compile(s.Match)
		if err != nil {
			return fmt.Errorf("step %q: match pattern: %w", s.Name, err)
		}
		if !re.MatchString(out) {
			return fmt.Errorf("%w: output of `%s` does not match /%s/", errOutput, firstLine(c.Cmd), s.Match)
		}
	}
	return nil
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}

// exec runs one command where the step says: on the host, or in a container.
func (r *runState) exec(ctx context.Context, s *lab.Step, cmd string, live io.Writer) (string, int, error) {
	if s.Container != "" {
		c, err := r.container(s.Container)
		if err != nil {
			return "", -1, err
		}
		cctx, cancel := context.WithTimeoutCause(ctx, s.CommandTimeout(), fmt.Errorf("timed out after %s", s.CommandTimeout()))
		defer cancel()
		var out strings.Builder
		var w io.Writer = &out
		if live != nil {
			w = io.MultiWriter(&out, live)
		}
		code, err := r.opts.Backend.Exec(cctx, c, Script(ContainerStateDir, cmd, true), w)
		if err != nil && cctx.Err() != nil {
			err = context.Cause(cctx)
		}
		return out.String(), code, err
	}
	return r.sess.run(ctx, cmd, r.stepEnv(s), s.CommandTimeout(), live)
}

// firstRetryPause is the pause after a retried command's first attempt.
const firstRetryPause = 250 * time.Millisecond

// retryPauses returns the pauses between a retried command's attempts:
// firstRetryPause, doubling up to max (Options.RetryInterval).
func retryPauses(max time.Duration) *wait.Backoff {
	return &wait.Backoff{Duration: min(firstRetryPause, max), Factor: 2, Cap: max, Steps: math.MaxInt32}
}

// retry runs attempt until it succeeds or the step's retry window closes.
func (r *runState) retry(ctx context.Context, s *lab.Step, res *report.Step, attempt func(n int) (string, error)) error {
	deadline := time.Now().Add(time.Duration(s.Retry))
	pauses := retryPauses(r.opts.RetryInterval)
	for n := 1; ; n++ {
		res.Attempts = max(res.Attempts, n)
		out, err := attempt(n)
		res.OutputTail = report.Tail(out, 20)
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			return fmt.Errorf("%w (%v)", err, context.Cause(ctx))
		}
		pause := pauses.Step()
		if time.Now().Add(pause).After(deadline) {
			if n > 1 {
				return fmt.Errorf("%w, after %d attempts in %s", err, n, time.Duration(s.Retry))
			}
			return err
		}
		if !sleep(ctx, pause) {
			return fmt.Errorf("%w (%v)", err, context.Cause(ctx))
		}
	}
}

// background starts a command that keeps running (a port-forward, a
// server) and waits until its output matches, restarting it if it exits
// before that, within the step's retry window.
func (r *runState) background(ctx context.Context, s *lab.Step, c lab.Command, res *report.Step) error {
	if s.Container != "" {
		return errors.New("background steps run on the host only")
	}
	window := time.Duration(s.Retry)
	if window == 0 {
		window = s.CommandTimeout()
	}
	deadline := time.Now().Add(window)
	var last string // what it had printed when checked last, kept in the results
	defer func() { res.Outputs = append(res.Outputs, report.NewCommandOutput(c.Cmd, last)) }()
	for {
		res.Attempts++
		p, err := r.sess.start(ctx, c.Cmd, r.stepEnv(s))
		if err != nil {
			return err
		}
		wrote := p.out.Wrote()
		for {
			out := p.out.String()
			last = out
			res.OutputTail = report.Tail(out, 20)
			if lab.Match(c.Expect, out) || (c.Expect == nil && time.Since(deadline.Add(-window)) > time.Second) {
				res.Diff = ""
				return nil
			}
			if p.exited() {
				res.Diff = lab.Diff(c.Expect, out)
				break
			}
			if time.Now().After(deadline) || !awaitOutput(ctx, wrote, p.done, 200*time.Millisecond) {
				res.Diff = lab.Diff(c.Expect, out)
				p.stop()
				if ctx.Err() != nil {
					return fmt.Errorf("background command `%s` did not print the expected output (%v)", firstLine(c.Cmd), context.Cause(ctx))
				}
				return fmt.Errorf("background command `%s` did not print the expected output within %s", firstLine(c.Cmd), window)
			}
		}
		if time.Now().Add(r.opts.RetryInterval).After(deadline) || !sleep(ctx, r.opts.RetryInterval) {
			return fmt.Errorf("background command `%s` exited (%v) before printing the expected output", firstLine(c.Cmd), p.err)
		}
	}
}

// awaitOutput waits until a background command writes (wrote), exits
// (done) or d passes, and reports false only when ctx is done first: its
// output is checked as soon as there is more of it, not on a timer's tick.
func awaitOutput(ctx context.Context, wrote <-chan struct{}, done <-chan struct{}, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-wrote:
	case <-done:
	case <-t.C:
	case <-ctx.Done():
		return false
	}
	return true
}

// sleep waits for d or until ctx is done, and reports whether it waited
// the whole time.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
