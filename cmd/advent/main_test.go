package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/sysadvent/advent/internal/cli"
	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

// TestMain lets the test binary act as the advent command: scripts run it
// with `exec advent ...` (testscript puts an "advent" on PATH that
// re-executes this binary, which then calls main).
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"advent": func() {
			// ADVENT_FAKE_BACKEND=FILE runs labs on runnertest's fake
			// backend, whose containers and clusters persist in FILE
			// between commands (as Docker's do): labs run without Docker.
			if p := os.Getenv("ADVENT_FAKE_BACKEND"); p != "" {
				cli.UseBackend(func(context.Context) (runner.Backend, error) { return runnertest.NewPersistent(p) })
			}
			main()
		},
	})
}

// TestScripts runs testdata/script/*.txtar. Besides the standard commands
// (exec, cmp, stdout, stderr, exists, cp, ...), scripts can use
//
//	exitcode N prog args...   run prog and require exit code N exactly
//	tree DIR                  print the files under DIR, with sizes
//	ls DIR                    print the names in DIR, hidden ones too
//	down-at-end LAB ROOT      run `advent lab down LAB -root ROOT` when the
//	                          script ends, passed or failed, so a kept
//	                          environment never outlives its script
//	serial NAME               hold lock NAME until the script ends: scripts
//	                          that drive Docker for real take "docker", as
//	                          each advent's reaper removes what an advent
//	                          with another state directory kept
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		Setup: func(env *testscript.Env) error {
			// Hugo's file caches stay in the script's temporary
			// directory, never in the user's cache.
			env.Setenv("HUGO_CACHEDIR", filepath.Join(env.WorkDir, ".tmp", "hugo_cache"))
			// $REPO is this project (ADVENT_REPO overrides it: a clean
			// copy), for the scripts that run its labs on Docker.
			repo := os.Getenv("ADVENT_REPO")
			if repo == "" {
				repo, _ = filepath.Abs("../..")
			}
			env.Setenv("REPO", repo)
			// $USERCACHE is the user's cache directory, where the image
			// set keeps the pinned kind, kubectl and helm (the scripts'
			// HOME is not the user's): scripts that run a lab on kind set
			// XDG_CACHE_HOME to it.
			if c, err := os.UserCacheDir(); err == nil {
				env.Setenv("USERCACHE", c)
			}
			return nil
		},
		// [imageset]: the air-gapped image set may be on this machine
		// (not on GitHub-hosted runners, ADVENT_IMAGE_SET=absent).
		Condition: func(cond string) (bool, error) {
			if cond == "imageset" {
				return !images.ImageSetAbsent(), nil
			}
			return false, fmt.Errorf("unknown condition %q", cond)
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": cmdExitcode,
			"tree":     cmdTree,
			"ls":       cmdLs,
			"serial":   cmdSerial,
			"down-at-end": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) != 2 {
					ts.Fatalf("usage: down-at-end LAB ROOT")
				}
				ts.Defer(func() { _ = ts.Exec("advent", "lab", "down", args[0], "-root", ts.MkAbs(args[1])) })
			},
		},
	})
}

// serialLocks are the locks of the serial command, by name.
var serialLocks sync.Map

func cmdSerial(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: serial NAME")
	}
	mu, _ := serialLocks.LoadOrStore(args[0], new(sync.Mutex))
	mu.(*sync.Mutex).Lock()
	ts.Defer(mu.(*sync.Mutex).Unlock)
}

func cmdExitcode(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("usage: exitcode N prog args... (no !)")
	}
	if len(args) < 2 {
		ts.Fatalf("usage: exitcode N prog args...")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exitcode: %v", err)
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			ts.Fatalf("exitcode: %v", err)
		}
		got = ee.ExitCode()
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

func cmdTree(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: tree DIR")
	}
	root := ts.MkAbs(args[0])
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		out = append(out, fmt.Sprintf("%s %d", filepath.ToSlash(rel), info.Size()))
		return nil
	})
	ts.Check(err)
	sort.Strings(out)
	fmt.Fprint(ts.Stdout(), strings.Join(out, "\n")+"\n")
}

func cmdLs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: ls DIR")
	}
	entries, err := os.ReadDir(ts.MkAbs(args[0]))
	ts.Check(err)
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		fmt.Fprintln(ts.Stdout(), name)
	}
}
