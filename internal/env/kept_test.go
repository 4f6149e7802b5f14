package env

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func writeKeptRecord(t *testing.T, lab, owner string) {
	t.Helper()
	dir := StateDir("kept")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, lab+".json"), []byte(`{"lab":"`+lab+`","owner":"`+owner+`"}`), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A kept environment's owner counts as in use while its record exists on
// this boot; after a reboot, or without a record, only a live process does.
func TestKeptOwnersSpareWhatIsKept(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", t.TempDir())
	c := exec.Command("true")
	if err := c.Run(); err != nil {
		t.Fatal(err)
	}
	dead := OwnerOf(c.ProcessState.Pid()) // exited: no start time
	dead.Start = "1"
	other := Owner{Boot: "another-boot", PID: 1, Start: "1"}
	if inUse(dead, keptOwners()) {
		t.Fatal("a gone owner with no kept record is in use")
	}
	writeKeptRecord(t, "helm", dead.String())
	writeKeptRecord(t, "old", other.String())
	os.WriteFile(filepath.Join(StateDir("kept"), "broken.json"), []byte("{"), 0o644)
	kept := keptOwners()
	if !inUse(dead, kept) {
		t.Error("the owner of a kept environment is not in use")
	}
	if inUse(other, kept) {
		t.Error("a record from another boot protects its owner")
	}
	if !inUse(Self(), kept) {
		t.Error("a live owner is not in use")
	}
	os.Remove(filepath.Join(StateDir("kept"), "helm.json"))
	if inUse(dead, keptOwners()) {
		t.Error("after lab down (record removed) the owner is still in use")
	}
}
