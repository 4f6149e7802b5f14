// Package report is the results of lab runs: the results/<lab>.json schema
// (advent.results/v2, documented in README "Results"; v1 files still read),
// merging new runs into the published ones with each step's history
// (merge.go, history.go), JUnit XML and the pull-request summary
// (summary.go).
package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/lab"
	"github.com/sysadvent/advent/internal/rootfs"
)

// Schema identifies the results format written. v2 added each step's
// history and record, and each run's event.
const Schema = "advent.results/v2"

// SchemaV1 is the previous format: still read (its runs have no history;
// a merge turns each into one history entry).
const SchemaV1 = "advent.results/v1"

// Status is the outcome of a step or a run, as results files spell it.
type Status string

// Step and run statuses.
const (
	Pass        Status = "pass"
	Fail        Status = "fail"
	Skipped     Status = "skipped"      // not applicable in this run
	NotRun      Status = "not-run"      // an earlier step failed or time ran out
	NotVerified Status = "not-verified" // needs something this machine lacks; never a pass
	Unchanged   Status = "unchanged"    // lab skipped: same content, tools and images as its last pass
	// Kept is a run that left its environment up (lab run -keep) or re-ran
	// steps on a kept one (-from, -only): cleanup, teardown and the leak
	// check did not run, so it is never a pass, and results/<lab>.json
	// does not record it.
	Kept Status = "kept"
)

// Mark is the sign of a status in progress output, practice mode and job
// summaries: ✓ pass, ✗ fail, ○ not verified, - anything else (not run,
// skipped).
func (s Status) Mark() string {
	switch s {
	case Pass:
		return "✓"
	case Fail:
		return "✗"
	case NotVerified:
		return "○"
	}
	return "-"
}

// File is results/<lab>.json: every run of one lab, one per Kubernetes
// version.
type File struct {
	Schema string `json:"schema"`
	Lab    string `json:"lab"`
	Title  string `json:"title"`
	Source string `json:"source"` // article path
	Runs   []*Run `json:"runs"`
	// FirstFailing is the lowest Kubernetes version whose latest run failed
	// while a lower version passed (matrix bisection); empty otherwise.
	FirstFailing string `json:"first_failing,omitempty"`
}

// Run is one run of a lab on one Kubernetes version.
type Run struct {
	Kubernetes string      `json:"kubernetes,omitempty"` // empty for labs without clusters
	Mode       images.Mode `json:"mode"`
	Commit     string      `json:"commit,omitempty"` // git commit of the article
	NodeImage  string      `json:"node_image,omitempty"`
	Versions   Versions    `json:"versions,omitzero"` // of the tools and node image the run used
	Images     []Image     `json:"images,omitempty"`
	StandIns   []string    `json:"stand_ins,omitempty"` // images that were local stand-ins
	Started    time.Time   `json:"started"`
	DurationMS int64       `json:"duration_ms"`
	Status     Status      `json:"status"` // pass or fail (unchanged, kept: not recorded)
	// Event is what started the run on GitHub (schedule, push,
	// workflow_dispatch, pull_request), stamped by `advent results merge`;
	// empty for a run on a developer's machine.
	Event    string         `json:"event,omitempty"`
	Reason   string         `json:"reason,omitempty"`
	CacheKey string         `json:"cache_key"`
	Steps    []*Step        `json:"steps"`
	Leaks    []string       `json:"leaks,omitempty"`
	Counts   map[Status]int `json:"counts"`
	// Phases divides the run's wall time (environment, steps, teardown).
	Phases *Phases `json:"phases,omitempty"`
	// Clusters says how each cluster came up: created by kind or started
	// from a pre-booted image (`advent lab preboot`).
	Clusters []ClusterStart `json:"clusters,omitempty"`
}

// Image is an image a run used.
type Image struct {
	Name    string `json:"name"`
	ID      string `json:"id,omitempty"`
	StandIn bool   `json:"stand_in"`
}

// Step is one step's result.
type Step struct {
	Name       string   `json:"name"`
	Kind       lab.Kind `json:"kind"`
	Role       lab.Role `json:"role,omitempty"`
	Line       int      `json:"line"` // the block's line in the article
	Status     Status   `json:"status"`
	Reason     string   `json:"reason,omitempty"`
	DurationMS int64    `json:"duration_ms"`
	Attempts   int      `json:"attempts,omitempty"`
	OutputTail []string `json:"output_tail,omitempty"`
	Diff       string   `json:"diff,omitempty"`
	// Outputs is what each command of the step printed in this run,
	// each bounded by MaxCommandOutput (optional; the site shows it
	// beside the article's expected output).
	Outputs []CommandOutput `json:"outputs,omitempty"`
	// History is this step's outcome in the last HistoryLen runs of the
	// lab on this Kubernetes version, oldest first, this run included.
	History []Outcome `json:"history,omitempty"`
	// Record summarizes History (computed by Write; read-only data for the
	// site).
	Record *Record `json:"record,omitempty"`
}

