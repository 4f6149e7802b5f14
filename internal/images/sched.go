package images

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// The build runs its steps concurrently along the dependency graph: a step
// starts its prepare phase (module downloads, compiles that need none of its
// deps) as soon as the build starts and its run phase as soon as its deps
// are done. What a 2-core machine cannot do twice at once is compile Go: a
// second `go build` beside the first only makes both slower. So every Go
// compilation takes the CPU budget (one slot) for its duration, handed to
// the waiting step on the longest remaining path first; downloads, apt,
// debootstrap and docker builds run beside it.

// compileSlots is how many Go compilations run at once.
const compileSlots = 1

// budget is a counting semaphore that gives a free slot to the waiter of
// the highest priority, the earliest of equals. Steps that will ask for it
// later (still downloading, or waiting for their deps) can claim it: while
// a claim of a higher priority is pending, a lower waiter does not get the
// slot, so the tools' compile, which nothing waits for, does not take the
// slot just before the Kubernetes binaries, which everything waits for, have
// their modules. A claim never blocks what it depends on: a dependency's
// priority (tail) is at least its dependent's.
type budget struct {
	mu      sync.Mutex
	free    int
	seq     int
	waiters []*budgetWaiter
	pending map[*claim]bool // claims not asking now (see claim)
	// inUse and peak count the slots held, for the tests and the report.
	inUse, peak int
}

type budgetWaiter struct {
	prio, seq int
	claim     *claim
	ready     chan struct{}
}

// claim is a step's announced wish for the budget at priority prio.
type claim struct {
	b    *budget
	prio int
}

func newBudget(n int) *budget { return &budget{free: n, pending: map[*claim]bool{}} }

// claim registers a future request of priority prio; done withdraws it.
func (b *budget) claim(prio int) *claim {
	b.mu.Lock()
	defer b.mu.Unlock()
	c := &claim{b: b, prio: prio}
	b.pending[c] = true
	return c
}

// done withdraws the claim (its step ended).
func (c *claim) done() {
	if c == nil {
		return
	}
	c.b.mu.Lock()
	defer c.b.mu.Unlock()
	delete(c.b.pending, c)
	c.b.grant()
}

// acquire waits for a slot; the returned release gives it back. c, when
// not nil, is the caller's claim: not pending while it asks and holds.
func (b *budget) acquire(ctx context.Context, prio int, c *claim) (release func(), err error) {
	b.mu.Lock()
	b.seq++
	w := &budgetWaiter{prio: prio, seq: b.seq, claim: c, ready: make(chan struct{})}
	b.waiters = append(b.waiters, w)
	if c != nil {
		delete(b.pending, c)
	}
	b.grant()
	b.mu.Unlock()
	select {
	case <-w.ready:
		return b.releaser(c), nil
	case <-ctx.Done():
		b.mu.Lock()
		defer b.mu.Unlock()
		select {
		case <-w.ready: // granted just now: hand it on
			b.inUse--
			b.free++
		default:
			for i, x := range b.waiters {
				if x == w {
					b.waiters = append(b.waiters[:i], b.waiters[i+1:]...)
					break
				}
			}
		}
		b.grant()
		return nil, ctx.Err()
	}
}

func (b *budget) take() {
	b.free--
	b.inUse++
	if b.inUse > b.peak {
		b.peak = b.inUse
	}
}

func (b *budget) releaser(c *claim) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			b.mu.Lock()
			defer b.mu.Unlock()
			b.inUse--
			b.free++
			if c != nil {
				b.pending[c] = true // until its step ends: it may compile again
			}
			b.grant()
		})
	}
}

// grant hands free slots to the best waiters while no pending claim
// outranks them; b.mu is held.
func (b *budget) grant() {
	for b.free > 0 && len(b.waiters) > 0 {
		best := 0
		for i, w := range b.waiters {
			if w.prio > b.waiters[best].prio || (w.prio == b.waiters[best].prio && w.seq < b.waiters[best].seq) {
				best = i
			}
		}
		w := b.waiters[best]
		for c := range b.pending {
			if c.prio > w.prio {
				return
			}
		}
		b.waiters = append(b.waiters[:best], b.waiters[best+1:]...)
		b.take()
		close(w.ready)
	}
}

// waitsFor is what s starts after: its deps and its after steps.
func (s *step) waitsFor() []*step { return slices.Concat(s.deps, s.after) }

// priorities gives each step its tail: the longest chain of estimated
// durations of the steps that wait for it, itself not counted. With one
// compile slot, the build ends soonest when the compiler goes first to the
// compile with the longest tail (kube binaries, CoreDNS and pause: the
// control-plane and node images wait for them) and last to those nothing
// waits for (the tools).
func priorities(plan []*step) map[*step]int {
	dependents := map[*step][]*step{}
	for _, s := range plan {
		for _, d := range s.waitsFor() {
			dependents[d] = append(dependents[d], s)
		}
	}
	tail := map[*step]time.Duration{}
	var visit func(s *step) time.Duration
	visit = func(s *step) time.Duration {
		if t, ok := tail[s]; ok {
			return t
		}
		var longest time.Duration
		for _, d := range dependents[s] {
			longest = max(longest, d.estimate+visit(d))
		}
		tail[s] = longest
		return longest
	}
	prio := map[*step]int{}
	for _, s := range plan {
		prio[s] = int(visit(s) / time.Second)
	}
	return prio
}

