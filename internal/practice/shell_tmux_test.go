package practice_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/practice"
	"github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// TestMain lets the test binary be a practice session in the real-shell
// mode on the fake backend (ADVENT_PRACTICE_CHILD=1), for the tmux test
// below: no Docker needed, the learner's bash is real.
func TestMain(m *testing.M) {
	if os.Getenv("ADVENT_PRACTICE_CHILD") == "1" {
		err := practice.Run(context.Background(), shellLab(), practice.Options{
			Runner: runner.Options{Backend: runnertest.New(os.Getenv("ADVENT_PRACTICE_WORK")), WorkDir: os.Getenv("ADVENT_PRACTICE_WORK"), RetryInterval: 100 * time.Millisecond},
			In:     os.Stdin, Out: os.Stdout, StateDir: os.Getenv("ADVENT_PRACTICE_WORK"), Shell: true,
		})
		fmt.Printf("PRACTICE-EXIT=%v\n", err)
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func shellLab() *lab.Lab {
	return &lab.Lab{Name: "demo", Title: "A demo", Source: "content/2017/01-demo.md",
		Resources: lab.Resources{Clusters: []lab.Cluster{{Name: "a"}, {Name: "b"}}},
		Steps: []lab.Step{
			{Name: "workdir", Kind: lab.KindRun, Prose: "Create a path to work in:", Commands: []lab.Command{
				{Cmd: "mkdir -p ~/chart"}, {Cmd: "cd ~/chart"}}},
			{Name: "write Chart.yaml", Kind: lab.KindFile, Path: "Chart.yaml", Data: []byte("name: demo\n")},
			{Name: "cat", Kind: lab.KindRun, Commands: []lab.Command{{Cmd: "cat Chart.yaml", Expect: []string{"name: demo"}}}},
			{Name: "check", Kind: lab.KindRun, Role: lab.RoleVerify, Hidden: true, Commands: []lab.Command{{Cmd: "test -f ~/chart/Chart.yaml"}}},
			{Name: "greet", Kind: lab.KindRun, Commands: []lab.Command{{Cmd: "echo hello from $PWD", Expect: []string{"hello from /..."}}}},
			{Name: "on-b", Kind: lab.KindRun, Cluster: "b", Commands: []lab.Command{{Cmd: "cat $KUBECONFIG", Expect: []string{"current-context: kind-b"}}}},
		}}
}

// The learner's own bash under tmux: their ~/.bashrc (an alias), a typo
// flagged with the step's command, hint, skip, an equivalent command that
// counts because its output matches, and the end of the lab.
func TestTmuxRealShell(t *testing.T) {
	if testing.Short() {
		t.Skip("drives bash in tmux (a few seconds)")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: apt-get install tmux")
	}
	home, work := t.TempDir(), t.TempDir()
	os.WriteFile(filepath.Join(home, ".bashrc"), []byte("PS1='learner$ '\nalias hi='echo hello from $PWD'\n"), 0o644)
	tm := &term{t: t, session: fmt.Sprintf("advent-shell-%d", time.Now().UnixNano())}
	script := fmt.Sprintf("HOME=%q ADVENT_PRACTICE_CHILD=1 ADVENT_PRACTICE_WORK=%q %q -test.run=^$; echo CHILD-DONE; sleep 3600", home, work, os.Args[0])
	tm.tmux("new-session", "-d", "-s", tm.session, "-x", "200", "-y", "50", script)
	tm.tmux("set-option", "-t", tm.session, "history-limit", "100000")
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", tm.session).Run() })

	wait := func(what string) string {
		t.Helper()
		return tm.waitFor(what, 30*time.Second, func(s string) bool { return strings.Contains(s, what) })
	}
	wait("(demo 1/6) learner$ ")
	wait("$ mkdir -p ~/chart")
	// reset tears the environment down and opens a new shell at step 1,
	// which gets what is typed next.
	tm.send("reset")
	tm.waitFor("a new shell", 30*time.Second, func(s string) bool {
		return strings.Contains(s, "Starting over.") && strings.Count(s, "(demo 1/6) learner$ ") >= 2
	})
	tm.send("mkdir -p ~/chart")
	tm.send("cd ~/chart")
	wait("✓ step 1/6 workdir")
	wait("Save this as Chart.yaml")
	tm.send("skip")
	wait("advent wrote Chart.yaml")
	wait("(demo 3/6) learner$ ")
	tm.send("cta Chart.yaml")
	wait("✗ `cta Chart.yaml` exited with status 127. This step's command is:")
	tm.send("hint")
	wait("It should print:")
	tm.send("grep name Chart.yaml")
	wait("✓ that does what the article's `cat Chart.yaml` does")
	wait(`(lab verify check "check") ✓`)
	wait("$ echo hello from $PWD")
	tm.send("hi") // the learner's alias, from their ~/.bashrc
	// A step on the lab's second cluster: the shell's KUBECONFIG follows.
	wait("$ cat $KUBECONFIG")
	tm.send("cat $KUBECONFIG")
	screen := tm.waitFor("the end", time.Minute, func(s string) bool { return strings.Contains(s, "PRACTICE-EXIT=") })
	for _, want := range []string{"✓ You finished the demo lab", "PRACTICE-EXIT=<nil>", "Done: nothing left behind."} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, tail(screen, 60))
		}
	}
	// The commands went to the learner's own history file.
	h, _ := os.ReadFile(filepath.Join(home, ".bash_history"))
	if !strings.Contains(string(h), "grep name Chart.yaml") {
		t.Errorf("history file:\n%s", h)
	}
	writeArtifact(t, "practice-shell.txt", screen)
}