// MaxCommandOutput bounds the output of one command kept in Step.Outputs:
// the first 64 KiB.
const MaxCommandOutput = 64 << 10

// CommandOutput is what one command printed.
type CommandOutput struct {
	Cmd       string `json:"cmd"`
	Output    string `json:"output"`
	Truncated bool   `json:"truncated,omitempty"` // cut at MaxCommandOutput
}

// NewCommandOutput bounds out at MaxCommandOutput.
func NewCommandOutput(cmd, out string) CommandOutput {
	if len(out) > MaxCommandOutput {
		return CommandOutput{Cmd: cmd, Output: out[:MaxCommandOutput], Truncated: true}
	}
	return CommandOutput{Cmd: cmd, Output: out}
}

// Duration returns the step's duration.
func (s *Step) Duration() time.Duration { return time.Duration(s.DurationMS) * time.Millisecond }

// Tally counts step statuses into r.Counts and sets r.Status.
func (r *Run) Tally() {
	r.Counts = map[Status]int{}
	failed := false
	for _, s := range r.Steps {
		r.Counts[s.Status]++
		if s.Status == Fail {
			failed = true
		}
	}
	if len(r.Leaks) > 0 {
		failed = true
	}
	if failed {
		r.Status = Fail
	} else if r.Status == "" {
		r.Status = Pass
	}
}

// Path is where a lab's results are written.
func Path(dir, lab string) string { return filepath.Join(dir, lab+".json") }

// MaxFileSize bounds a results file. The largest a lab writes is far
// smaller (each command's output is cut at MaxCommandOutput, each step
// keeps HistoryLen outcomes); a file over it is refused before it is
// parsed, so a huge file costs neither minutes nor gigabytes.
const MaxFileSize = 16 << 20

// Read reads a results file; a missing file gives (nil, nil). A symbolic
// link or a file over MaxFileSize is a FormatError.
func Read(path string) (*File, error) {
	root, err := openParent(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer root.Close()
	b, err := readRegular(root, filepath.Base(path), path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return Parse(path, b)
}

// readRegular reads name in root: a regular file of at most MaxFileSize
// (path is its name for errors).
func readRegular(root *os.Root, name, path string) ([]byte, error) {
	fi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if err := regular(path, fi); err != nil {
		return nil, err
	}
	f, err := root.Open(name)
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	defer f.Close()
	// The size is checked again on what is read: the file may have grown.
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("read results: %w", err)
	}
	if len(b) > MaxFileSize {
		return nil, tooBig(path, int64(len(b)))
	}
	return b, nil
}

// regular refuses what is not a regular results file of a readable size.
func regular(path string, fi fs.FileInfo) error {
	switch {
	case fi.Mode()&fs.ModeSymlink != 0:
		return &FormatError{Path: path, Msg: "symbolic link: advent neither reads nor writes results through a link; copy the file instead"}
	case !fi.Mode().IsRegular():
		return &FormatError{Path: path, Msg: "not a regular file"}
	case fi.Size() > MaxFileSize:
		return tooBig(path, fi.Size())
	}
	return nil
}

func tooBig(path string, size int64) error {
	return &FormatError{Path: path, Msg: fmt.Sprintf("%d bytes: a results file is at most %d bytes (%d MiB)", size, MaxFileSize, MaxFileSize>>20)}
}

// Parse reads the results file b (named path, for errors): JSON of the
// current or the previous Schema, at most MaxFileSize bytes.
func Parse(path string, b []byte) (*File, error) {
	if len(b) > MaxFileSize {
		return nil, tooBig(path, int64(len(b)))
	}
	var f File
	if err := json.Unmarshal(b, &f); err != nil {
		fe := &FormatError{Path: path, Msg: err.Error()}
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			fe.Line, fe.Col = lineCol(b, se.Offset)
		case errors.As(err, &te):
			fe.Line, fe.Col = lineCol(b, te.Offset)
			fe.Msg = fmt.Sprintf("%q is a JSON %s, want %s", te.Field, te.Value, te.Type)
		}
		return nil, fe
	}
	if f.Schema != Schema && f.Schema != SchemaV1 {
		return nil, &FormatError{Path: path, Msg: fmt.Sprintf("schema %q, want %q (or %q)", f.Schema, Schema, SchemaV1)}
	}
	if len(f.Runs) > MaxRuns {
		return nil, &FormatError{Path: path, Msg: fmt.Sprintf("%d runs: a results file holds one run per Kubernetes version, at most %d", len(f.Runs), MaxRuns)}
	}
	return &f, nil
}