// stepTimes is how a step spent its time, for its end line.
type stepTimes struct {
	mu                         sync.Mutex
	compile, waitCPU, waitDeps time.Duration
}

func (t *stepTimes) add(d *time.Duration, v time.Duration) {
	t.mu.Lock()
	*d += v
	t.mu.Unlock()
}

// compile runs a Go compilation (go build, go install) under the CPU
// budget.
func (rc *runCtx) compile(ctx context.Context, cmd *xexec.Cmd) error {
	return rc.withCPU(ctx, func() error { return cmd.Run(ctx) })
}

// withCPU runs f holding the CPU budget.
func (rc *runCtx) withCPU(ctx context.Context, f func() error) error {
	t0 := time.Now()
	release, err := rc.b.cpu.acquire(ctx, rc.prio, rc.claim)
	if err != nil {
		return err
	}
	defer release()
	if w := time.Since(t0); w >= time.Second {
		rc.logf("waited %s for the CPU budget (one Go compilation at a time)", roundDuration(w))
	}
	rc.times.add(&rc.times.waitCPU, time.Since(t0))
	t1 := time.Now()
	err = f()
	rc.times.add(&rc.times.compile, time.Since(t1))
	return err
}

// lock takes the builder's mutex named name (an artefact two concurrent
// steps may both make, e.g. one etcd image for two Kubernetes versions)
// and returns its unlock.
func (b *builder) lock(name string) (unlock func()) {
	m, _ := b.locks.LoadOrStore(name, &sync.Mutex{})
	mu := m.(*sync.Mutex)
	mu.Lock()
	return mu.Unlock
}

// syncWriter serialises the progress lines of concurrent steps.
type syncWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (w *syncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.w.Write(p)
}

// execute runs the steps of plan whose status is planBuild, each as soon as
// its deps are done, and reports them on b.out: one line when a step starts,
// one when it ends. The first failure cancels the others; execute waits
// for all of them (their clean-up included) and returns that failure.
func (b *builder) execute(ctx context.Context, plan []*step, status map[*step]planStatus, res *Result) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if b.cpu == nil {
		b.cpu = newBudget(compileSlots)
	}
	prio := priorities(plan)
	index := map[*step]int{}
	done := map[*step]chan struct{}{}
	for i, s := range plan {
		index[s] = i + 1
		if status[s] == planBuild {
			done[s] = make(chan struct{})
		}
	}
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if firstErr == nil || (errors.Is(firstErr, context.Canceled) && !errors.Is(err, context.Canceled)) {
			firstErr = err
		}
		cancel()
	}
	claims := map[*step]*claim{}
	for _, s := range plan {
		if status[s] == planBuild && s.compiles {
			claims[s] = b.cpu.claim(prio[s])
		}
	}
	for _, s := range plan {
		if status[s] != planBuild {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			prefix := fmt.Sprintf("[%d/%d]", index[s], len(plan))
			waitDeps := func(ctx context.Context) error {
				for _, d := range s.waitsFor() {
					ch, ok := done[d]
					if !ok {
						continue // up to date, or not needed
					}
					select {
					case <-ch:
					case <-ctx.Done():
						return context.Canceled
					}
				}
				return ctx.Err()
			}
			defer close(done[s])
			defer claims[s].done()
			if s.prepare == nil {
				// Nothing to do before the deps are done: start then.
				if err := waitDeps(ctx); err != nil {
					return
				}
			}
			if ctx.Err() != nil {
				return
			}
			fmt.Fprintf(b.out, "%s %s %s: started\n", prefix, s.title, s.hint)
			t0 := time.Now()
			times, err := b.runStep(ctx, s, prio[s], claims[s], waitDeps)
			if err != nil {
				if errors.Is(err, context.Canceled) && ctx.Err() != nil {
					fmt.Fprintf(b.out, "%s %s: cancelled after %s\n", prefix, s.id, roundDuration(time.Since(t0)))
				} else {
					fmt.Fprintf(b.out, "%s %s: FAILED after %s\n", prefix, s.id, roundDuration(time.Since(t0)))
				}
				fail(err)
				return
			}
			fmt.Fprintf(b.out, "%s %s: done in %s%s\n", prefix, s.id, roundDuration(time.Since(t0)), times.summary())
			mu.Lock()
			res.Built = append(res.Built, s.id)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return firstErr
}

// summary is the "(compiling 8m1s, waited 40s for the CPU budget)" of an
// end line; empty when there is nothing to say.
func (t *stepTimes) summary() string {
	if t == nil {
		return ""
	}
	var parts []string
	if t.compile >= time.Second {
		parts = append(parts, "compiling "+roundDuration(t.compile))
	}
	if t.waitCPU >= time.Second {
		parts = append(parts, "waited "+roundDuration(t.waitCPU)+" for the CPU budget")
	}
	if t.waitDeps >= time.Second {
		parts = append(parts, "waited "+roundDuration(t.waitDeps)+" for its inputs")
	}
	if len(parts) == 0 {
		return ""
	}
	s := " ("
	for i, p := range parts {
		if i > 0 {
			s += ", "
		}
		s += p
	}
	return s + ")"
}
