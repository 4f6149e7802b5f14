package runner

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// Kept is the record of an environment that `advent lab run -keep` left up
// on purpose, in Options.KeptDir/<lab>.json: what a later process needs to
// run steps against it (-from, -only), to reach it, and to remove it
// (`advent lab down`). The reaper (env.ReapStale) leaves alone what Owner
// created while this record exists on the same boot; after a reboot, or
// once `lab down` removed the record, Owner's leftovers are reaped as usual.
type Kept struct {
	Lab    string `json:"lab"`
	Source string `json:"source"`
	// Owner is the advent process that created the resources (the value of
	// their owner label, env.Owner's form BOOT/PID/START).
	Owner       string            `json:"owner"`
	Created     time.Time         `json:"created"`
	Updated     time.Time         `json:"updated"`
	Dir         string            `json:"dir"` // work directory: home/, kube/, .state/
	Home        string            `json:"home"`
	Kubernetes  string            `json:"kubernetes,omitempty"`
	Kubeconfigs map[string]string `json:"kubeconfigs,omitempty"` // cluster -> its kubeconfig file
	Clusters    []string          `json:"clusters,omitempty"`
	Containers  []string          `json:"containers,omitempty"`
	Networks    []string          `json:"networks,omitempty"`
	// Steps is each step's status in the last run that ran it here.
	Steps map[string]report.Status `json:"steps,omitempty"`
}

// KeptPath is where the record of lab's kept environment is.
func KeptPath(dir, labName string) string { return filepath.Join(dir, labName+".json") }

// KeptRunPath is where the last run on lab's kept environment is (a
// results file of one run, never results/<lab>.json).
func KeptRunPath(dir, labName string) string { return filepath.Join(dir, labName+".run", "last.json") }

// ErrNotKept means a lab has no kept environment.
var ErrNotKept = errors.New("no kept environment")

// ReadKept reads lab's kept record in dir; ErrNotKept when there is none.
func ReadKept(dir, labName string) (*Kept, error) {
	b, err := os.ReadFile(KeptPath(dir, labName))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("lab %s: %w (run `advent lab run %s -keep` first)", labName, ErrNotKept, labName)
	}
	if err != nil {
		return nil, err
	}
	var k Kept
	if err := json.Unmarshal(b, &k); err != nil {
		return nil, fmt.Errorf("%s: %w", KeptPath(dir, labName), err)
	}
	return &k, nil
}

func writeKept(dir string, k *Kept) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(k, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+k.Lab+"-*.json")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), KeptPath(dir, k.Lab))
}

// KeptLabs lists the labs with a kept environment in dir.
func KeptLabs(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var out []string
	for _, e := range ents {
		if name, ok := strings.CutSuffix(e.Name(), ".json"); ok && !e.IsDir() && !strings.HasPrefix(name, ".") {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// keepRecord records the environment r leaves up and says how to reach it.
func (r *runState) keepRecord(dir string) (*Kept, error) {
	k := &Kept{Lab: r.lab.Name, Source: r.lab.Source, Owner: r.opts.Owner, Created: time.Now().UTC(),
		Dir: dir, Home: r.sess.home, Kubernetes: r.info.Kubernetes, Kubeconfigs: map[string]string{},
		Steps: map[string]report.Status{}}
	k.Updated = k.Created
	for _, c := range r.lab.Resources.Clusters {
		k.Clusters = append(k.Clusters, c.Name)
		k.Kubeconfigs[c.Name] = r.kubeconfig(c.Name)
	}
	for _, c := range r.lab.Resources.Containers {
		k.Containers = append(k.Containers, c.Name)
	}
	for _, n := range r.lab.Resources.Networks {
		k.Networks = append(k.Networks, n.Name)
	}
	return k, writeKept(r.opts.KeptDir, k)
}

// howToReach says where a kept environment is and how to use it.
func howToReach(w io.Writer, l *lab.Lab, k *Kept, cwd string) {
	fmt.Fprintf(w, "kept: %s's environment stays up (it is not a verified pass; `advent lab down %s` removes it)\n", l.Name, l.Name)
	fmt.Fprintf(w, "  work directory: %s (the lab's HOME is %s; its shell was in %s)\n", k.Dir, k.Home, cwd)
	if len(k.Clusters) > 0 {
		var files []string
		for _, c := range k.Clusters {
			files = append(files, k.Kubeconfigs[c])
		}
		fmt.Fprintf(w, "  export KUBECONFIG=%s\n", strings.Join(files, ":"))
		for _, c := range k.Clusters {
			fmt.Fprintf(w, "  kubectl --kubeconfig %s --context kind-%s get nodes\n", k.Kubeconfigs[c], c)
		}
	}
	for _, c := range k.Containers {
		fmt.Fprintf(w, "  docker exec -it %s bash\n", c)
	}
	fmt.Fprintf(w, "  re-run steps: advent lab run %s -from STEP (or -only STEP)\n", l.Name)
}

// saveState copies the shell's state (current directory, exported
// variables) as it is before step i, so that -from can start there again.
func (r *runState) saveState(i int) {
	dst := filepath.Join(r.sess.state, "before", strconv.Itoa(i))
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return
	}
	for _, f := range []string{"cwd", "env"} {
		if b, err := os.ReadFile(filepath.Join(r.sess.state, f)); err == nil {
			os.WriteFile(filepath.Join(dst, f), b, 0o644)
		}
	}
}

// restoreState puts back the shell's state as it was before step i, when
// a run saved it; it reports whether it did.
func (r *runState) restoreState(i int) bool {
	src := filepath.Join(r.sess.state, "before", strconv.Itoa(i))
	ok := false
	for _, f := range []string{"cwd", "env"} {
		if b, err := os.ReadFile(filepath.Join(src, f)); err == nil {
			if os.WriteFile(filepath.Join(r.sess.state, f), b, 0o644) == nil {
				ok = true
			}
		}
	}
	return ok
}

// StepIndex is the index of the step called name, or -1.
func StepIndex(l *lab.Lab, name string) int {
	for i := range l.Steps {
		if l.Steps[i].Name == name {
			return i
		}
	}
	return -1
}

// adopt opens lab l's kept environment for more steps: the backend finds
// its resources and the runner keeps their handles, as a run keeps what it
// creates; the shell session continues in its work directory. What no
// longer exists is listed in missing.
func adopt(ctx context.Context, l *lab.Lab, opts Options) (r *runState, k *Kept, missing []string, err error) {
	k, err = ReadKept(opts.KeptDir, l.Name)
	if err != nil {
		return nil, nil, nil, err
	}
	if _, err := os.Stat(k.Dir); err != nil {
		return nil, nil, nil, fmt.Errorf("lab %s: the kept work directory is gone (%v): `advent lab down %s` and keep it again", l.Name, err, l.Name)
	}
	info, err := opts.Backend.Prepare(ctx, l, k.Kubernetes)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("prepare lab %s: %w", l.Name, err)
	}
	found, err := opts.Backend.Adopt(ctx, k)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("lab %s: take over the kept environment: %w", l.Name, err)
	}
	r = &runState{opts: opts, lab: l, info: info, p: &progress{w: opts.Progress, lab: l, info: info},
		networks: found.Networks, containers: found.Containers}
	r.kubeDir = filepath.Join(k.Dir, "kube")
	r.sess = openSession(k.Dir, r.baseEnv())
	for _, c := range found.Clusters {
		j := &clusterJob{name: c.Name, cluster: c, done: make(chan struct{})}
		close(j.done)
		r.clusters = append(r.clusters, j)
	}
	return r, k, found.Missing, nil
}

