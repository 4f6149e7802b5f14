// Package eol holds when Kubernetes minors and Helm majors reach end of life,
// each date with its source, and answers whether a version is still supported.
package eol

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/version"
)

// Product is software whose releases have an end of life.
type Product string

// The products the table knows. kubectl follows Kubernetes' minors (its
// version skew policy), so a kubectl version is looked up as Kubernetes.
const (
	Kubernetes Product = "Kubernetes"
	Helm       Product = "Helm"
)

// Products lists every product of the table.
var Products = []Product{Kubernetes, Helm}

// ErrUnknown is returned by Lookup for a version the table has no release
// cycle for (too old, or newer than the table).
var ErrUnknown = errors.New("no end-of-life data")

// Release is one release cycle: a Kubernetes minor ("1.33") or a Helm
// major ("3").
type Release struct {
	Product  Product
	Cycle    string
	Released time.Time
	// BugFixesEnd is the first day with security fixes only (Kubernetes'
	// maintenance mode). Zero when none is announced.
	BugFixesEnd time.Time
	// EndOfLife is the first day without fixes of any kind (for Helm,
	// security fixes included). Zero when none is announced.
	EndOfLife time.Time
	// Source is where the dates are published.
	Source string
}

// String is "Kubernetes 1.33" or "Helm 3".
func (r Release) String() string { return string(r.Product) + " " + r.Cycle }

// PastEOL reports whether the release is at or past its end of life on a day.
func (r Release) PastEOL(on time.Time) bool {
	return !r.EndOfLife.IsZero() && !on.Before(r.EndOfLife)
}

// cycle is the release cycle a version belongs to: "1.33" for Kubernetes
// (a minor), "3" for Helm (a major). Versions are parsed by apimachinery;
// a bare major such as "v3" is read as "v3.0".
func cycle(p Product, v string) (string, error) {
	s := strings.TrimSpace(v)
	if s != "" && !strings.Contains(s, ".") {
		s += ".0"
	}
	pv, err := version.ParseGeneric(s)
	if err != nil {
		return "", fmt.Errorf("%s version %q: %w", p, v, err)
	}
	switch p {
	case Kubernetes:
		return fmt.Sprintf("%d.%d", pv.Major(), pv.Minor()), nil
	case Helm:
		return fmt.Sprintf("%d", pv.Major()), nil
	}
	return "", fmt.Errorf("unknown product %q", p)
}

// Lookup returns the release cycle of a version such as "v1.33.13",
// "1.29" or "v3.22.1". Its error wraps ErrUnknown when the table has no
// such cycle.
func Lookup(p Product, v string) (Release, error) {
	c, err := cycle(p, v)
	if err != nil {
		return Release{}, err
	}
	for _, r := range table {
		if r.Product == p && r.Cycle == c {
			return r, nil
		}
	}
	return Release{}, fmt.Errorf("%s %s (from %q): %w", p, c, v, ErrUnknown)
}

// Releases returns a product's release cycles, oldest first.
func Releases(p Product) []Release {
	var rs []Release
	for _, r := range table {
		if r.Product == p {
			rs = append(rs, r)
		}
	}
	slices.SortFunc(rs, func(a, b Release) int { return a.Released.Compare(b.Released) })
	return rs
}

// Supported returns a product's release cycles that are released and not
// past end of life on a day, oldest first.
func Supported(p Product, on time.Time) []Release {
	var rs []Release
	for _, r := range Releases(p) {
		if !on.Before(r.Released) && !r.PastEOL(on) {
			rs = append(rs, r)
		}
	}
	return rs
}

// SupportedRange describes the supported cycles on a day, such as
// "Kubernetes 1.35 to 1.37" or "Helm 4"; "" when none is.
func SupportedRange(p Product, on time.Time) string {
	rs := Supported(p, on)
	switch len(rs) {
	case 0:
		return ""
	case 1:
		return rs[0].String()
	}
	return fmt.Sprintf("%s %s to %s", p, rs[0].Cycle, rs[len(rs)-1].Cycle)
}

// VersionPastEOL reports whether version v of p is past end of life on a
// day. A cycle older than the table's oldest is past it; a newer one the
// table lacks is an error wrapping ErrUnknown.
func VersionPastEOL(p Product, v string, on time.Time) (bool, error) {
	r, err := Lookup(p, v)
	if err == nil {
		return r.PastEOL(on), nil
	}
	if !errors.Is(err, ErrUnknown) {
		return false, err
	}
	rs := Releases(p)
	c, _ := cycle(p, v)
	if len(rs) > 0 && older(c, rs[0].Cycle) {
		return true, nil
	}
	return false, err
}

// older reports whether cycle a precedes cycle b ("1.26" < "1.27").
func older(a, b string) bool {
	va, errA := version.ParseGeneric(a + ".0")
	vb, errB := version.ParseGeneric(b + ".0")
	return errA == nil && errB == nil && va.LessThan(vb)
}

// OnlyPastEOL reports whether versions is not empty and every one of them
// is past end of life on a day: what was verified says nothing about a
// supported release. Versions the table does not know count as supported.
func OnlyPastEOL(p Product, versions []string, on time.Time) bool {
	for _, v := range versions {
		if past, _ := VersionPastEOL(p, v, on); !past {
			return false
		}
	}
	return len(versions) > 0
}
