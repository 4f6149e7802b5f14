package env

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestOwnerRoundTripAndLiveness(t *testing.T) {
	self := Self()
	if self.PID != os.Getpid() || self.Start == "" || self.Boot == "" {
		t.Fatalf("Self() = %+v", self)
	}
	back, err := ParseOwner(self.String())
	if err != nil || back != self {
		t.Fatalf("ParseOwner(%q) = %+v, %v", self.String(), back, err)
	}
	if !self.Alive() {
		t.Error("this process is not alive")
	}

	done := exec.Command("true")
	if err := done.Run(); err != nil {
		t.Fatal(err)
	}
	for _, o := range []Owner{
		{Boot: self.Boot, PID: done.ProcessState.Pid(), Start: self.Start}, // exited
		{Boot: "another-boot", PID: self.PID, Start: self.Start},           // rebooted since
		{Boot: self.Boot, PID: self.PID, Start: self.Start + "0"},          // pid reused
	} {
		if o.Alive() {
			t.Errorf("%v is alive", o)
		}
	}
	for _, bad := range []string{"", "a/b", "boot/x/1", "boot/-3/1", "a/1/2/3"} {
		if _, err := ParseOwner(bad); err == nil {
			t.Errorf("ParseOwner(%q) accepted", bad)
		}
	}
}

// A command name with spaces and parentheses must not shift the fields of
// /proc/PID/stat.
func TestStartTimeOddCommandName(t *testing.T) {
	sleep, err := exec.LookPath("sleep")
	if err != nil {
		t.Skip("no sleep binary")
	}
	odd := filepath.Join(t.TempDir(), "a) (b c")
	b, err := os.ReadFile(sleep)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(odd, b, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(odd, "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Kill(); cmd.Wait() }()
	st := startTime(cmd.Process.Pid)
	n, err := strconv.ParseUint(st, 10, 64)
	if err != nil {
		t.Fatalf("startTime = %q, not a number", st)
	}
	mine, _ := strconv.ParseUint(Self().Start, 10, 64)
	if n < mine {
		t.Errorf("child started at %d, before its parent (%d)", n, mine)
	}
}

func TestStateDir(t *testing.T) {
	t.Setenv("XDG_STATE_HOME", "/x/state")
	if got := StateDir("kind"); got != "/x/state/advent/kind" {
		t.Errorf("StateDir = %q", got)
	}
	t.Setenv("XDG_STATE_HOME", "relative") // ignored, as the XDG spec says
	t.Setenv("HOME", "/home/u")
	if got := StateDir("kind"); got != "/home/u/.local/state/advent/kind" {
		t.Errorf("StateDir = %q", got)
	}
}

// A killed process that its parent has not waited for yet is a zombie: it
// no longer runs, whatever /proc still shows.
func TestZombieIsNotAlive(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	pid := cmd.Process.Pid
	o := Owner{Boot: bootID(), PID: pid, Start: startTime(pid)}
	if !o.Alive() {
		t.Fatal("a running child is not alive")
	}
	cmd.Process.Kill()
	defer cmd.Wait()
	for range 100 { // the kernel makes it a zombie soon after the signal
		b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if strings.Contains(string(b), ") Z ") {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if o.Alive() {
		t.Error("a killed, unwaited child is alive")
	}
}
