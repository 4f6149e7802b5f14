// Command labbench measures what advent adds to, or saves from, a lab's
// wall time: `advent lab run -force helm` against the same tutorial typed
// as a plain bash script (testdata/helm-by-hand.sh), on the same node
// image and tools, in alternating rounds; then the time `advent lab
// practice helm` takes to its first prompt. It needs Docker, the image set,
// tree and tmux; `make bench-labs` runs it. docs/benchmarks.md says how it
// measures and what it writes.
//
//	go run ./internal/runner/labbench [-rounds 3] [-practice 3] [-kubernetes VERSION] [-preboot=false] [-out artifacts/bench-labs]
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/benchstat"
	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/report"
)

// Targets: advent at most 0.7× the script, environment ready within
// 15 s, first prompt within 20 s.
const (
	TargetRatio       = 0.7
	TargetReady       = 15 * time.Second
	TargetFirstPrompt = 20 * time.Second
)

// maxFailures is how many failed runs the benchmark runs again before it
// gives up.
const maxFailures = 2

// runTimeout bounds one run of either side.
const runTimeout = 15 * time.Minute

// The lab this benchmark knows a hand-written script of.
const labName = "helm"

type measure = benchstat.Summary

// round is one run of each side.
type round struct {
	First        string         `json:"first"` // "advent" or "script"
	Advent       float64        `json:"advent_s"`
	Script       float64        `json:"script_s"`
	AdventReady  float64        `json:"advent_ready_s"`
	ScriptReady  float64        `json:"script_ready_s"`
	Ratio        float64        `json:"ratio"`
	AdventPhases *report.Phases `json:"advent_phases,omitempty"`
	Load         []string       `json:"loadavg"` // before, between, after
}

type practiceRun struct {
	FirstPrompt float64 `json:"first_prompt_s"`
	Load        string  `json:"loadavg"`
}

type result struct {
	When        time.Time     `json:"when"`
	CPUs        int           `json:"cpus"`
	Kubernetes  string        `json:"kubernetes"`
	Mode        string        `json:"mode"`
	NodeImage   string        `json:"node_image"`
	Rounds      []round       `json:"rounds"`
	Advent      measure       `json:"advent"`
	Script      measure       `json:"script"`
	AdventReady measure       `json:"advent_ready"`
	ScriptReady measure       `json:"script_ready"`
	Ratio       float64       `json:"ratio"`        // advent median / script median
	PairedRatio float64       `json:"paired_ratio"` // median of the per-round ratios
	Practice    []practiceRun `json:"practice,omitempty"`
	// Failures are the runs that failed and were run again.
	Failures    []string `json:"failures,omitempty"`
	FirstPrompt measure  `json:"first_prompt"`
	// Preboot: advent started its cluster from the pre-booted image
	// `advent lab preboot` made (PrebootS: how long that took in this
	// benchmark, PrebootBuilt: whether it had to build the image or found
	// it up to date); otherwise kind created it (-preboot=false).
	Preboot      bool    `json:"preboot"`
	PrebootS     float64 `json:"preboot_s,omitempty"`
	PrebootBuilt bool    `json:"preboot_built,omitempty"`
	Targets      struct {
		Ratio       float64 `json:"ratio"`
		Ready       float64 `json:"environment_ready_s"`
		FirstPrompt float64 `json:"first_prompt_s"`
	} `json:"targets"`
}

func main() {
	rounds := flag.Int("rounds", 3, "rounds of one run of each side, alternating which goes first")
	practice := flag.Int("practice", 3, "times to start `advent lab practice helm` for its first prompt (0: none)")
	k8s := flag.String("kubernetes", images.DefaultK8sVersions[len(images.DefaultK8sVersions)-1], "Kubernetes version of the node image both sides use")
	out := flag.String("out", filepath.Join("artifacts", "bench-labs"), "directory for the report and the runs' output")
	advent := flag.String("advent", "", "the advent binary (default: build ./cmd/advent into a temporary directory)")
	preboot := flag.Bool("preboot", true, "advent starts its cluster from a pre-booted image; -preboot=false: kind creates it in every round (lab run -preboot=false)")
	flag.Parse()
	ctx := context.Background()
	if err := run(ctx, *rounds, *practice, *k8s, *out, *advent, *preboot); err != nil {
		fmt.Fprintln(os.Stderr, "labbench:", err)
		os.Exit(1)
	}
}

