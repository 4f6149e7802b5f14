// Package images builds, on a machine that reaches only the Debian mirror
// and the Go module proxy, every image and tool advent's labs need: a
// Debian base image, stand-ins for upstream lab images, kind node images
// built from source, and the kind, helm and kubectl binaries. Every
// artefact has a content key (a hash of its inputs) and is reused while the
// key is unchanged; images get their final names only when complete.
// Mode, DetectMode and NodeImage pick images; LoadManifest, ToolsDir and
// StandIns find what was built (docs/images.md, docs/architecture.md).
package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// SupportedK8sVersions are, oldest first, the newest patch the Go module
// proxy serves of each Kubernetes minor still supported upstream: the
// versions the air-gapped set is built for on request. From v1.35 the
// kubelet refuses cgroup v1 unless told otherwise (KEP-5573); every advent
// cluster sets failCgroupV1: false, which keeps these running on a cgroup
// v1 host.
var SupportedK8sVersions = []string{"v1.35.4", "v1.36.3", "v1.37.2"}

// DefaultK8sVersions are the Kubernetes versions built when Options does
// not name any (the air-gapped set), and those make test and make labs
// verify on: the oldest and the newest of SupportedK8sVersions.
var DefaultK8sVersions = []string{SupportedK8sVersions[0], SupportedK8sVersions[len(SupportedK8sVersions)-1]}

// Options configures Build.
type Options struct {
	CacheDir    string    // default DefaultCacheDir()
	K8sVersions []string  // default DefaultK8sVersions
	Only        string    // build only this step and what it needs (see StepIDs)
	ProjectRoot string    // advent checkout (holds go.mod); default: found from the working directory
	Mirror      string    // Debian mirror for debootstrap; default: from the apt sources
	Out         io.Writer // progress; nil discards it
	Docker      string    // docker program; default "docker"
	Go          string    // go program; default "go"
	// InSpecSrc is the directory of InSpec's release archives the
	// cincproject/auditor stand-in is built from; default $ADVENT_INSPEC_SRC.
	// Without it that step is skipped (see InSpecSourcesHint).
	InSpecSrc string
}

// Result is what Build did.
type Result struct {
	Manifest *Manifest
	Built    []string // step ids built this time
	UpToDate []string // step ids whose key matched
	Skipped  []string // step ids skipped for want of an input (the output says which)
	Elapsed  time.Duration
}

// step is one artefact: a content key, a way to tell whether it is already
// there and a way to build it.
type step struct {
	id    string
	title string // "build kube binaries v1.37.2"
	hint  string // "(go build, ~9 min cold on 2 cores)"
	deps  []*step
	// after are steps that, when part of the build, end before this one
	// starts; unlike deps, the step does not need them (-only leaves them
	// out).
	after    []*step
	key      string
	images   []string // final image names carrying key; used by the default upToDate
	upToDate func(ctx context.Context) (bool, error)
	// prepare, when set, is the part of the step that needs none of its
	// deps (module downloads, a compile whose output goes on a base image
	// later): it starts when the build starts, run when the deps are done.
	prepare func(ctx context.Context, rc *runCtx) error
	run     func(ctx context.Context, rc *runCtx) error
	// estimate is the step's usual cold duration on 2 cores; it ranks who
	// gets the CPU budget first (see priorities).
	estimate time.Duration
	// compiles says the step compiles Go (rc.compile): it claims the CPU
	// budget from the start of the build (see budget).
	compiles bool
	// unavailable says why the step cannot be built on this machine (an
	// input the user did not provide): Build skips it, or fails when it is
	// the -only target.
	unavailable error
}

// builder holds what the steps share.
type builder struct {
	o      Options
	out    io.Writer
	docker *docker
	goBin  string
	goVer  string
	root   string // project root
	deb    debianSources
	kind   goModule // sigs.k8s.io/kind as required by the project
	steps  []*step  // in build order
	byID   map[string]*step
	now    func() time.Time
	cpu    *budget  // Go compilations; see compile
	locks  sync.Map // name -> *sync.Mutex; see lock
}

// runCtx is what a running step gets.
type runCtx struct {
	b       *builder
	s       *step
	log     io.Writer
	logPath string
	docker  *docker
	tmpTags []string
	cleanup []func(ctx context.Context)
	prio    int        // the step's priority for the CPU budget
	claim   *claim     // its claim on it, or nil
	times   *stepTimes // for its end line
}