// MaxRuns bounds the runs of one results file (one per Kubernetes
// version): merging a run costs a pass over the file's runs.
const MaxRuns = 100

// FormatError is a file that is not a results file, at path:line:col
// (Line and Col 1-based, 0 when unknown) as internal/diag says it.
type FormatError diag.Error

func (e *FormatError) Error() string { return (*diag.Error)(e).Error() }

// lineCol turns a byte offset (just past the problem) into a line and
// column.
func lineCol(b []byte, off int64) (int, int) {
	if off > int64(len(b)) {
		off = int64(len(b))
	}
	line, col := 1, 1
	for _, c := range b[:max(off-1, 0)] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return line, col
}

// Latest returns the run for a Kubernetes version, or nil.
func (f *File) Latest(kubernetes string) *Run {
	if f == nil {
		return nil
	}
	for _, r := range f.Runs {
		if r.Kubernetes == kubernetes {
			return r
		}
	}
	return nil
}

// Merge puts run into f: it replaces the run of the same Kubernetes
// version unless that one started later, each step's history takes in both
// runs' outcomes (see mergeRun), runs stay ordered by version and
// FirstFailing is recomputed. An Unchanged run (nothing ran) is ignored.
func (f *File) Merge(run *Run) {
	if run.Status == Unchanged {
		return
	}
	out := f.Runs[:0]
	merged := run
	for _, s := range run.Steps {
		s.History = mergeHistory(history(run, s))
	}
	for _, r := range f.Runs {
		if r.Kubernetes == run.Kubernetes {
			merged = mergeRun(r, run)
		} else {
			out = append(out, r)
		}
	}
	f.Runs = append(out, merged)
	SortRuns(f.Runs)
	f.FirstFailing = Bisect(f.Runs)
}

// SortRuns orders runs by Kubernetes version, oldest first
// (images.VersionLess: v1.9.0 before v1.10.0).
func SortRuns(runs []*Run) {
	sort.SliceStable(runs, func(i, j int) bool { return images.VersionLess(runs[i].Kubernetes, runs[j].Kubernetes) })
}

// Bisect names the first Kubernetes version that fails after a version
// that passes, in version order; "" when there is no such boundary.
func Bisect(runs []*Run) string {
	sorted := append([]*Run(nil), runs...)
	SortRuns(sorted)
	passed := false
	for _, r := range sorted {
		switch r.Status {
		case Pass:
			passed = true
		case Fail:
			if passed {
				return r.Kubernetes
			}
		}
	}
	return ""
}

// Write writes f atomically in the current Schema, with every step's
// Record computed from its History.
func Write(path string, f *File) error {
	f.Schema = Schema
	for _, r := range f.Runs {
		for _, s := range r.Steps {
			s.Record = Summarize(s.History)
		}
	}
	b, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return WriteBytes(path, append(b, '\n'))
}

// WriteBytes writes b to path whole or not at all (internal/rootfs),
// through an os.Root of its directory: neither the directory nor the file
// may be a symbolic link (a FormatError).
func WriteBytes(path string, b []byte) error {
	dir, name := filepath.Dir(path), filepath.Base(path)
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return &FormatError{Path: dir, Msg: "symbolic link: advent writes results only into a real directory"}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	defer root.Close()
	err = rootfs.WriteFile(root, name, b, 0o644)
	switch {
	case errors.Is(err, rootfs.ErrSymlink):
		return &FormatError{Path: path, Msg: "symbolic link: advent does not write results through a link; remove it"}
	case err != nil:
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// openParent opens path's directory as an os.Root; the directory may not
// be a symbolic link.
func openParent(path string) (*os.Root, error) {
	dir := filepath.Dir(path)
	fi, err := os.Lstat(dir)
	if err != nil {
		return nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &FormatError{Path: dir, Msg: "symbolic link: advent neither reads nor writes results through a link"}
	}
	return os.OpenRoot(dir)
}

// Tail returns the last n lines of out.
func Tail(out string, n int) []string {
	lines := strings.Split(strings.TrimRight(out, "\n"), "\n")
	if len(lines) == 1 && lines[0] == "" {
		return nil
	}
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return lines
}
