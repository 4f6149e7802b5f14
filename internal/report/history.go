package report

import (
	"fmt"
	"sort"
	"time"
)

// HistoryLen is how many runs of a step each history keeps.
const HistoryLen = 30

// EventSchedule is GitHub's event name for the nightly run.
const EventSchedule = "schedule"

// Outcome is one step's result in one run: an entry of Step.History.
type Outcome struct {
	Started    time.Time `json:"started"` // the run's start: identifies the run
	Event      string    `json:"event,omitempty"`
	Status     Status    `json:"status"`
	Attempts   int       `json:"attempts,omitempty"`
	DurationMS int64     `json:"duration_ms"`
}

// Record is what a step's history says, computed by Summarize.
type Record struct {
	Runs    int `json:"runs"`    // runs in the history with a verdict (pass or fail)
	Passed  int `json:"passed"`  // of those, how many passed
	Retried int `json:"retried"` // of those, how many needed more than one attempt
	// Nightly: every run counted was a nightly (scheduled) one.
	Nightly bool `json:"nightly"`
	// Flaky: the step failed or needed a retry in some counted run.
	Flaky bool `json:"flaky"`
	// RetriesGrowing: the newer half of the history needed retries more
	// often than the older half, and the latest run needed one.
	RetriesGrowing bool `json:"retries_growing"`
	// Text says it in words: "passed in 28 of the last 30 nightly runs;
	// needed a retry in 3".
	Text string `json:"text"`
}

// outcome is the entry a step of run adds to its history.
func outcome(run *Run, s *Step) Outcome {
	return Outcome{Started: run.Started, Event: run.Event, Status: s.Status, Attempts: s.Attempts, DurationMS: s.DurationMS}
}

// history is a step's history including its own run: a step read from a v1
// file, or fresh from the runner, has no History yet.
func history(run *Run, s *Step) []Outcome {
	own := outcome(run, s)
	for _, o := range s.History {
		if o.Started.Equal(own.Started) {
			return s.History
		}
	}
	return append(append([]Outcome(nil), s.History...), own)
}

// mergeHistory is the union of histories, one entry per run (by start
// time; the later argument wins a tie), oldest first, at most HistoryLen.
func mergeHistory(hs ...[]Outcome) []Outcome {
	byStart := map[int64]Outcome{}
	for _, h := range hs {
		for _, o := range h {
			byStart[o.Started.UnixNano()] = o
		}
	}
	out := make([]Outcome, 0, len(byStart))
	for _, o := range byStart {
		out = append(out, o)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Started.Before(out[j].Started) })
	if len(out) > HistoryLen {
		out = out[len(out)-HistoryLen:]
	}
	return out
}

// Summarize computes a history's Record; nil when no run in it has a
// verdict.
func Summarize(h []Outcome) *Record {
	var counted []Outcome
	for _, o := range h {
		if o.Status == Pass || o.Status == Fail {
			counted = append(counted, o)
		}
	}
	if len(counted) == 0 {
		return nil
	}
	r := &Record{Runs: len(counted), Nightly: true}
	for _, o := range counted {
		if o.Status == Pass {
			r.Passed++
		}
		if o.Attempts > 1 {
			r.Retried++
		}
		r.Nightly = r.Nightly && o.Event == EventSchedule
	}
	r.Flaky = r.Passed < r.Runs || r.Retried > 0
	r.RetriesGrowing = retriesGrowing(counted)
	r.Text = r.text()
	return r
}

func (r *Record) text() string {
	runs := "runs"
	if r.Nightly {
		runs = "nightly runs"
	}
	var s string
	switch {
	case r.Runs == 1 && r.Passed == 1:
		s = "passed in the last " + runs[:len(runs)-1]
	case r.Runs == 1:
		s = "failed in the last " + runs[:len(runs)-1]
	default:
		s = fmt.Sprintf("passed in %d of the last %d %s", r.Passed, r.Runs, runs)
	}
	if r.Retried > 0 {
		s += fmt.Sprintf("; needed a retry in %d", r.Retried)
	}
	return s
}

// retriesGrowing: with at least four runs, the newer half needed retries
// in more runs than the older half, and the newest run needed one.
func retriesGrowing(h []Outcome) bool {
	if len(h) < 4 || h[len(h)-1].Attempts <= 1 {
		return false
	}
	half := len(h) / 2
	count := func(os []Outcome) int {
		n := 0
		for _, o := range os {
			if o.Attempts > 1 {
				n++
			}
		}
		return n
	}
	return count(h[len(h)-half:]) > count(h[:len(h)-half])
}

// RetryWarnings names the steps of run whose retries are growing, one
// line each, for the end of a lab's report.
func RetryWarnings(run *Run) []string {
	if run == nil {
		return nil
	}
	var out []string
	for _, s := range run.Steps {
		r := Summarize(s.History)
		if r != nil && r.RetriesGrowing {
			out = append(out, fmt.Sprintf("step %q needs retries more often: %s (%d attempts this time)", s.Name, r.Text, s.Attempts))
		}
	}
	return out
}