// tmp returns a new temporary image tag, removed when the step ends.
func (rc *runCtx) tmp() string {
	t := tmpTag(rc.s.id)
	rc.tmpTags = append(rc.tmpTags, t)
	return t
}

// defer_ registers f to run when the step ends, even when it is cancelled.
func (rc *runCtx) defer_(f func(ctx context.Context)) { rc.cleanup = append(rc.cleanup, f) }

// logf writes a line to the step log.
func (rc *runCtx) logf(format string, args ...any) {
	fmt.Fprintf(rc.log, "advent: "+format+"\n", args...)
}

// goCmd is a go command with the environment every build uses.
func (rc *runCtx) goCmd(dir string, args ...string) *xexec.Cmd {
	return xexec.Command(rc.b.goBin, args...).WithDir(dir).WithLog(rc.log).
		WithEnv("CGO_ENABLED=0", "GOWORK=off", "GOTOOLCHAIN=local", "GOFLAGS=-buildvcs=false")
}

// goBuildFlags are the flags of every Go compilation. -trimpath makes
// builds reproducible and lets identical packages hit the build cache
// across steps. Every binary is linked with -s -w, which drops the DWARF
// the compiler writes: -dwarf=false spares writing it (the same machine
// code, a smaller build cache).
var goBuildFlags = []string{"-trimpath", "-gcflags=all=-dwarf=false"}

// goBuild is `go build` with goBuildFlags and ldflags, writing to out (a
// file, or a directory ending in a slash).
func (rc *runCtx) goBuild(dir, ldflags, out string, pkgs ...string) *xexec.Cmd {
	args := append(append([]string{"build"}, goBuildFlags...), "-ldflags="+ldflags, "-o", out)
	return rc.goCmd(dir, append(args, pkgs...)...)
}

// Build builds what o asks for, reusing every artefact whose key is
// unchanged, and writes the manifest.
func Build(ctx context.Context, o Options) (*Result, error) {
	start := time.Now()
	b, err := newBuilder(ctx, o)
	if err != nil {
		return nil, err
	}
	targets, err := b.targets()
	if err != nil {
		return nil, err
	}
	plan, status, err := b.decide(ctx, targets)
	if err != nil {
		return nil, err
	}
	nBuild := 0
	for _, s := range plan {
		if status[s] == planBuild {
			nBuild++
		}
	}
	fmt.Fprintf(b.out, "advent images: cache %s, Kubernetes %s\n", b.o.CacheDir, strings.Join(b.o.K8sVersions, ", "))
	fmt.Fprintf(b.out, "advent images: %d steps, %d to build\n", len(plan), nBuild)
	if nBuild > 0 {
		if err := b.checkDisk(ctx, plan, status); err != nil {
			return nil, err
		}
	}

	res := &Result{}
	for i, s := range plan {
		prefix := fmt.Sprintf("[%d/%d]", i+1, len(plan))
		switch status[s] {
		case planUpToDate:
			fmt.Fprintf(b.out, "%s %s: up to date (key %s)\n", prefix, s.id, shortKey(s.key))
			res.UpToDate = append(res.UpToDate, s.id)
		case planSkip:
			fmt.Fprintf(b.out, "%s %s: skipped: %v\n", prefix, s.id, s.unavailable)
			res.Skipped = append(res.Skipped, s.id)
		}
	}
	if err := b.execute(ctx, plan, status, res); err != nil {
		return nil, err
	}

	m, err := b.manifest(ctx)
	if err != nil {
		return nil, stepError("write manifest", "", err)
	}
	res.Manifest = m
	res.Elapsed = time.Since(start)
	skipped := ""
	if len(res.Skipped) > 0 {
		skipped = fmt.Sprintf(", %d skipped (%s)", len(res.Skipped), strings.Join(res.Skipped, ", "))
	}
	fmt.Fprintf(b.out, "advent images: %d built, %d up to date%s in %s; manifest %s\n",
		len(res.Built), len(res.UpToDate), skipped, roundDuration(res.Elapsed), ManifestPath(b.o.CacheDir))
	return res, nil
}

