package images

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeGraph runs fake steps through the real scheduler (execute, runStep,
// the CPU budget) and records what happened when.
type fakeGraph struct {
	t      *testing.T
	b      *builder
	out    *strings.Builder
	mu     sync.Mutex
	events []string // "start X", "end X", in order
	steps  []*step
}

func newFakeGraph(t *testing.T) *fakeGraph {
	out := &strings.Builder{}
	g := &fakeGraph{t: t, out: out}
	g.b = &builder{o: Options{CacheDir: t.TempDir()}, out: &syncWriter{w: out}, docker: &docker{bin: "docker-not-called"},
		now: time.Now, cpu: newBudget(compileSlots)}
	return g
}

func (g *fakeGraph) record(ev string) {
	g.mu.Lock()
	g.events = append(g.events, ev)
	g.mu.Unlock()
}

// add adds a step whose run records its start and end around work.
func (g *fakeGraph) add(id string, work func(ctx context.Context, rc *runCtx) error, deps ...*step) *step {
	s := &step{id: id, title: "fake " + id, hint: "(test)", deps: deps, key: "sha256:" + id}
	s.run = func(ctx context.Context, rc *runCtx) error {
		g.record("start " + id)
		defer g.record("end " + id)
		if work == nil {
			return nil
		}
		return work(ctx, rc)
	}
	g.steps = append(g.steps, s)
	return s
}

func (g *fakeGraph) execute(status map[*step]planStatus) (*Result, error) {
	if status == nil {
		status = map[*step]planStatus{}
	}
	for _, s := range g.steps {
		if _, ok := status[s]; !ok {
			status[s] = planBuild
		}
	}
	res := &Result{}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := g.b.execute(ctx, g.steps, status, res)
	if ctx.Err() != nil {
		g.t.Fatalf("execute did not finish within 20 s; events: %v", g.events)
	}
	return res, err
}

func (g *fakeGraph) index(ev string) int {
	for i, e := range g.events {
		if e == ev {
			return i
		}
	}
	return -1
}

func sleepWork(d time.Duration) func(context.Context, *runCtx) error {
	return func(ctx context.Context, _ *runCtx) error {
		select {
		case <-time.After(d):
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// A step starts only when every dep has ended, and independent steps run
// at the same time.
func TestScheduleRespectsDeps(t *testing.T) {
	g := newFakeGraph(t)
	a := g.add("a", sleepWork(30*time.Millisecond))
	b := g.add("b", sleepWork(60*time.Millisecond), a)
	c := g.add("c", sleepWork(60*time.Millisecond), a)
	d := g.add("d", nil, b, c)
	e := g.add("e", sleepWork(10*time.Millisecond), d, a)
	res, err := g.execute(nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*step{b, c, d, e} {
		for _, dep := range s.deps {
			if g.index("start "+s.id) < g.index("end "+dep.id) {
				t.Errorf("%s started before its dep %s ended: %v", s.id, dep.id, g.events)
			}
		}
	}
	// b and c both depend only on a: they overlap.
	if g.index("start c") > g.index("end b") && g.index("start b") > g.index("end c") {
		t.Errorf("b and c ran one after the other: %v", g.events)
	}
	if len(res.Built) != 5 {
		t.Errorf("built %v, want all five", res.Built)
	}
	for _, id := range []string{"a", "b", "c", "d", "e"} {
		if !strings.Contains(g.out.String(), "fake "+id+" (test): started\n") || !strings.Contains(g.out.String(), "] "+id+": done in ") {
			t.Errorf("no start and end line for %s in:\n%s", id, g.out)
		}
	}
}

// At most compileSlots compilations run at once, while steps that do not
// compile run beside them.
func TestScheduleCPUBudget(t *testing.T) {
	g := newFakeGraph(t)
	var inCompile, peak atomic.Int32
	var overlapped atomic.Bool
	compile := func(ctx context.Context, rc *runCtx) error {
		return rc.withCPU(ctx, func() error {
			n := inCompile.Add(1)
			defer inCompile.Add(-1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(40 * time.Millisecond)
			return nil
		})
	}
	for i := range 5 {
		g.add(fmt.Sprintf("go%d", i), compile)
	}
	g.add("apt", func(ctx context.Context, rc *runCtx) error {
		for range 20 {
			if inCompile.Load() > 0 {
				overlapped.Store(true)
			}
			time.Sleep(5 * time.Millisecond)
		}
		return nil
	})
	t0 := time.Now()
	if _, err := g.execute(nil); err != nil {
		t.Fatal(err)
	}
	if p := peak.Load(); p != compileSlots {
		t.Errorf("%d compilations at once, want at most (and here exactly) %d", p, compileSlots)
	}
	if el := time.Since(t0); el < 5*40*time.Millisecond {
		t.Errorf("five 40 ms compilations done in %s: they overlapped", el)
	}
	if !overlapped.Load() {
		t.Errorf("the step that does not compile never ran beside a compilation")
	}
	if g.b.cpu.peak != compileSlots || g.b.cpu.inUse != 0 {
		t.Errorf("budget: peak %d, in use %d after the build", g.b.cpu.peak, g.b.cpu.inUse)
	}
}

// The first failure cancels the steps running beside it, the steps after
// it never start, clean-up still runs (on a live context), and the error
// returned is the failure, not a cancellation.
func TestScheduleFailureCancelsSiblings(t *testing.T) {
	g := newFakeGraph(t)
	boom := errors.New("boom")
	var cleanupErr atomic.Value
	cleaned := make(chan struct{})
	bad := g.add("bad", func(ctx context.Context, rc *runCtx) error {
		time.Sleep(30 * time.Millisecond)
		return boom
	})
	g.add("slow", func(ctx context.Context, rc *runCtx) error {
		rc.defer_(func(cctx context.Context) {
			cleanupErr.Store(fmt.Sprint(cctx.Err()))
			close(cleaned)
		})
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(10 * time.Second):
			return nil
		}
	})
	g.add("waiting", func(ctx context.Context, rc *runCtx) error {
		return rc.withCPU(ctx, func() error { return nil })
	})
	after := g.add("after", nil, bad)
	// Hold the CPU budget so that "waiting" is queued when the failure comes.
	release, err := g.b.cpu.acquire(context.Background(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	t0 := time.Now()
	res, err := g.execute(nil)
	if !errors.Is(err, boom) {
		t.Fatalf("execute: %v, want the step's failure", err)
	}
	if el := time.Since(t0); el > 5*time.Second {
		t.Errorf("the failure took %s to stop the build: siblings not cancelled", el)
	}
	select {
	case <-cleaned:
	default:
		t.Fatal("the cancelled step's clean-up did not run")
	}
	if got := cleanupErr.Load(); got != "<nil>" {
		t.Errorf("clean-up ran on a dead context (%v)", got)
	}
	if g.index("start "+after.id) >= 0 {
		t.Errorf("a step after the failed one ran: %v", g.events)
	}
	if len(res.Built) != 0 {
		t.Errorf("built %v", res.Built)
	}
	for _, want := range []string{"] bad: FAILED after", "] slow: cancelled after", "] waiting: cancelled after"} {
		if !strings.Contains(g.out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, g.out)
		}
	}
	if g.b.cpu.inUse != 1 || len(g.b.cpu.waiters) != 0 {
		t.Errorf("budget after cancel: %d in use (want only the test's), %d waiters", g.b.cpu.inUse, len(g.b.cpu.waiters))
	}
}

// Steps whose key matches are not run; what depends on them runs at once.
func TestScheduleSkipsUpToDate(t *testing.T) {
	g := newFakeGraph(t)
	fresh := g.add("fresh", func(context.Context, *runCtx) error { return errors.New("an up-to-date step ran") })
	g.add("user", nil, fresh)
	res, err := g.execute(map[*step]planStatus{fresh: planUpToDate})
	if err != nil {
		t.Fatal(err)
	}
	if g.index("start fresh") >= 0 || g.index("start user") < 0 {
		t.Errorf("events %v: want only user run", g.events)
	}
	if strings.Join(res.Built, ",") != "user" {
		t.Errorf("built %v", res.Built)
	}
}

// A step's prepare phase runs without waiting for its deps (downloads and
// compiles overlap the base images); its run phase waits for them.
func TestSchedulePrepareDoesNotWaitForDeps(t *testing.T) {
	g := newFakeGraph(t)
	prepared := make(chan struct{})
	base := g.add("base", func(ctx context.Context, rc *runCtx) error {
		select {
		case <-prepared:
			return nil
		case <-time.After(5 * time.Second):
			return errors.New("the dependent's prepare phase did not run while its dep was running")
		}
	})
	img := g.add("img", nil, base)
	img.prepare = func(ctx context.Context, rc *runCtx) error {
		g.record("prepare img")
		close(prepared)
		return nil
	}
	if _, err := g.execute(nil); err != nil {
		t.Fatal(err)
	}
	if !(g.index("prepare img") < g.index("end base") && g.index("end base") < g.index("start img")) {
		t.Errorf("events %v: want prepare img, end base, start img", g.events)
	}
}

// The budget goes to the highest priority waiter, then to the earliest.
func TestBudgetPriority(t *testing.T) {
	bud := newBudget(1)
	release, err := bud.acquire(context.Background(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var order []int
	var wg sync.WaitGroup
	for i, p := range []int{1, 5, 3, 5} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := bud.acquire(context.Background(), p, nil)
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			order = append(order, p*10+i)
			mu.Unlock()
			r()
		}()
		for { // queue them in this order
			bud.mu.Lock()
			n := len(bud.waiters)
			bud.mu.Unlock()
			if n == i+1 {
				break
			}
			time.Sleep(time.Millisecond)
		}
	}
	release()
	wg.Wait()
	if fmt.Sprint(order) != "[51 53 32 10]" {
		t.Errorf("granted in order %v, want [51 53 32 10] (priority, then arrival)", order)
	}
}

// The compiler goes first to the steps the most work waits on, last to
// those nothing waits for.
func TestPrioritiesFollowTails(t *testing.T) {
	kube := &step{id: "kube", estimate: 8 * time.Minute}
	coredns := &step{id: "coredns", estimate: 90 * time.Second}
	cp := &step{id: "cp", deps: []*step{kube, coredns}, estimate: time.Minute}
	node := &step{id: "node", deps: []*step{cp}, estimate: time.Minute}
	tools := &step{id: "tools", estimate: 3 * time.Minute}
	p := priorities([]*step{kube, coredns, cp, node, tools})
	if p[kube] != 120 || p[coredns] != 120 || p[cp] != 60 || p[node] != 0 || p[tools] != 0 {
		t.Errorf("priorities %v", map[string]int{"kube": p[kube], "coredns": p[coredns], "cp": p[cp], "node": p[node], "tools": p[tools]})
	}
}

// What is built for one Kubernetes version does not depend on which other
// versions are asked for: `make lab` builds one, `make images` later adds
// the second and reuses every step of the first (same keys).
func TestStepKeysIndependentOfOtherVersions(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cache := t.TempDir()
	keys := func(versions ...string) map[string]string {
		b := plannedBuilder(t, ctx, Options{CacheDir: cache, K8sVersions: versions})
		m := map[string]string{}
		for _, s := range b.steps {
			m[s.id] = s.key
		}
		return m
	}
	one := keys("v1.34.4")
	both := keys("v1.33.13", "v1.34.4")
	if _, ok := one["kind-node-v1.33.13"]; ok {
		t.Error("the plan for v1.34.4 alone has v1.33.13's steps")
	}
	for id, k := range one {
		if both[id] != k {
			t.Errorf("step %s: key %s for v1.34.4 alone, %s with v1.33.13 too", id, shortKey(k), shortKey(both[id]))
		}
	}
	if len(both) != len(one)+3 {
		t.Errorf("%d steps for two versions, %d for one: want 3 more (kube-binaries, control-plane, kind-node)", len(both), len(one))
	}
}

// lock serialises holders of one name and leaves other names free.
func TestBuilderLock(t *testing.T) {
	b := &builder{}
	unlock := b.lock("etcd")
	got := make(chan string, 2)
	go func() { defer b.lock("etcd")(); got <- "etcd" }()
	go func() { defer b.lock("other")(); got <- "other" }()
	if first := <-got; first != "other" {
		t.Fatalf("%s got the lock while etcd was held", first)
	}
	select {
	case <-got:
		t.Fatal("a second holder of etcd got the lock")
	case <-time.After(50 * time.Millisecond):
	}
	unlock()
	if second := <-got; second != "etcd" {
		t.Fatalf("got %s", second)
	}
}

// A pending claim of a higher priority keeps a free slot from a lower
// waiter; lower claims do not; the slot goes on when the claim is done.
func TestBudgetClaims(t *testing.T) {
	bud := newBudget(1)
	high := bud.claim(5)
	low := bud.claim(0)
	granted := make(chan func(), 1)
	go func() {
		r, err := bud.acquire(context.Background(), 1, nil)
		if err != nil {
			t.Error(err)
			return
		}
		granted <- r
	}()
	select {
	case r := <-granted:
		r()
		t.Fatal("a waiter of priority 1 got the slot while a claim of 5 was pending")
	case <-time.After(50 * time.Millisecond):
	}
	// The claimant asks: it gets the slot first, though it asked later.
	r, err := bud.acquire(context.Background(), 5, high)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case r := <-granted:
		r()
		t.Fatal("two slots handed out")
	default:
	}
	r() // released, but high's step may compile again: pending until done
	select {
	case r := <-granted:
		r()
		t.Fatal("granted while the claim of 5 was pending again")
	case <-time.After(50 * time.Millisecond):
	}
	high.done()
	select {
	case r := <-granted:
		r()
	case <-time.After(5 * time.Second):
		t.Fatal("the waiter did not get the slot after the claim was done (a claim of 0 must not block it)")
	}
	low.done()
}

// The tools' compile, which nothing waits for and which can start at once,
// does not take the CPU budget before the Kubernetes binaries, which are
// still downloading their modules when it asks.
func TestScheduleCompilesLongTailFirst(t *testing.T) {
	g := newFakeGraph(t)
	compileAfter := func(id string, download time.Duration) func(context.Context, *runCtx) error {
		return func(ctx context.Context, rc *runCtx) error {
			time.Sleep(download)
			return rc.withCPU(ctx, func() error {
				g.record("compile " + id)
				time.Sleep(20 * time.Millisecond)
				return nil
			})
		}
	}
	kube := g.add("kube", compileAfter("kube", 80*time.Millisecond))
	kube.compiles, kube.estimate = true, 8*time.Minute
	node := g.add("node", nil, kube)
	node.estimate = time.Minute
	tools := g.add("tools", compileAfter("tools", 0))
	tools.compiles, tools.estimate = true, 3*time.Minute
	if _, err := g.execute(nil); err != nil {
		t.Fatal(err)
	}
	if g.index("compile kube") < 0 || g.index("compile kube") > g.index("compile tools") {
		t.Errorf("compiled in the order %v: want kube (the node image waits for it) before tools", g.events)
	}
}

// An after step in the build ends before the step starts; one that is up
// to date is not waited for, and -only (decide) does not pull it in.
func TestScheduleAfter(t *testing.T) {
	g := newFakeGraph(t)
	kube := g.add("kube", sleepWork(50*time.Millisecond))
	tools := g.add("tools", nil)
	tools.after = []*step{kube}
	if _, err := g.execute(nil); err != nil {
		t.Fatal(err)
	}
	if !(g.index("end kube") < g.index("start tools")) {
		t.Errorf("events %v: want end kube before start tools", g.events)
	}

	g = newFakeGraph(t)
	kube = g.add("kube", func(context.Context, *runCtx) error { return errors.New("an up-to-date step ran") })
	tools = g.add("tools", nil)
	tools.after = []*step{kube}
	if _, err := g.execute(map[*step]planStatus{kube: planUpToDate}); err != nil {
		t.Fatal(err)
	}
	if g.index("start tools") < 0 {
		t.Errorf("events %v: tools did not run", g.events)
	}

	stale := func(context.Context) (bool, error) { return false, nil }
	b := &builder{}
	kube = &step{id: "kube", upToDate: stale}
	tools = &step{id: "tools", upToDate: stale, after: []*step{kube}}
	b.steps = []*step{kube, tools}
	plan, _, err := b.decide(context.Background(), []*step{tools})
	if err != nil {
		t.Fatal(err)
	}
	if len(plan) != 1 || plan[0] != tools {
		t.Errorf("-only tools plans %v, want tools alone", plan)
	}
	if p := priorities([]*step{kube, tools}); p[kube] < p[tools] {
		t.Errorf("priorities %v: an after step ranks below the step waiting for it", p)
	}
}
