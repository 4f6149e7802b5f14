package eol

import (
	"errors"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
)

func TestLookup(t *testing.T) {
	for _, c := range []struct {
		p       Product
		v, want string
	}{
		{Kubernetes, "v1.33.13", "Kubernetes 1.33"},
		{Kubernetes, "1.29", "Kubernetes 1.29"},
		{Kubernetes, "v1.37.0-rc.1", "Kubernetes 1.37"},
		{Kubernetes, "v0.37.0", ""}, // a staging module's version is not a Kubernetes version
		{Helm, "v3.22.1", "Helm 3"},
		{Helm, "v4", "Helm 4"},
		{Helm, "v2.17.0+incompatible", "Helm 2"},
		{Kubernetes, "v1.99.0", ""},
	} {
		r, err := Lookup(c.p, c.v)
		if c.want == "" {
			if !errors.Is(err, ErrUnknown) {
				t.Errorf("Lookup(%s, %q) = %v, %v; want ErrUnknown", c.p, c.v, r, err)
			}
			continue
		}
		if err != nil || r.String() != c.want {
			t.Errorf("Lookup(%s, %q) = %v, %v; want %s", c.p, c.v, r, err, c.want)
		}
	}
	if _, err := Lookup(Kubernetes, "latest"); err == nil || errors.Is(err, ErrUnknown) {
		t.Errorf("Lookup(latest) = %v; want a parse error", err)
	}
}

// The dates the project's issue and the release pages state.
func TestKnownDates(t *testing.T) {
	for _, c := range []struct {
		p             Product
		v, eol, fixes string
	}{
		{Kubernetes, "1.33", "2026-06-28", "2026-04-28"},
		{Kubernetes, "1.34", "2026-10-27", "2026-08-27"},
		{Kubernetes, "1.37", "2027-10-28", "2027-08-28"},
		{Helm, "2", "2020-11-13", "2020-08-13"},
		{Helm, "3", "2027-02-10", "2026-09-09"},
	} {
		r, err := Lookup(c.p, c.v)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.EndOfLife.Format(time.DateOnly); got != c.eol {
			t.Errorf("%s end of life %s, want %s", r, got, c.eol)
		}
		if got := r.BugFixesEnd.Format(time.DateOnly); got != c.fixes {
			t.Errorf("%s bug fixes end %s, want %s", r, got, c.fixes)
		}
	}
}

func TestPastEOL(t *testing.T) {
	r, _ := Lookup(Kubernetes, "1.33")
	for on, want := range map[string]bool{"2026-06-27": false, "2026-06-28": true, "2026-12-06": true} {
		if got := r.PastEOL(day(on)); got != want {
			t.Errorf("1.33 PastEOL(%s) = %v", on, got)
		}
	}
	h4, _ := Lookup(Helm, "v4.3.2")
	if h4.PastEOL(day("2100-01-01")) {
		t.Error("Helm 4 has no announced end of life, yet is past it")
	}
}

func TestSupported(t *testing.T) {
	on := day("2026-12-06")
	for p, want := range map[Product]string{
		Kubernetes: "Kubernetes 1.35 to 1.37",
		Helm:       "Helm 3 to 4",
	} {
		if got := SupportedRange(p, on); got != want {
			t.Errorf("SupportedRange(%s) = %q, want %q", p, got, want)
		}
	}
	if got := SupportedRange(Helm, day("2027-02-10")); got != "Helm 4" {
		t.Errorf("SupportedRange(Helm) after Helm 3's end = %q", got)
	}
	if got := SupportedRange(Kubernetes, day("2000-01-01")); got != "" {
		t.Errorf("SupportedRange before any release = %q", got)
	}
}

// TestTable checks the table's shape: every cycle parses, appears once,
// comes after the previous one, ends after it starts and names its source.
func TestTable(t *testing.T) {
	seen := map[string]bool{}
	for _, p := range Products {
		rs := Releases(p)
		if len(rs) == 0 {
			t.Errorf("no releases of %s", p)
		}
		var prev *version.Version
		for _, r := range rs {
			if seen[r.String()] {
				t.Errorf("%s listed twice", r)
			}
			seen[r.String()] = true
			v, err := version.ParseGeneric(r.Cycle + ".0")
			if err != nil {
				t.Errorf("%s: %v", r, err)
				continue
			}
			if prev != nil && !v.GreaterThan(prev) {
				t.Errorf("%s released before an older cycle", r)
			}
			prev = v
			if !r.EndOfLife.IsZero() && (!r.EndOfLife.After(r.Released) || !r.BugFixesEnd.Before(r.EndOfLife)) {
				t.Errorf("%s: released %v, bug fixes end %v, end of life %v out of order", r, r.Released, r.BugFixesEnd, r.EndOfLife)
			}
			if !strings.HasPrefix(r.Source, "https://") {
				t.Errorf("%s: source %q", r, r.Source)
			}
		}
	}
	for _, want := range []string{"Kubernetes 1.27", "Kubernetes 1.37", "Helm 2", "Helm 3", "Helm 4"} {
		if !seen[want] {
			t.Errorf("table lacks %s", want)
		}
	}
}

func TestVersionPastEOL(t *testing.T) {
	on := day("2026-12-06")
	for _, c := range []struct {
		p       Product
		v       string
		past    bool
		unknown bool
	}{
		{Kubernetes, "v1.34.4", true, false},
		{Kubernetes, "v1.35.4", false, false},
		{Kubernetes, "v1.19.1", true, false}, // older than the table
		{Kubernetes, "v1.40.0", false, true}, // newer than the table
		{Helm, "v3.22.0", false, false},
		{Helm, "v2.17.0", true, false},
	} {
		past, err := VersionPastEOL(c.p, c.v, on)
		if past != c.past || errors.Is(err, ErrUnknown) != c.unknown {
			t.Errorf("VersionPastEOL(%s, %s) = %v, %v", c.p, c.v, past, err)
		}
	}
}

func TestOnlyPastEOL(t *testing.T) {
	on := day("2026-12-06")
	for _, c := range []struct {
		vs   []string
		want bool
	}{
		{[]string{"v1.33.13", "v1.34.4"}, true},
		{[]string{"v1.34.4", "v1.35.4"}, false},
		{[]string{"v1.34.4", "v1.40.0"}, false}, // unknown: newer than the table
		{nil, false},
	} {
		if got := OnlyPastEOL(Kubernetes, c.vs, on); got != c.want {
			t.Errorf("OnlyPastEOL(%v) = %v", c.vs, got)
		}
	}
}