// bench is one benchmark run: where things are and what both sides use.
type bench struct {
	ctx     context.Context
	root    string // the module root
	tmp     string // scratch directory, removed at the end
	out     string // report and run logs
	advent  string // the advent binary
	k8s     string
	node    string // node image both sides use
	tools   string // directory of the pinned kind, kubectl and helm
	script  string // testdata/helm-by-hand.sh
	preboot bool   // -preboot
}

// sideFunc runs one side once (round n) and returns its wall time, the time
// its environment was ready and, for advent, the run's phases.
type sideFunc func(n int) (wall, ready float64, ph *report.Phases, err error)

func run(ctx context.Context, rounds, practiceRuns int, k8s, out, advent string, preboot bool) error {
	if err := needTools(practiceRuns > 0); err != nil {
		return err
	}
	b, err := newBench(ctx, k8s, out, advent)
	if err != nil {
		return err
	}
	defer os.RemoveAll(b.tmp)
	mode, err := images.DetectMode(ctx)
	if err != nil {
		return err
	}
	if b.node, err = images.NodeImage(mode, k8s); err != nil {
		return err
	}
	cache, err := images.DefaultCacheDir()
	if err != nil {
		return err
	}
	b.tools = images.ToolsDir(cache)
	b.preboot = preboot
	res := result{When: time.Now().UTC(), CPUs: runtime.NumCPU(), Kubernetes: k8s, Mode: mode.String(), NodeImage: b.node, Preboot: preboot}
	res.Targets.Ratio, res.Targets.Ready, res.Targets.FirstPrompt = TargetRatio, TargetReady.Seconds(), TargetFirstPrompt.Seconds()
	fmt.Printf("labbench: %s lab vs testdata/helm-by-hand.sh, %s (%s), %d rounds\n", labName, b.node, mode, rounds)
	if preboot {
		if err := b.prebootLab(&res); err != nil {
			return err
		}
	}
	if err := b.rounds(rounds, &res); err != nil {
		return err
	}
	if err := b.practice(practiceRuns, &res); err != nil {
		return err
	}
	return b.write(res)
}

// needTools says which program the benchmark needs and lacks.
func needTools(practice bool) error {
	for _, tool := range []string{"docker", "tree", "bash"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed", tool)
		}
	}
	if practice {
		if _, err := exec.LookPath("tmux"); err != nil {
			return fmt.Errorf("tmux is not installed (apt-get install tmux), or use -practice 0")
		}
	}
	return nil
}

// newBench finds the module, makes the output and scratch directories and
// builds advent unless a binary was given.
func newBench(ctx context.Context, k8s, out, advent string) (*bench, error) {
	root, err := moduleRoot()
	if err != nil {
		return nil, err
	}
	if out, err = filepath.Abs(out); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp("", "advent-labbench-")
	if err != nil {
		return nil, err
	}
	b := &bench{ctx: ctx, root: root, tmp: tmp, out: out, k8s: k8s,
		script: filepath.Join(root, "internal", "runner", "labbench", "testdata", "helm-by-hand.sh")}
	if advent == "" {
		b.advent = filepath.Join(tmp, "advent")
		fmt.Println("labbench: building advent")
		if o, err := exec.Command("go", "build", "-C", root, "-o", b.advent, "./cmd/advent").CombinedOutput(); err != nil {
			os.RemoveAll(tmp)
			return nil, fmt.Errorf("go build ./cmd/advent: %v\n%s", err, o)
		}
	} else if b.advent, err = filepath.Abs(advent); err != nil {
		os.RemoveAll(tmp)
		return nil, err
	}
	return b, nil
}

// preboot runs `advent lab preboot` for the lab's cluster, timed.
func (b *bench) prebootLab(res *result) error {
	fmt.Printf("labbench: advent lab preboot %s ...", labName)
	var out bytes.Buffer
	cmd := exec.Command(b.advent, "lab", "preboot", "-json", "-root", b.root, "-kubernetes", b.k8s, labName)
	log, wall, err := timed(b.ctx, cmd, filepath.Join(b.out, "preboot.log"), &out)
	if err != nil {
		fmt.Println()
		return fmt.Errorf("advent lab preboot: %w (see %s)", err, log)
	}
	var imgs []struct {
		Built bool `json:"built"`
	}
	if err := json.Unmarshal(out.Bytes(), &imgs); err != nil {
		fmt.Println()
		return fmt.Errorf("advent lab preboot -json: %w in %q", err, out.String())
	}
	if len(imgs) == 0 {
		fmt.Println()
		return fmt.Errorf("advent lab preboot -json: no image in %q", out.String())
	}
	res.PrebootS = wall
	for _, im := range imgs {
		res.PrebootBuilt = res.PrebootBuilt || im.Built
	}
	fmt.Printf(" %.1f s (built: %v)\n", res.PrebootS, res.PrebootBuilt)
	return nil
}