// targets are the steps Options.Only asks for, or every step.
func (b *builder) targets() ([]*step, error) {
	if b.o.Only == "" {
		return b.steps, nil
	}
	s, ok := b.byID[b.o.Only]
	if !ok {
		return nil, &StepError{Step: "plan", Reason: fmt.Sprintf("unknown step %q", b.o.Only),
			Fix: "pick one of: " + strings.Join(stepIDs(b.steps), ", ")}
	}
	if s.unavailable != nil {
		return nil, &StepError{Step: s.title, Err: s.unavailable, Reason: s.unavailable.Error()}
	}
	return []*step{s}, nil
}

// planStatus is what Build does with a step.
type planStatus int

const (
	planUpToDate planStatus = iota + 1 // its key matches: reused
	planBuild                          // built
	planSkip                           // unavailable here: skipped
)

// decide decides, top down, what has to be built for targets: a step whose
// key matches is reused and what it is built from is not even looked at.
// It returns the steps concerned, in build order, and each one's status.
func (b *builder) decide(ctx context.Context, targets []*step) ([]*step, map[*step]planStatus, error) {
	status := map[*step]planStatus{}
	var visit func(s *step) error
	visit = func(s *step) error {
		if _, done := status[s]; done {
			return nil
		}
		if s.unavailable != nil {
			status[s] = planSkip
			return nil
		}
		ok, err := s.upToDate(ctx)
		if err != nil {
			return stepError("check "+s.id, "", err)
		}
		if ok {
			status[s] = planUpToDate
			return nil
		}
		status[s] = planBuild
		for _, d := range s.deps {
			if err := visit(d); err != nil {
				return err
			}
		}
		return nil
	}
	for _, t := range targets {
		if err := visit(t); err != nil {
			return nil, nil, err
		}
	}
	var plan []*step
	for _, s := range b.steps {
		if _, ok := status[s]; ok {
			plan = append(plan, s)
		}
	}
	return plan, status, nil
}

// runStep runs one step with its log, temporary tags and clean-up: its
// prepare phase, then (waitDeps) its run phase once its deps are done.
// prio and cl are its priority and claim for the CPU budget.
func (b *builder) runStep(ctx context.Context, s *step, prio int, cl *claim, waitDeps func(context.Context) error) (_ *stepTimes, err error) {
	times := &stepTimes{}
	logDir := filepath.Join(b.o.CacheDir, "images", "logs")
	if err := os.MkdirAll(logDir, 0o755); err != nil {
		return times, stepError(s.title, "", err)
	}
	logPath := filepath.Join(logDir, s.id+".log")
	f, err := os.Create(logPath)
	if err != nil {
		return times, stepError(s.title, "", err)
	}
	defer f.Close()
	fmt.Fprintf(f, "advent: %s (key %s) at %s\n", s.title, s.key, b.now().Format(time.RFC3339))
	if b.cpu == nil {
		b.cpu = newBudget(compileSlots)
	}
	rc := &runCtx{b: b, s: s, log: f, logPath: logPath, docker: b.docker.withLog(f), prio: prio, claim: cl, times: times}
	defer func() {
		// Clean up even when ctx is cancelled; bounded by its own timeout.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Minute)
		defer cancel()
		for i := len(rc.cleanup) - 1; i >= 0; i-- {
			rc.cleanup[i](cctx)
		}
		if len(rc.tmpTags) > 0 {
			if rerr := rc.docker.rmi(cctx, rc.tmpTags...); rerr != nil {
				fmt.Fprintf(f, "advent: removing temporary tags: %v\n", rerr)
			}
		}
	}()
	phases := func() error {
		if s.prepare != nil {
			if err := s.prepare(ctx, rc); err != nil {
				return err
			}
			t0 := time.Now()
			if waitDeps != nil {
				if err := waitDeps(ctx); err != nil {
					return err
				}
			}
			if w := time.Since(t0); w >= time.Second {
				rc.logf("waited %s for its inputs", roundDuration(w))
			}
			times.add(&times.waitDeps, time.Since(t0))
		}
		return s.run(ctx, rc)
	}
	if err := phases(); err != nil {
		fmt.Fprintf(f, "advent: FAILED: %v\n", err)
		if errors.Is(err, context.Canceled) || ctx.Err() != nil {
			return times, context.Canceled
		}
		return times, stepError(s.title, logPath, err)
	}
	fmt.Fprintf(f, "advent: done\n")
	return times, nil
}

// stepIDs lists the ids of steps, in their order.
func stepIDs(steps []*step) []string {
	ids := make([]string, len(steps))
	for i, s := range steps {
		ids[i] = s.id
	}
	return ids
}

