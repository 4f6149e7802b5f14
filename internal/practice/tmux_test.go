package practice_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
)

// The tmux tests drive `advent lab practice helm` as a newcomer would: in a
// real terminal (tmux), typing each command with send-keys and reading the
// screen with capture-pane. They need Docker, the image set and tmux, and
// run in .ci/run.

type term struct {
	t       *testing.T
	session string
}

func (tm *term) tmux(args ...string) string {
	tm.t.Helper()
	out, err := exec.Command("tmux", args...).CombinedOutput()
	if err != nil {
		tm.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// screen is the whole scrollback of the pane.
func (tm *term) screen() string {
	return tm.tmux("capture-pane", "-p", "-J", "-S", "-", "-t", tm.session)
}

func (tm *term) send(text string) {
	if text != "" {
		tm.tmux("send-keys", "-t", tm.session, "-l", text)
	}
	tm.tmux("send-keys", "-t", tm.session, "Enter")
}

var promptRE = regexp.MustCompile(`(?m)^helm (\d+)/(\d+) \$ `)

// waitFor waits until f(screen) is true.
func (tm *term) waitFor(what string, timeout time.Duration, f func(string) bool) string {
	tm.t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		s := tm.screen()
		if f(s) {
			return s
		}
		if time.Now().After(deadline) {
			tm.t.Fatalf("waiting for %s: timed out; screen:\n%s", what, tail(s, 60))
		}
		time.Sleep(300 * time.Millisecond)
	}
}

// waitPrompt waits for prompt number n (1-based count of prompts so far).
// ended is true when practice exited instead.
func (tm *term) waitPrompt(n int) (step int, screen string, ended bool) {
	tm.t.Helper()
	screen = tm.waitFor(fmt.Sprintf("prompt #%d", n), 6*time.Minute, func(s string) bool {
		return len(promptRE.FindAllString(s, -1)) >= n || strings.Contains(s, "PRACTICE-EXIT=")
	})
	m := promptRE.FindAllStringSubmatch(screen, -1)
	if len(m) < n {
		return 0, screen, true
	}
	fmt.Sscan(m[n-1][1], &step)
	return step, screen, false
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// startPractice starts `advent lab practice helm` in tmux, with advent's line
// prompt (-simple) or, with no flags, in the learner's own bash; home is the
// learner's HOME ("" for a temporary one).
func startPractice(t *testing.T, flags ...string) (*term, *lab.Lab) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs Docker, the image set and tmux (runs in .ci/run)")
	}
	if _, err := exec.LookPath("tmux"); err != nil {
		t.Fatal("tmux is not installed: apt-get install tmux")
	}
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "advent")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/advent").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	l, err := lab.Load(filepath.Join(root, "labs"), "helm")
	if err != nil {
		t.Fatal(err)
	}
	tm := &term{t: t, session: fmt.Sprintf("advent-practice-%d", time.Now().UnixNano())}
	state := t.TempDir()
	// The learner's HOME is a fresh one with a ~/.bashrc; the image cache
	// stays where advent images build put it.
	cache, err := images.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	os.WriteFile(filepath.Join(home, ".bashrc"), []byte("PS1='learner$ '\n"), 0o644)
	script := fmt.Sprintf("cd %q && HOME=%q XDG_STATE_HOME=%q %q lab practice -reset -cache %q %s helm; echo PRACTICE-EXIT=$?; sleep 3600",
		root, home, state, bin, cache, strings.Join(flags, " "))
	tm.tmux("new-session", "-d", "-s", tm.session, "-x", "220", "-y", "50", script)
	tm.tmux("set-option", "-t", tm.session, "history-limit", "100000")
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", tm.session).Run() })
	return tm, l
}

// answer is what a newcomer types at a prompt of step i: the next command
// of a transcript, or Enter for a file, a check or a background step.
type answerer struct {
	l    *lab.Lab
	step int // 0-based
	cmd  int
}

func (a *answerer) next(step int) string {
	if step-1 != a.step {
		a.step, a.cmd = step-1, 0
	}
	s := a.l.Steps[a.step]
	if s.Kind != lab.KindRun || s.Background || a.cmd >= len(s.Commands) {
		return ""
	}
	c := s.Commands[a.cmd]
	a.cmd++
	return strings.ReplaceAll(c.Cmd, "\\\n", " ")
}

func TestTmuxTypingTheHelmLab(t *testing.T) {
	tm, l := startPractice(t, "-simple")
	a := &answerer{l: l}
	for n := 1; ; n++ {
		step, screen, ended := tm.waitPrompt(n)
		if strings.Contains(screen, "✗") {
			t.Fatalf("a check failed while typing the article's commands:\n%s", tail(screen, 80))
		}
		if ended {
			break
		}
		tm.send(a.next(step))
		if n > 200 {
			t.Fatal("too many prompts")
		}
	}
	screen := tm.waitFor("the end of the lab", 5*time.Minute, func(s string) bool { return strings.Contains(s, "PRACTICE-EXIT=") })
	for _, want := range []string{"✓ You finished the helm lab", "Done: nothing left behind.", "PRACTICE-EXIT=0", "✓ output matches the article"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, tail(screen, 80))
		}
	}
	if strings.Contains(screen, "✗") {
		t.Errorf("a check failed:\n%s", screen)
	}
	writeArtifact(t, "practice-typing.txt", screen)
}

