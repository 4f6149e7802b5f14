package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/report"
)

const script = "testdata/helm-by-hand.sh"

// scriptLines are the script's commands, continuation lines joined and
// blanks collapsed.
func scriptLines(t *testing.T) []string {
	b, err := os.ReadFile(script)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(collapse(string(b)), "\n")
}

func collapse(s string) string {
	s = strings.ReplaceAll(s, "\\\n", " ")
	return regexp.MustCompile(`[ \t]+`).ReplaceAllString(s, " ")
}

func TestScriptIsValidBash(t *testing.T) {
	if out, err := exec.Command("bash", "-n", script).CombinedOutput(); err != nil {
		t.Fatalf("bash -n %s: %v\n%s", script, err, out)
	}
}

// The script must stay the tutorial the helm lab runs: every kubectl, helm,
// kind and tree command of the lab's run steps starts a line of the script,
// every page the lab curls is checked, every file the lab writes is copied
// from the same lab file. Only the cluster's name, the work directory
// (the script's $WORK) and the wait for Ready differ.
func TestScriptRunsTheLabsSteps(t *testing.T) {
	l, err := lab.Load(filepath.Join("..", "..", "..", "labs"), labName)
	if err != nil {
		t.Fatal(err)
	}
	lines := scriptLines(t)
	has := func(prefix string) bool {
		for _, line := range lines {
			if strings.HasPrefix(strings.TrimSpace(line), prefix) {
				return true
			}
		}
		return false
	}
	curl := regexp.MustCompile(`^curl -s http://127\.0\.0\.1:(\d+)$`)
	checked := 0
	for _, s := range l.Steps {
		switch s.Kind {
		case lab.KindRun:
			for _, c := range s.Commands {
				cmd := strings.TrimSpace(collapse(c.Cmd))
				if m := curl.FindStringSubmatch(cmd); m != nil {
					if !has("retry 30 serves " + m[1] + " ") {
						t.Errorf("step %s curls port %s; the script does not check that page", s.Name, m[1])
					}
					checked++
					continue
				}
				if strings.HasPrefix(cmd, "cd ") || strings.HasPrefix(cmd, "mkdir -p ~/") {
					continue // the script works in $WORK
				}
				if !has(cmd) {
					t.Errorf("step %s runs `%s`; no line of %s starts with it", s.Name, cmd, script)
				}
				checked++
			}
		case lab.KindCluster:
			want := map[lab.Action]string{lab.ActionCreateCluster: "kind create cluster --name \"$CLUSTER\" --image \"$NODE_IMAGE\"",
				lab.ActionDeleteCluster: "kind delete cluster --name \"$CLUSTER\""}[s.Action]
			if !has(want) {
				t.Errorf("step %s (%s): the script has no `%s`", s.Name, s.Action, want)
			}
			checked++
		case lab.KindFile:
			rel, ok := strings.CutPrefix(s.Content, "files/")
			if !ok {
				t.Fatalf("step %s: content %q is not under files/", s.Name, s.Content)
			}
			if want := `cp "$LAB_FILES/` + rel + `" ` + s.Path; !has(want) {
				t.Errorf("step %s writes %s; the script has no `%s`", s.Name, s.Path, want)
			}
			checked++
		}
	}
	if checked < 30 {
		t.Errorf("only %d commands and files checked: is this still the helm lab?", checked)
	}
	for _, im := range l.Resources.Images {
		if !has("kind load docker-image") || !strings.Contains(strings.Join(lines, "\n"), " "+im) {
			t.Errorf("the lab loads %s; the script does not", im)
		}
	}
}

func TestScriptReady(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	os.WriteFile(p, []byte("Creating cluster\nENVIRONMENT-READY 23.456\nDONE 50.1\n"), 0o644)
	if got, err := scriptReady(p); err != nil || got != 23.456 {
		t.Errorf("scriptReady = %v, %v; want 23.456", got, err)
	}
	os.WriteFile(p, []byte("Creating cluster\nERROR: failed\n"), 0o644)
	if _, err := scriptReady(p); err == nil {
		t.Error("scriptReady found a time in a log without ENVIRONMENT-READY")
	}
}

func TestOnlyForeignLeaks(t *testing.T) {
	pass := []*report.Step{{Name: "a", Status: report.Pass}}
	for _, c := range []struct {
		run  report.Run
		want bool
	}{
		{report.Run{Steps: pass, Leaks: []string{"container/push-jobs-node1", "network/3cc2"}}, true},
		{report.Run{Steps: pass}, false}, // failed for another reason
		{report.Run{Steps: pass, Leaks: []string{"cluster/helm"}}, false},
		{report.Run{Steps: pass, Leaks: []string{"container/helm-control-plane"}}, false},
		{report.Run{Steps: pass, Leaks: []string{"teardown: delete cluster helm: boom"}}, false},
		{report.Run{Steps: []*report.Step{{Name: "a", Status: report.Fail}}, Leaks: []string{"container/x"}}, false},
	} {
		if got := onlyForeignLeaks(&c.run); got != c.want {
			t.Errorf("onlyForeignLeaks(%v, %v) = %v, want %v", c.run.Steps[0].Status, c.run.Leaks, got, c.want)
		}
	}
}

func TestPromptRE(t *testing.T) {
	for s, want := range map[string]bool{
		"Prepared in 0s.\nhelm 1/31 $ ":              true,
		"  $ kind version\n(helm 1/31) root@vm:~# ":  true,
		"(helm 1/31) me@box:/tmp/x$ ":                true,
		"(helm 2/31) root@vm:~# ":                    false,
		"── step 1/31: tools ──\n  $ kind version\n": false,
	} {
		if got := promptRE.MatchString(s); got != want {
			t.Errorf("promptRE on %q = %v, want %v", s, got, want)
		}
	}
}
