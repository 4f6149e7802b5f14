package report

import (
	"encoding/json"
	"strings"
	"time"
)

// StartedBy says what brought a cluster up.
type StartedBy string

// What brought a cluster up.
const (
	ByKind      StartedBy = "kind"    // kind created it
	FromPreboot StartedBy = "preboot" // started from a pre-booted image (`advent lab preboot`)
)

// ClusterStart is how one cluster of a run came up: created by kind or
// started from a pre-booted image, and, when kind created it although
// pre-boot was on, why no pre-booted image was used.
type ClusterStart struct {
	Cluster string    `json:"cluster"`
	By      StartedBy `json:"by"`
	// Image and Booted are the pre-booted image and when it was booted
	// (By is FromPreboot).
	Image  string    `json:"image,omitempty"`
	Booted time.Time `json:"booted,omitzero"`
	// Fallback is why kind created the cluster instead of a pre-booted
	// image; empty when pre-boot was off or used.
	Fallback string `json:"fallback,omitempty"`
}

// Prebooted reports whether the cluster started from a pre-booted image.
func (c ClusterStart) Prebooted() bool { return c.By == FromPreboot }

// From names the pre-booted image and when it was booted.
func (c ClusterStart) From() string {
	return c.Image + " (booted " + c.Booted.Format(time.RFC3339) + ")"
}

// Prebooted lists the clusters of the run started from a pre-booted image.
func (r *Run) Prebooted() []ClusterStart {
	var out []ClusterStart
	for _, c := range r.Clusters {
		if c.Prebooted() {
			out = append(out, c)
		}
	}
	return out
}

// UnmarshalJSON reads a run, turning the free-text "prebooted" list of
// older files ("NAME: IMAGE (booted TIME)") into Clusters.
func (r *Run) UnmarshalJSON(b []byte) error {
	type plain Run
	v := struct {
		*plain
		Prebooted []string `json:"prebooted"`
	}{plain: (*plain)(r)}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	if len(r.Clusters) == 0 {
		for _, s := range v.Prebooted {
			r.Clusters = append(r.Clusters, legacyPreboot(s))
		}
	}
	return nil
}

// legacyPreboot reads one entry of the old "prebooted" list.
func legacyPreboot(s string) ClusterStart {
	c := ClusterStart{By: FromPreboot}
	name, rest, _ := strings.Cut(s, ": ")
	c.Cluster = name
	image, booted, ok := strings.Cut(rest, " (booted ")
	c.Image = image
	if ok {
		c.Booted, _ = time.Parse(time.RFC3339, strings.TrimSuffix(booted, ")"))
	}
	return c
}