// StepIDs lists the step names Options.Only accepts for k8sVersions, in
// build order. The stand-ins come from the tables plan builds them from;
// a test checks the whole list against a real plan.
func StepIDs(k8sVersions []string) []string {
	ids := []string{"debian", "debian-systemd"}
	for _, si := range debianStandIns {
		ids = append(ids, si.id)
	}
	ids = append(ids, inspecStepID, "tools", "k8s-base", "static-base", "pause", "coredns", "local-path-provisioner")
	for _, v := range k8sVersions {
		ids = append(ids, "kube-binaries-"+v, "control-plane-"+v, "kind-node-"+v)
	}
	return ids
}

func newBuilder(ctx context.Context, o Options) (*builder, error) {
	if o.CacheDir == "" {
		d, err := DefaultCacheDir()
		if err != nil {
			return nil, err
		}
		o.CacheDir = d
	}
	abs, err := filepath.Abs(o.CacheDir)
	if err != nil {
		return nil, fmt.Errorf("cache directory: %w", err)
	}
	o.CacheDir = abs
	if len(o.K8sVersions) == 0 {
		o.K8sVersions = append([]string(nil), DefaultK8sVersions...)
	}
	for i, v := range o.K8sVersions {
		nv, err := ParseKubernetesVersion(v)
		if err != nil {
			return nil, err
		}
		o.K8sVersions[i] = nv
	}
	if o.Docker == "" {
		o.Docker = "docker"
	}
	if o.Go == "" {
		o.Go = "go"
	}
	if o.InSpecSrc == "" {
		o.InSpecSrc = os.Getenv(InSpecSrcEnv)
	}
	out := o.Out
	if out == nil {
		out = io.Discard
	}
	b := &builder{o: o, out: &syncWriter{w: out}, byID: map[string]*step{}, now: time.Now, cpu: newBudget(compileSlots)}

	if err := b.preflight(ctx); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.CacheDir, 0o755); err != nil {
		return nil, stepError("create cache directory", "", err)
	}
	if err := b.facts(ctx); err != nil {
		return nil, err
	}
	if err := b.plan(ctx); err != nil {
		return nil, err
	}
	return b, nil
}

// preflight checks that docker and go exist and the daemon answers.
func (b *builder) preflight(ctx context.Context) error {
	dockerPath, err := exec.LookPath(b.o.Docker)
	if err != nil {
		return stepError("preflight: find docker", "", err)
	}
	if b.docker, err = newDocker(dockerPath); err != nil {
		return stepError("preflight: reach the Docker daemon", "", err)
	}
	if err := b.docker.ping(ctx); err != nil {
		return stepError("preflight: reach the Docker daemon", "", err)
	}
	goPath, err := exec.LookPath(b.o.Go)
	if err != nil {
		return stepError("preflight: find go", "", err)
	}
	b.goBin = goPath
	return nil
}

// checkDisk fails early when the disks are too full for the planned build.
func (b *builder) checkDisk(ctx context.Context, plan []*step, status map[*step]planStatus) error {
	const gib = 1 << 30
	need := uint64(2 * gib)
	for _, s := range plan {
		if status[s] == planBuild && strings.HasPrefix(s.id, "kind-node-") {
			need += 3 * gib
		}
		if status[s] == planBuild && strings.HasPrefix(s.id, "kube-binaries-") {
			need += 2 * gib
		}
	}
	root := b.docker.rootDir(ctx)
	if root == "" {
		root = "/var/lib/docker"
	}
	for _, dir := range []string{b.o.CacheDir, root} {
		var st syscall.Statfs_t
		if err := syscall.Statfs(dir, &st); err != nil {
			continue // not visible from here (remote daemon)
		}
		free := st.Bavail * uint64(st.Bsize)
		if free < need {
			return &StepError{Step: "preflight: disk space",
				Reason: fmt.Sprintf("disk full: %.1f GiB free under %s, this build needs about %.0f GiB", float64(free)/gib, dir, float64(need)/gib),
				Fix:    "free disk space (`docker system df`, `docker image prune`, old " + NodeImageRepo + " images, the cache directory) or pass -only to build less"}
		}
	}
	return nil
}

func roundDuration(d time.Duration) string {
	switch {
	case d < 10*time.Second:
		return d.Round(100 * time.Millisecond).String()
	default:
		return d.Round(time.Second).String()
	}
}
