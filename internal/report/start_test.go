package report

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRunReadsOldPrebootedList(t *testing.T) {
	var r Run
	old := `{"status":"pass","prebooted":["one: advent-preboot:one-abc (booted 2026-12-01T10:00:00Z)"]}`
	if err := json.Unmarshal([]byte(old), &r); err != nil {
		t.Fatal(err)
	}
	want := ClusterStart{Cluster: "one", By: FromPreboot, Image: "advent-preboot:one-abc",
		Booted: time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)}
	if len(r.Clusters) != 1 || r.Clusters[0] != want || r.Status != Pass {
		t.Fatalf("read %+v, status %q; want [%+v] and pass", r.Clusters, r.Status, want)
	}
}

func TestRunClustersRoundTrip(t *testing.T) {
	in := Run{Status: Fail, Clusters: []ClusterStart{
		{Cluster: "a", By: ByKind, Fallback: "no pre-booted image"},
		{Cluster: "b", By: FromPreboot, Image: "img", Booted: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)},
	}}
	b, err := json.Marshal(&in)
	if err != nil {
		t.Fatal(err)
	}
	var out Run
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if len(out.Clusters) != 2 || out.Clusters[0] != in.Clusters[0] || out.Clusters[1] != in.Clusters[1] {
		t.Fatalf("round trip: %+v; want %+v", out.Clusters, in.Clusters)
	}
	if p := out.Prebooted(); len(p) != 1 || p[0].Cluster != "b" {
		t.Errorf("Prebooted() = %+v; want cluster b only", p)
	}
}
