package runner

import (
	"testing"
	"time"
)

// Retried commands are polled soon after their first attempt, and less
// and less often up to Options.RetryInterval.
func TestRetryPauses(t *testing.T) {
	for _, c := range []struct {
		max  time.Duration
		want []time.Duration
	}{
		{2 * time.Second, []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, 2 * time.Second, 2 * time.Second, 2 * time.Second}},
		{time.Second, []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second, time.Second}},
		{50 * time.Millisecond, []time.Duration{50 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond}},
	} {
		p := retryPauses(c.max)
		for i, want := range c.want {
			if got := p.Step(); got != want {
				t.Errorf("RetryInterval %s: pause %d = %s, want %s", c.max, i+1, got, want)
			}
		}
	}
}
