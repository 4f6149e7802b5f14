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

// A background command's output is checked when it writes: Wrote has a
// value after a write (one for several), none before.
func TestLockedBufferWrote(t *testing.T) {
	var b lockedBuffer
	wrote := b.Wrote()
	select {
	case <-wrote:
		t.Fatal("Wrote has a value before any write")
	default:
	}
	b.Write([]byte("Forwarding from 127.0.0.1:8080 -> 80\n"))
	b.Write([]byte("Forwarding from [::1]:8080 -> 80\n"))
	select {
	case <-wrote:
	default:
		t.Fatal("Wrote has no value after a write")
	}
	select {
	case <-wrote:
		t.Fatal("Wrote has a second value for writes already received")
	default:
	}
	if got := b.String(); got != "Forwarding from 127.0.0.1:8080 -> 80\nForwarding from [::1]:8080 -> 80\n" {
		t.Errorf("String() = %q", got)
	}
}