func TestTmuxMistakeShowsHintAndRecovers(t *testing.T) {
	tm, l := startPractice(t, "-simple")
	install := -1
	for i, s := range l.Steps {
		if s.Name == "install-example" {
			install = i + 1
		}
	}
	if install < 0 {
		t.Fatal("the helm lab has no install-example step")
	}
	a := &answerer{l: l}
	for n := 1; ; n++ {
		step, screen, ended := tm.waitPrompt(n)
		if ended {
			t.Fatalf("practice ended early:\n%s", tail(screen, 60))
		}
		if step < install {
			tm.send(a.next(step))
			continue
		}
		// The 2017 command: Helm 3 reads -n as --namespace.
		tm.send("helm install -n example .")
		screen = tm.waitFor("the mistake to be flagged", time.Minute, func(s string) bool {
			return strings.Contains(s, "✗ That is not this step's command")
		})
		tm.waitPrompt(n + 1) // the same step again
		tm.send("hint")
		tm.waitFor("the hint", time.Minute, func(s string) bool { return strings.Contains(s, "It should print:") })
		tm.waitPrompt(n + 2)
		tm.send(a.next(step))
		screen = tm.waitFor("the step to pass", 3*time.Minute, func(s string) bool {
			return strings.Contains(s, fmt.Sprintf("✓ step %d/%d install-example", install, len(l.Steps)))
		})
		tm.waitPrompt(n + 3)
		tm.send("quit")
		screen = tm.waitFor("the end", 5*time.Minute, func(s string) bool { return strings.Contains(s, "PRACTICE-EXIT=") })
		for _, want := range []string{"Error: ", "The article's command:", "    helm install example .", "Progress saved:", "Done: nothing left behind.", "PRACTICE-EXIT=0"} {
			if !strings.Contains(screen, want) {
				t.Errorf("screen lacks %q:\n%s", want, tail(screen, 80))
			}
		}
		writeArtifact(t, "practice-mistake.txt", screen)
		return
	}
}

func writeArtifact(t *testing.T, name, content string) {
	dir := os.Getenv("ADVENT_ARTIFACTS")
	if dir == "" {
		return
	}
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644)
}

var shellPromptRE = regexp.MustCompile(`\(helm (\d+)/(\d+)\) learner\$ `)

// waitShellPrompt waits for the n-th prompt of the learner's bash; ended is
// true when practice exited instead.
func (tm *term) waitShellPrompt(n int) (step int, screen string, ended bool) {
	tm.t.Helper()
	screen = tm.waitFor(fmt.Sprintf("shell prompt #%d", n), 6*time.Minute, func(s string) bool {
		return len(shellPromptRE.FindAllString(s, -1)) >= n || strings.Contains(s, "PRACTICE-EXIT=")
	})
	m := shellPromptRE.FindAllStringSubmatch(screen, -1)
	if len(m) < n {
		return 0, screen, true
	}
	fmt.Sscan(m[n-1][1], &step)
	return step, screen, false
}

// The helm lab in the learner's own bash: the article's commands typed one
// by one (skip for the files), with the 2017 helm install typed first at
// install-example: flagged, hint, recovered; to the end.
func TestTmuxRealShellHelmLab(t *testing.T) {
	begin := time.Now()
	tm, l := startPractice(t)
	install := -1
	for i, s := range l.Steps {
		if s.Name == "install-example" {
			install = i + 1
		}
	}
	a := &answerer{l: l}
	mistake := false
	for n := 1; ; n++ {
		step, screen, ended := tm.waitShellPrompt(n)
		if n == 1 && !ended {
			t.Logf("first prompt %s after start (build included)", time.Since(begin).Round(100*time.Millisecond))
		}
		if ended {
			break
		}
		if strings.Contains(screen, "✗") && !mistake {
			t.Fatalf("a check failed while typing the article's commands:\n%s", tail(screen, 80))
		}
		if step == install && !mistake {
			mistake = true
			tm.send("helm install -n example .")
			tm.waitFor("the mistake to be flagged", time.Minute, func(s string) bool {
				return strings.Contains(s, "exited with status 1. This step's command is:")
			})
			tm.waitShellPrompt(n + 1)
			tm.send("hint")
			tm.waitFor("the hint", time.Minute, func(s string) bool { return strings.Contains(s, "It should print:") })
			n += 2
			tm.waitShellPrompt(n)
		}
		st := l.Steps[step-1]
		if st.Kind == lab.KindFile {
			tm.send("skip")
			continue
		}
		cmd := a.next(step)
		if cmd == "" {
			cmd = "skip"
		}
		tm.send(cmd)
		if n > 300 {
			t.Fatal("too many prompts")
		}
	}
	screen := tm.waitFor("the end of the lab", 5*time.Minute, func(s string) bool { return strings.Contains(s, "PRACTICE-EXIT=") })
	for _, want := range []string{"✓ You finished the helm lab", "Done: nothing left behind.", "PRACTICE-EXIT=0", "✓ output matches the article", "The article's command:"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q:\n%s", want, tail(screen, 80))
		}
	}
	writeArtifact(t, "practice-shell-helm.txt", screen)
}