// rerun runs steps of a lab on its kept environment: from opts.From to the
// last main step, or only opts.Only. Nothing is created or torn down; the
// shell's state is the one saved before the first step run, when the
// kept run got there, and the background commands of earlier steps start
// again. The clusters and containers are as the last step left them. The run's status is report.Kept (or fail); it is
// written to KeptRunPath, never to results/<lab>.json.
func rerun(ctx context.Context, l *lab.Lab, opts Options) (*report.Run, error) {
	name := opts.From
	if name == "" {
		name = opts.Only
	}
	first := StepIndex(l, name)
	if first < 0 {
		return nil, fmt.Errorf("lab %s has no step %q", l.Name, name)
	}
	if s := &l.Steps[first]; opts.Only != "" && s.Kind == lab.KindCluster && s.Action == lab.ActionDeleteCluster {
		return nil, fmt.Errorf("step %q deletes the kept cluster: `advent lab down %s` removes the environment", s.Name, l.Name)
	}
	r, k, missing, err := adopt(ctx, l, opts)
	if err != nil {
		return nil, err
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("lab %s: the kept environment lost %s: remove it with `advent lab down %s` and keep it again", l.Name, strings.Join(missing, ", "), l.Name)
	}
	run := &report.Run{Kubernetes: r.info.Kubernetes, Mode: r.info.Mode, NodeImage: r.info.NodeImage,
		Versions: r.info.Versions, Started: time.Now().UTC(), Status: report.Kept, Commit: opts.Commit}
	r.p.header()
	restored := r.restoreState(first)
	labCtx, cancel := context.WithTimeoutCause(ctx, l.LabTimeout(), fmt.Errorf("lab timeout (%s) exceeded", l.LabTimeout()))
	defer cancel()
	// Background commands (port-forwards, servers) of the steps before
	// the first ended with the process that kept the environment: the
	// steps after them expect them running, so they start again.
	for i := 0; i < first; i++ {
		if s := &l.Steps[i]; s.Background && s.Role != lab.RoleCleanup {
			res := r.step(labCtx, s)
			fmt.Fprintf(opts.Progress, "  (background step %q started again) %s\n", s.Name, res.Status.Mark())
			if res.Status == report.Fail {
				fmt.Fprintf(opts.Progress, "      %s\n", res.Reason)
			}
		}
	}
	for i := first; i < len(l.Steps); i++ {
		s := &l.Steps[i]
		if opts.Only == "" && (s.Role == lab.RoleCleanup || deletesCluster(s)) {
			continue
		}
		r.saveState(i)
		r.p.start(i, s)
		res := r.step(labCtx, s)
		r.p.end(i, s, res)
		res.Name, res.Kind, res.Role, res.Line = s.Name, s.Kind, s.Role, s.Line
		run.Steps = append(run.Steps, res)
		k.Steps[s.Name] = res.Status
		if opts.Only != "" || res.Status == report.Fail {
			break
		}
	}
	r.sess.stopAll()
	run.DurationMS = time.Since(run.Started).Milliseconds()
	run.Tally()
	if run.Status == report.Fail {
		run.Reason = failReason(run)
	}
	k.Updated = time.Now().UTC()
	if err := writeKept(opts.KeptDir, k); err != nil {
		return run, err
	}
	if err := writeKeptRun(opts.KeptDir, l, run); err != nil {
		return run, err
	}
	r.p.done(run, "")
	if !restored {
		fmt.Fprintf(opts.Progress, "  (no saved shell state from before %q: its commands start where the last command left the shell)\n", name)
	}
	fmt.Fprintf(opts.Progress, "  ran on the kept environment (%s); output kept in %s for `advent labs accept %s`\n", k.Dir, KeptRunPath(opts.KeptDir, l.Name), l.Name)
	return run, nil
}