// runScript runs the hand-written script once.
func (b *bench) runScript(n int) (float64, float64, *report.Phases, error) {
	cmd := exec.Command("bash", b.script)
	cmd.Dir = b.root
	cmd.Env = append(os.Environ(), "PATH="+b.tools+":"+os.Getenv("PATH"), "NODE_IMAGE="+b.node,
		"LAB_FILES="+filepath.Join(b.root, "labs", labName, "files"), "CLUSTER=helm-by-hand")
	o, wall, err := timed(b.ctx, cmd, filepath.Join(b.out, fmt.Sprintf("round-%d-script.log", n)), nil)
	if err != nil {
		return 0, 0, nil, fmt.Errorf("helm-by-hand.sh: %w (see %s)", err, o)
	}
	ready, err := scriptReady(o)
	return wall, ready, nil, err
}

// runAdvent runs `advent lab run -force helm` once, into its own results
// directory, waiting while another run holds the cluster name.
func (b *bench) runAdvent(n int) (float64, float64, *report.Phases, error) {
	results := filepath.Join(b.tmp, fmt.Sprintf("results-%d", n))
	var (
		o    string
		wall float64
		err  error
	)
	for try := 1; ; try++ {
		if err := waitClusterFree(b.ctx); err != nil {
			return 0, 0, nil, err
		}
		args := []string{"lab", "run", "-force", "-root", b.root, "-results", results, "-kubernetes", b.k8s}
		if !b.preboot {
			args = append(args, "-preboot=false")
		}
		cmd := exec.Command(b.advent, append(args, labName)...)
		o, wall, err = timed(b.ctx, cmd, filepath.Join(b.out, fmt.Sprintf("round-%d-advent.log", n)), nil)
		if err == nil || try == 5 || !taken(o) {
			break
		}
		fmt.Print(" (the cluster name was taken by another run; waiting)")
	}
	runErr := err
	f, err := report.Read(report.Path(results, labName))
	if err != nil || f == nil || len(f.Runs) == 0 {
		return 0, 0, nil, fmt.Errorf("advent lab run: %v; no results in %s: %v (see %s)", runErr, results, err, o)
	}
	r := f.Runs[len(f.Runs)-1]
	if runErr != nil && !onlyForeignLeaks(r) {
		return 0, 0, nil, fmt.Errorf("advent lab run: %w (see %s)", runErr, o)
	}
	if b.preboot && len(r.Prebooted()) == 0 {
		return 0, 0, nil, fmt.Errorf("advent lab run did not start the cluster from its pre-booted image (see %s)", o)
	}
	ready, err := adventReady(r)
	return wall, ready, r.Phases, err
}

// rounds runs both sides n times, alternating which goes first, and puts
// the times and their statistics into res.
func (b *bench) rounds(n int, res *result) error {
	sides := map[string]sideFunc{"script": b.runScript, "advent": b.runAdvent}
	var paired []float64
	times := map[string][]float64{}
	readies := map[string][]float64{}
	for i := 0; i < n; i++ {
		order := []string{"advent", "script"}
		if i%2 == 1 {
			order = []string{"script", "advent"}
		}
		rd := round{First: order[0], Load: []string{benchstat.LoadAvg()}}
		for _, side := range order {
			wall, ready, ph, err := b.side(sides[side], side, i, n, res)
			if err != nil {
				return fmt.Errorf("round %d: %w", i+1, err)
			}
			fmt.Printf(" %.1f s (environment ready at %.1f s)\n", wall, ready)
			times[side] = append(times[side], wall)
			readies[side] = append(readies[side], ready)
			if side == "advent" {
				rd.Advent, rd.AdventReady, rd.AdventPhases = wall, ready, ph
			} else {
				rd.Script, rd.ScriptReady = wall, ready
			}
			rd.Load = append(rd.Load, benchstat.LoadAvg())
		}
		rd.Ratio = rd.Advent / rd.Script
		paired = append(paired, rd.Ratio)
		res.Rounds = append(res.Rounds, rd)
	}
	if n > 0 {
		res.Advent, res.Script = benchstat.Of(times["advent"]), benchstat.Of(times["script"])
		res.AdventReady, res.ScriptReady = benchstat.Of(readies["advent"]), benchstat.Of(readies["script"])
		res.Ratio = res.Advent.Median / res.Script.Median
		res.PairedRatio = benchstat.Of(paired).Median
	}
	return nil
}

