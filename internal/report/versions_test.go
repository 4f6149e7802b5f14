package report

import (
	"encoding/json"
	"reflect"
	"testing"
)

// Results files keep spelling versions as an object keyed by tool name:
// files written before Versions was a type read the same, and List names
// the tools in page order.
func TestVersionsJSON(t *testing.T) {
	var r Run
	if err := json.Unmarshal([]byte(`{"versions":{"helm":"v4.3.2","kubernetes":"v1.37.2","kind":"v0.33.0","kubectl":"v1.37.2"}}`), &r); err != nil {
		t.Fatal(err)
	}
	want := Versions{Kind: "v0.33.0", Helm: "v4.3.2", Kubectl: "v1.37.2", Kubernetes: "v1.37.2"}
	if r.Versions != want {
		t.Errorf("decoded %+v, want %+v", r.Versions, want)
	}
	got := r.Versions.List()
	wantList := []ToolVersion{{ToolKind, "v0.33.0"}, {ToolHelm, "v4.3.2"}, {ToolKubectl, "v1.37.2"}, {ToolKubernetes, "v1.37.2"}}
	if !reflect.DeepEqual(got, wantList) {
		t.Errorf("List() = %v, want %v", got, wantList)
	}
	b, err := json.Marshal(Versions{InSpec: "v5.22.33"})
	if err != nil || string(b) != `{"inspec":"v5.22.33"}` {
		t.Errorf("marshal: %s, %v", b, err)
	}
	for _, tool := range Tools {
		var v Versions
		v.Set(tool, "v1.2.3")
		if v.Get(tool) != "v1.2.3" || len(v.List()) != 1 || v.List()[0].Tool != tool {
			t.Errorf("%s: Set/Get/List: %+v", tool, v)
		}
	}
}
