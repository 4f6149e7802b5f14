package benchstat

import (
	"math"
	"testing"
)

func TestOf(t *testing.T) {
	if got := Of(nil); got != (Summary{}) {
		t.Errorf("Of(nil) = %+v, want zero", got)
	}
	in := []float64{3, 1, 2}
	got := Of(in)
	want := Summary{Median: 2, Mean: 2, Stddev: 1, Min: 1, Max: 3, Runs: 3}
	if got != want {
		t.Errorf("Of(3,1,2) = %+v, want %+v", got, want)
	}
	if in[0] != 3 {
		t.Errorf("Of sorted its argument: %v", in)
	}
	even := Of([]float64{4, 1, 3, 2})
	if even.Median != 2.5 || even.Runs != 4 || math.Abs(even.Stddev-1.2909944) > 1e-6 {
		t.Errorf("Of(4,1,3,2) = %+v, want median 2.5, stddev 1.291", even)
	}
	if one := Of([]float64{7}); one.Stddev != 0 || one.Median != 7 {
		t.Errorf("Of(7) = %+v", one)
	}
}

func TestLoadAvg(t *testing.T) {
	if l := LoadAvg(); l == "" {
		t.Error("LoadAvg is empty")
	}
}
