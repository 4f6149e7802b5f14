package env

import (
	"os"
	"path/filepath"
	"testing"
)

func TestThawTree(t *testing.T) {
	dir := t.TempDir()
	states := map[string]string{
		"freezer.state":                          "THAWED\n",
		"kubelet.slice/freezer.state":            "THAWED\n",
		"kubelet.slice/pod1/freezer.state":       "FROZEN\n",
		"kubelet.slice/pod1/cri-x/freezer.state": "FREEZING\n",
		"kubelet.slice/pod2/freezer.state":       "THAWED\n",
		"kubelet.slice/pod2/tasks":               "FROZEN\n", // not a freezer.state
	}
	for p, v := range states {
		p = filepath.Join(dir, p)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if n := thawTree(dir); n != 2 {
		t.Errorf("thawTree thawed %d cgroups, want 2 (the FROZEN and the FREEZING one)", n)
	}
	for _, p := range []string{"kubelet.slice/pod1/freezer.state", "kubelet.slice/pod1/cri-x/freezer.state"} {
		if b, _ := os.ReadFile(filepath.Join(dir, p)); string(b) != "THAWED" {
			t.Errorf("%s = %q after thawTree, want THAWED", p, b)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "kubelet.slice/pod2/tasks")); string(b) != "FROZEN\n" {
		t.Errorf("thawTree wrote a file that is not freezer.state: %q", b)
	}
	if n := thawTree(filepath.Join(dir, "missing")); n != 0 {
		t.Errorf("thawTree of a missing directory = %d", n)
	}
}