// side runs one side of round i; a failed run (a flaky step on a shared
// machine) is reported in res.Failures and run again, not averaged in,
// up to maxFailures in the whole benchmark.
func (b *bench) side(f sideFunc, name string, i, n int, res *result) (float64, float64, *report.Phases, error) {
	fmt.Printf("labbench: round %d/%d: %s ...", i+1, n, name)
	wall, ready, ph, err := f(i + 1)
	if err != nil && len(res.Failures) < maxFailures {
		fmt.Printf(" failed, running it again: %v\n", err)
		res.Failures = append(res.Failures, fmt.Sprintf("round %d, %s: %v", i+1, name, err))
		fmt.Printf("labbench: round %d/%d: %s ...", i+1, n, name)
		wall, ready, ph, err = f(i + 1)
	}
	if err != nil {
		fmt.Println()
	}
	return wall, ready, ph, err
}

// practice times `advent lab practice helm` to its first prompt n times.
func (b *bench) practice(n int, res *result) error {
	var prompts []float64
	for i := 0; i < n; i++ {
		fmt.Printf("labbench: practice %d/%d: first prompt ...", i+1, n)
		if err := waitClusterFree(b.ctx); err != nil {
			return err
		}
		load := benchstat.LoadAvg()
		d, err := firstPrompt(b.ctx, b.advent, b.root, b.k8s, filepath.Join(b.tmp, fmt.Sprintf("state-%d", i)), filepath.Join(b.out, fmt.Sprintf("practice-%d.txt", i+1)))
		if err != nil {
			fmt.Println()
			return fmt.Errorf("practice %d: %w", i+1, err)
		}
		fmt.Printf(" %.1f s\n", d.Seconds())
		res.Practice = append(res.Practice, practiceRun{FirstPrompt: d.Seconds(), Load: load})
		prompts = append(prompts, d.Seconds())
	}
	res.FirstPrompt = benchstat.Of(prompts)
	return nil
}

