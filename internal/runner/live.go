package runner

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

// Live is a lab's environment held open so that its steps can run one at a
// time, in any order a person chooses: what practice mode drives. Its checks
// are exactly the ones Run applies.
type Live struct {
	r      *runState
	before []string
	dir    string
	closed bool
}

// Open prepares a lab's environment: the fresh work directory and shell,
// networks, containers and every cluster (created in parallel). As in Run,
// a cluster that a create-cluster step names is still being created when
// Open returns: that step waits for it, so the steps before it (and a
// person reading them) do not wait for kind. Close tears it all down.
func Open(ctx context.Context, l *lab.Lab, opts Options) (*Live, error) {
	opts.defaults()
	if opts.Backend == nil {
		return nil, errors.New("open lab: no backend")
	}
	info, err := opts.Backend.Prepare(ctx, l, opts.Kubernetes)
	if err != nil {
		return nil, fmt.Errorf("prepare lab %s: %w", l.Name, err)
	}
	if err := checkPorts(l); err != nil {
		return nil, err
	}
	r := &runState{opts: opts, lab: l, info: info, p: &progress{w: io.Discard, lab: l, info: info}}
	before, dir, err := r.setup(ctx)
	if err != nil {
		return nil, err
	}
	lv := &Live{r: r, before: before, dir: dir}
	if err := r.provision(ctx); err != nil {
		lv.Close()
		return nil, err
	}
	return lv, nil
}

// Info describes the environment.
func (lv *Live) Info() *Info { return lv.r.info }

// Lab is the lab being practised.
func (lv *Live) Lab() *lab.Lab { return lv.r.lab }

// Environ is the environment a step's commands run with (PATH with the pinned
// tools, the lab's HOME and KUBECONFIG...), for a person's own shell.
func (lv *Live) Environ(i int) []string {
	return append(append([]string(nil), lv.r.sess.env...), lv.r.stepEnv(&lv.r.lab.Steps[i])...)
}

// Home is the lab's HOME directory.
func (lv *Live) Home() string { return lv.r.sess.home }

// Cwd is the shell's current directory.
func (lv *Live) Cwd() string { return lv.r.sess.cwd() }

// Step runs step i as CI runs it (with retries and timeouts).
func (lv *Live) Step(ctx context.Context, i int) *report.Step {
	s := &lv.r.lab.Steps[i]
	res := lv.r.step(ctx, s)
	res.Name, res.Kind, res.Role, res.Line = s.Name, s.Kind, s.Role, s.Line
	return res
}

// Exec runs a command a person typed, where step i runs (the host shell,
// a cluster's kubeconfig, or a container), copying its output to w as it
// comes. It returns the whole output and the exit code.
func (lv *Live) Exec(ctx context.Context, i int, command string, w io.Writer) (string, int, error) {
	return lv.r.exec(ctx, &lv.r.lab.Steps[i], command, w)
}

// Command runs command ci of step i and applies the article's checks as
// Run does, retrying within the step's window (Options.RetryInterval
// apart, until ctx ends), with its output copied to w as it comes. again,
// when set, is called before each attempt after the first. The result's
// Status is pass or fail; Reason says what differs and Diff shows the
// output against the article.
func (lv *Live) Command(ctx context.Context, i, ci int, w io.Writer, again func(attempt int)) *report.Step {
	s := &lv.r.lab.Steps[i]
	res := &report.Step{Name: s.Name, Kind: s.Kind, Role: s.Role, Line: s.Line, Status: report.Pass}
	if err := lv.r.command(ctx, s, ci, res, w, again); err != nil {
		res.Status, res.Reason = report.Fail, err.Error()
	}
	return res
}

// Resolve maps a file step's path to the host as the runner does: ~ is
// the lab's HOME, a relative path is relative to the shell's current
// directory.
func (lv *Live) Resolve(path string) string { return lv.r.sess.resolve(path) }

// SameCommand reports whether typed is command ci of step i, ignoring
// spacing and line continuations.
func (lv *Live) SameCommand(i, ci int, typed string) bool {
	norm := func(s string) string {
		s = strings.ReplaceAll(s, "\\\n", " ")
		return strings.Join(strings.Fields(s), " ")
	}
	return norm(typed) == norm(lv.r.lab.Steps[i].Commands[ci].Cmd)
}

// Close stops background commands, runs the lab's cleanup steps, deletes
// clusters, containers and networks on a context of its own, and returns
// what was left behind.
func (lv *Live) Close() ([]string, error) {
	if lv.closed {
		return nil, nil
	}
	lv.closed = true
	r := lv.r
	ctx, cancel := context.WithTimeout(context.Background(), r.opts.TeardownTimeout)
	defer cancel()
	defer os.RemoveAll(lv.dir)
	r.sess.stopAll()
	for i := range r.lab.Steps {
		if r.lab.Steps[i].Role == lab.RoleCleanup {
			r.step(ctx, &r.lab.Steps[i])
		}
	}
	err := r.teardown(ctx)
	after, serr := r.opts.Backend.Snapshot(ctx)
	if serr != nil {
		return nil, errors.Join(err, serr)
	}
	return ownLeaks(r.lab, leaked(lv.before, after)), err
}

// ownLeaks keeps the leaked resources that are the lab's own: its clusters
// and their node containers, its containers. On a person's machine other
// things come and go while they practise; CI's runs (Run) stay strict.
func ownLeaks(l *lab.Lab, leaks []string) []string {
	var out []string
	for _, x := range leaks {
		kind, name, _ := strings.Cut(x, "/")
		for _, c := range l.Resources.Clusters {
			if (kind == "cluster" && name == c.Name) || (kind == "container" && strings.HasPrefix(name, c.Name+"-")) {
				out = append(out, x)
			}
		}
		for _, c := range l.Resources.Containers {
			if kind == "container" && name == c.Name {
				out = append(out, x)
			}
		}
	}
	return out
}

// StateDir is where the shell session keeps its state between commands:
// cwd (one line) and env (`export -p`). A person's own shell writes them
// so that the steps advent runs for them continue where they are.
func (lv *Live) StateDir() string { return lv.r.sess.state }

// Check applies the article's checks of command ci of step i (exit code,
// expected output, the step's match regexp) to what it printed and its
// exit code, exactly as Run does; nil when they pass. Diff shows the
// output against the article.
func (lv *Live) Check(i, ci int, out string, code int) (diff string, err error) {
	s := &lv.r.lab.Steps[i]
	err = checkCommand(s, ci, out, code)
	if errors.Is(err, errOutput) {
		diff = lab.Diff(s.Commands[ci].Expect, out)
	}
	return diff, err
}

// ClusterStart says how cluster name came up; false while it is being
// created, or when its creation failed.
func (lv *Live) ClusterStart(name string) (report.ClusterStart, bool) {
	j := lv.r.job(name)
	if j == nil {
		return report.ClusterStart{}, false
	}
	select {
	case <-j.done:
	default:
		return report.ClusterStart{}, false
	}
	if j.cluster == nil {
		return report.ClusterStart{}, false
	}
	s := j.cluster.Start
	s.Cluster = name
	return s, true
}