// Down removes lab l's kept environment: its cleanup steps run, its
// clusters, containers and networks are removed, its work directory and
// record deleted.
func Down(ctx context.Context, l *lab.Lab, opts Options) error {
	opts.defaults()
	if opts.Backend == nil {
		return errors.New("down: no backend")
	}
	r, k, missing, err := adopt(ctx, l, opts)
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		fmt.Fprintf(opts.Progress, "%s: already gone: %s\n", l.Name, strings.Join(missing, ", "))
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), opts.TeardownTimeout)
	defer cancel()
	for i := range l.Steps {
		if s := &l.Steps[i]; s.Role == lab.RoleCleanup {
			r.p.start(i, s)
			r.p.end(i, s, r.step(cctx, s))
		}
	}
	if err := r.teardown(cctx); err != nil {
		return fmt.Errorf("lab %s: remove the kept environment: %w", l.Name, err)
	}
	if err := os.RemoveAll(k.Dir); err != nil {
		return err
	}
	os.RemoveAll(filepath.Dir(KeptRunPath(opts.KeptDir, l.Name)))
	if err := os.Remove(KeptPath(opts.KeptDir, l.Name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	var removed []string
	for _, x := range append(append(prefixed("cluster/", k.Clusters), prefixed("container/", k.Containers)...), prefixed("network/", k.Networks)...) {
		if !slices.Contains(missing, x) {
			removed = append(removed, strings.Replace(x, "/", " ", 1))
		}
	}
	fmt.Fprintf(opts.Progress, "%s: kept environment removed (%s)\n", l.Name, strings.Join(append(removed, "work directory "+k.Dir), ", "))
	return nil
}

// deletesCluster reports whether s is an env step that deletes clusters:
// a kept environment keeps them.
func deletesCluster(s *lab.Step) bool {
	return s.Kind == lab.KindCluster && s.Action == lab.ActionDeleteCluster
}

func prefixed(p string, names []string) []string {
	var out []string
	for _, n := range names {
		out = append(out, p+n)
	}
	return out
}

// keep ends a Keep run: the cleanup steps do not run, nothing is torn
// down, and the environment is recorded in KeptDir.
func (r *runState) keep(run *report.Run, dir string, results []*report.Step) *report.Run {
	for i, res := range results {
		s := &r.lab.Steps[i]
		if res == nil {
			res = &report.Step{Status: report.NotRun, Reason: "the environment is kept: `advent lab down " + r.lab.Name + "` runs it"}
			r.p.skip(i, s, res)
		}
		res.Name, res.Kind, res.Role, res.Line = s.Name, s.Kind, s.Role, s.Line
		run.Steps = append(run.Steps, res)
	}
	reason := run.Reason
	run.Status = report.Kept
	run.Tally()
	if reason != "" {
		run.Status, run.Reason = report.Fail, reason
	} else if run.Status == report.Fail {
		run.Reason = failReason(run)
	}
	if r.opts.KeptDir == "" {
		run.Status, run.Reason = report.Fail, "keep: no directory for kept records"
		return run
	}
	k, err := r.keepRecord(dir)
	if err != nil {
		run.Status, run.Reason = report.Fail, "keep: "+err.Error()
		return run
	}
	for _, res := range run.Steps {
		k.Steps[res.Name] = res.Status
	}
	if err := writeKept(r.opts.KeptDir, k); err != nil {
		run.Status, run.Reason = report.Fail, "keep: "+err.Error()
		return run
	}
	r.kept = k
	return run
}

// writeKeptRun writes run, a run on a kept environment, to KeptRunPath,
// where `advent labs accept` finds its output.
func writeKeptRun(dir string, l *lab.Lab, run *report.Run) error {
	f := &report.File{Lab: l.Name, Title: l.Title, Source: l.Source, Runs: []*report.Run{run}}
	p := KeptRunPath(dir, l.Name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	return report.Write(p, f)
}