// write prints the Markdown report and writes bench.md and bench.json.
func (b *bench) write(res result) error {
	md := markdown(res)
	fmt.Print("\n" + md)
	j, _ := json.MarshalIndent(res, "", "  ")
	if err := os.WriteFile(filepath.Join(b.out, "bench.json"), append(j, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(b.out, "bench.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Printf("labbench: wrote %s and %s\n", filepath.Join(b.out, "bench.md"), filepath.Join(b.out, "bench.json"))
	return nil
}

// timed runs cmd with its output into logPath (its standard output into
// stdout instead, when that is set) and returns the wall time. A log
// already there is a failed run's, run again: it is kept as
// logPath.failed.
func timed(ctx context.Context, cmd *exec.Cmd, logPath string, stdout io.Writer) (string, float64, error) {
	if _, err := os.Stat(logPath); err == nil {
		os.Rename(logPath, logPath+".failed")
	}
	f, err := os.Create(logPath)
	if err != nil {
		return logPath, 0, err
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(ctx, runTimeout)
	defer cancel()
	c := exec.CommandContext(ctx, cmd.Path, cmd.Args[1:]...)
	c.Dir, c.Env, c.Stdout, c.Stderr = cmd.Dir, cmd.Env, f, f
	if stdout != nil {
		c.Stdout = stdout
	}
	c.WaitDelay = 10 * time.Second
	start := time.Now()
	err = c.Run()
	return logPath, time.Since(start).Seconds(), err
}

// waitClusterFree waits (up to 15 minutes) until no other run on this
// machine holds the lab's cluster name: no kind node of that cluster, no
// kept environment of the lab. advent refuses a taken name, and the
// benchmark must not touch another run's cluster.
func waitClusterFree(ctx context.Context) error {
	kept := filepath.Join(stateHome(), "advent", "kept", labName+".json")
	deadline := time.Now().Add(15 * time.Minute)
	for {
		out, err := exec.CommandContext(ctx, "docker", "ps", "-a", "-q", "--filter", "label=io.x-k8s.kind.cluster="+labName).Output()
		_, kerr := os.Stat(kept)
		if err == nil && len(strings.TrimSpace(string(out))) == 0 && errors.Is(kerr, os.ErrNotExist) {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("kind cluster %q (or a kept %s environment) still in use by another run after 15 minutes", labName, labName)
		}
		time.Sleep(2 * time.Second)
	}
}

// taken reports whether advent's output says another run held the name.
func taken(logPath string) bool {
	b, _ := os.ReadFile(logPath)
	return strings.Contains(string(b), "exists already") || strings.Contains(string(b), "has a kept environment")
}

func stateHome() string {
	if d := os.Getenv("XDG_STATE_HOME"); d != "" {
		return d
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".local", "state")
}

var readyRE = regexp.MustCompile(`(?m)^ENVIRONMENT-READY ([0-9.]+)$`)

// scriptReady reads the time the script printed once its node was Ready
// with the images loaded.
func scriptReady(logPath string) (float64, error) {
	b, err := os.ReadFile(logPath)
	if err != nil {
		return 0, err
	}
	m := readyRE.FindSubmatch(b)
	if m == nil {
		return 0, fmt.Errorf("%s: no ENVIRONMENT-READY line", logPath)
	}
	return strconv.ParseFloat(string(m[1]), 64)
}

// onlyForeignLeaks reports whether a failed run failed only because its
// leak check, which compares snapshots of the whole Docker engine, saw
// containers or networks that other work on a shared machine created
// meanwhile: every step passed and no leak is the lab's own (its cluster,
// its node containers).
func onlyForeignLeaks(r *report.Run) bool {
	if len(r.Leaks) == 0 {
		return false
	}
	for _, s := range r.Steps {
		if s.Status != report.Pass {
			return false
		}
	}
	for _, l := range r.Leaks {
		kind, name, ok := strings.Cut(l, "/")
		if !ok || strings.Contains(kind, " ") || (kind == "cluster" && name == labName) || strings.HasPrefix(name, labName+"-") {
			return false
		}
	}
	return true
}

// adventReady is when advent's environment was ready, from the run
// report's phases.
func adventReady(r *report.Run) (float64, error) {
	if r.Status != report.Pass && !onlyForeignLeaks(r) {
		return 0, fmt.Errorf("advent's run did not pass: %s", r.Reason)
	}
	if r.Phases == nil {
		return 0, errors.New("the run report has no phases")
	}
	return float64(r.Phases.EnvironmentReadyMS) / 1000, nil
}

// promptRE is practice's first prompt: the line prompt (`helm 1/31 $ `)
// or the learner's own bash (`(helm 1/31) root@host:~# `).
var promptRE = regexp.MustCompile(`(?m)^(` + labName + ` 1/\d+ \$ |\(` + labName + ` 1/\d+\) \S+[#$] )`)

// firstPrompt starts `advent lab practice` in a tmux session, waits for
// its first prompt, quits, and waits for it to clean up. The screen goes
// to screenPath.
func firstPrompt(ctx context.Context, advent, root, k8s, state, screenPath string) (time.Duration, error) {
	session := fmt.Sprintf("advent-labbench-%d", time.Now().UnixNano())
	tmux := func(args ...string) (string, error) {
		cctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		b, err := exec.CommandContext(cctx, "tmux", args...).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("tmux %s: %v: %s", args[0], err, b)
		}
		return string(b), nil
	}
	screen := func() string {
		s, _ := tmux("capture-pane", "-p", "-J", "-S", "-", "-t", session)
		return s
	}
	sh := fmt.Sprintf("cd %s && XDG_STATE_HOME=%s %s lab practice -reset -kubernetes %s %s; echo PRACTICE-EXIT=$?; sleep 3600",
		quote(root), quote(state), quote(advent), quote(k8s), labName)
	start := time.Now()
	if _, err := tmux("new-session", "-d", "-s", session, "-x", "200", "-y", "50", sh); err != nil {
		return 0, err
	}
	defer exec.Command("tmux", "kill-session", "-t", session).Run()
	wait := func(what string, timeout time.Duration, ok func(string) bool) (string, error) {
		deadline := time.Now().Add(timeout)
		for {
			s := screen()
			if ok(s) {
				return s, nil
			}
			if time.Now().After(deadline) {
				os.WriteFile(screenPath, []byte(s), 0o644)
				return s, fmt.Errorf("no %s after %s (screen in %s)", what, timeout, screenPath)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	s, err := wait("first prompt", 5*time.Minute, func(s string) bool {
		return promptRE.MatchString(s) || strings.Contains(s, "PRACTICE-EXIT=")
	})
	d := time.Since(start)
	if err != nil {
		return 0, err
	}
	if !promptRE.MatchString(s) {
		os.WriteFile(screenPath, []byte(s), 0o644)
		return 0, fmt.Errorf("practice ended before its first prompt (screen in %s)", screenPath)
	}
	if _, err := tmux("send-keys", "-t", session, "-l", "quit"); err != nil {
		return 0, err
	}
	if _, err := tmux("send-keys", "-t", session, "Enter"); err != nil {
		return 0, err
	}
	s, err = wait("end of practice", 5*time.Minute, func(s string) bool { return strings.Contains(s, "PRACTICE-EXIT=") })
	os.WriteFile(screenPath, []byte(s), 0o644)
	if err != nil {
		return 0, err
	}
	if !strings.Contains(s, "Done: nothing left behind.") {
		return 0, fmt.Errorf("practice did not clean up (screen in %s)", screenPath)
	}
	return d, nil
}

func quote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}

func markdown(r result) string {
	var b strings.Builder
	fmt.Fprintf(&b, "helm lab: advent vs the same steps by hand, %s, %d CPUs, %s (%s)\n\n", r.When.Format(time.RFC3339), r.CPUs, r.NodeImage, r.Mode)
	if !r.Preboot {
		fmt.Fprintf(&b, "advent created its cluster with kind in every round (`lab run -preboot=false`), as the script does.\n\n")
	} else {
		state := "up to date, reused"
		if r.PrebootBuilt {
			state = "built"
		}
		fmt.Fprintf(&b, "advent started its cluster from the pre-booted image of `advent lab preboot %s` (%s, %.1f s, once, before the rounds); the script creates its cluster with kind.\n\n", labName, state, r.PrebootS)
	}
	if len(r.Rounds) > 0 {
		fmt.Fprintf(&b, "| round | first | advent | script | ratio | advent env ready | script env ready | advent phases (create, images, steps, teardown) | load |\n")
		fmt.Fprintf(&b, "|---:|---|---:|---:|---:|---:|---:|---|---|\n")
		for i, rd := range r.Rounds {
			ph := "-"
			if p := rd.AdventPhases; p != nil {
				ph = fmt.Sprintf("%.1f, %.1f, %.1f, %.1f s", sec(p.CreateClustersMS), sec(p.LoadImagesMS), sec(p.StepsMS), sec(p.TeardownMS))
			}
			fmt.Fprintf(&b, "| %d | %s | %.1f s | %.1f s | %.2f× | %.1f s | %.1f s | %s | %s |\n",
				i+1, rd.First, rd.Advent, rd.Script, rd.Ratio, rd.AdventReady, rd.ScriptReady, ph, strings.Join(rd.Load, " → "))
		}
		fmt.Fprintf(&b, "\nMedians of %d rounds: advent %.1f s (± %.1f), script %.1f s (± %.1f): ratio **%.2f×** (paired %.2f×), target ≤ %.1f×: %s.\n",
			r.Advent.Runs, r.Advent.Median, r.Advent.Stddev, r.Script.Median, r.Script.Stddev, r.Ratio, r.PairedRatio, r.Targets.Ratio,
			verdict(r.Ratio <= r.Targets.Ratio && r.PairedRatio <= r.Targets.Ratio))
		fmt.Fprintf(&b, "Environment ready (cluster Ready, lab images in the node): advent %.1f s, script %.1f s; target ≤ %.0f s: %s.\n",
			r.AdventReady.Median, r.ScriptReady.Median, r.Targets.Ready, verdict(r.AdventReady.Median <= r.Targets.Ready))
	}
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "Failed and run again: %s.\n", f)
	}
	if len(r.Practice) > 0 {
		var each []string
		for _, p := range r.Practice {
			each = append(each, fmt.Sprintf("%.1f s (load %s)", p.FirstPrompt, p.Load))
		}
		fmt.Fprintf(&b, "First prompt of `advent lab practice %s`: median %.1f s (%s); target ≤ %.0f s: %s.\n",
			labName, r.FirstPrompt.Median, strings.Join(each, ", "), r.Targets.FirstPrompt, verdict(r.FirstPrompt.Median <= r.Targets.FirstPrompt))
	}
	return b.String()
}

func sec(ms int64) float64 { return float64(ms) / 1000 }

// moduleRoot is the directory of the go.mod above the working directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if f, err := os.Open(filepath.Join(dir, "go.mod")); err == nil {
			sc := bufio.NewScanner(f)
			isAdvent := sc.Scan() && strings.TrimSpace(sc.Text()) == "module github.com/sysadvent/advent"
			f.Close()
			if isAdvent {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run it inside the advent module")
		}
		dir = parent
	}
}
