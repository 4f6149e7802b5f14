// Package benchstat summarises the timings of advent's own benchmark
// commands (internal/site/bench, internal/runner/labbench): median, mean,
// spread and the machine's load average, so both report them alike.
package benchstat

import (
	"math"
	"os"
	"sort"
	"strings"
)

// Summary describes a set of timings, in seconds.
type Summary struct {
	Median float64 `json:"median_s"`
	Mean   float64 `json:"mean_s"`
	Stddev float64 `json:"stddev_s"` // sample standard deviation (n-1)
	Min    float64 `json:"min_s"`
	Max    float64 `json:"max_s"`
	Runs   int     `json:"runs"`
}

// Of summarises ts (seconds; ts is not modified).
func Of(ts []float64) Summary {
	m := Summary{Runs: len(ts)}
	if len(ts) == 0 {
		return m
	}
	s := append([]float64(nil), ts...)
	sort.Float64s(s)
	m.Min, m.Max = s[0], s[len(s)-1]
	if len(s)%2 == 1 {
		m.Median = s[len(s)/2]
	} else {
		m.Median = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	for _, t := range s {
		m.Mean += t
	}
	m.Mean /= float64(len(s))
	if len(s) > 1 {
		for _, t := range s {
			m.Stddev += (t - m.Mean) * (t - m.Mean)
		}
		m.Stddev = math.Sqrt(m.Stddev / float64(len(s)-1))
	}
	return m
}

// LoadAvg is the machine's one-minute load average ("?" where
// /proc/loadavg cannot be read): benchmarks record it beside their
// timings, since this machine is shared.
func LoadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	if f := strings.Fields(string(b)); len(f) > 0 {
		return f[0]
	}
	return "?"
}
