package cli

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"

	"github.com/sysadvent/advent/internal/diag"
	"github.com/sysadvent/advent/internal/eol"
	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/xexec"
)

func init() {
	register(define("versions", "[-root DIR] [-results DIR] [-on YYYY-MM-DD] [-proxy=false] [-json]",
		"list the tool and Kubernetes versions the labs pin and were verified on, the newest the module proxy serves, and their end of life; exit 1 when one is past it",
		(*versionsFlags).bind, runVersions).withLong(versionsLong))
}

const versionsLong = `List the versions the labs depend on, each with its end of life
(internal/eol):

  tool             kind, helm and kubectl at the versions go.mod pins
  air-gapped node  the Kubernetes versions advent images build makes
  kind node        the node images kind publishes for its release
  verified         the Kubernetes and tool versions of each lab's latest runs

NEWEST is the newest release the Go module proxy serves ($GOPROXY, asked
with go list -m -versions): of the same major for a tool, of the same minor
for Kubernetes; a newer major of a tool is named after it.

Exit 1 when a pinned version is past end of life (a kind node image when
online runs use it), or a lab's latest verification ran only on Kubernetes
releases past it.`

// versionsFlags is the flagpole of `versions`.
type versionsFlags struct {
	root, results, on string
	proxy, json       bool
}

func (f *versionsFlags) bind(fs *flag.FlagSet) {
	fs.StringVar(&f.root, "root", ".", "project root holding go.mod")
	fs.StringVar(&f.results, "results", "results", "directory of results/<lab>.json (relative to the root)")
	fs.StringVar(&f.on, "on", "", "judge end of life on this day (default today)")
	fs.BoolVar(&f.proxy, "proxy", true, "ask the Go module proxy for the newest versions")
	fs.BoolVar(&f.json, "json", false, "print the versions as JSON")
}

// pinKind says where a version comes from.
type pinKind string

const (
	pinTool      pinKind = "tool"
	pinAirGapped pinKind = "air-gapped node"
	pinKindNode  pinKind = "kind node"
	pinVerified  pinKind = "verified"
)

// k8sModule is the module whose versions are Kubernetes releases.
const k8sModule = "k8s.io/kubernetes"

// versionRow is one version the labs depend on.
type versionRow struct {
	Kind    pinKind `json:"kind"`
	Name    string  `json:"name"` // kind, helm, kubectl, kubernetes
	Module  string  `json:"module,omitempty"`
	Version string  `json:"version"`
	// Newest is the newest release of the same major (tools) or minor
	// (Kubernetes) the module proxy serves; NewerMajor a tool's next
	// major module and its newest release.
	Newest     string `json:"newest,omitempty"`
	NewerMajor string `json:"newer_major,omitempty"`
	Release    string `json:"release,omitempty"`     // "Kubernetes 1.33", "" without end-of-life data
	EndOfLife  string `json:"end_of_life,omitempty"` // YYYY-MM-DD, "" when none is announced
	Source     string `json:"source,omitempty"`      // of the end-of-life date
	PastEOL    bool   `json:"past_end_of_life"`
	// Online is set on a kind node image that online runs use.
	Online bool `json:"online,omitempty"`
	// Labs are the labs whose latest runs used a verified version.
	Labs []string `json:"labs,omitempty"`
}

// versionsReport is the output of `advent versions -json`.
type versionsReport struct {
	On        string       `json:"on"`
	Supported []string     `json:"supported"` // "Kubernetes 1.35 to 1.37", "Helm 3 to 4"
	Versions  []versionRow `json:"versions"`
	// OnlyPastEOL are the labs whose latest verification ran only on
	// Kubernetes releases past end of life.
	OnlyPastEOL []string `json:"only_past_end_of_life,omitempty"`
}

func runVersions(e *invocation, f *versionsFlags, args []string) error {
	if err := noArgs("versions", args); err != nil {
		return err
	}
	on := time.Now().UTC().Truncate(24 * time.Hour)
	if f.on != "" {
		t, err := time.Parse(time.DateOnly, f.on)
		if err != nil {
			return diag.Usagef("-on %q: want YYYY-MM-DD", f.on)
		}
		on = t
	}
	ps := pins()
	rows, err := pinnedVersions(f.root, ps)
	if err != nil {
		return err
	}
	results := f.results
	if !filepath.IsAbs(results) {
		results = filepath.Join(f.root, results)
	}
	st, err := report.LoadStore(results)
	if err != nil {
		return err
	}
	verified, only := verifiedVersions(st, ps.tools, on)
	rows = append(rows, verified...)
	if f.proxy {
		if err := addNewest(e, rows); err != nil {
			return err
		}
	}
	rep := versionsReport{On: on.Format(time.DateOnly), Versions: rows, OnlyPastEOL: only}
	for _, p := range eol.Products {
		if s := eol.SupportedRange(p, on); s != "" {
			rep.Supported = append(rep.Supported, s)
		}
	}
	for i := range rep.Versions {
		judge(&rep.Versions[i], on)
	}
	if f.json {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(rep); err != nil {
			return err
		}
	} else if err := printVersions(e, rep); err != nil {
		return err
	}
	return versionsVerdict(e, rep)
}

// pinSources are the versions the labs pin besides go.mod's: what
// internal/images builds and what kind publishes.
type pinSources struct {
	tools     []images.Tool
	airGapped []string // Kubernetes versions of the air-gapped set
	kindNodes []string // Kubernetes versions of kind's published node images
	online    []string // those online runs use
}

// pins returns where the pins are read from; tests replace it.
var pins = func() pinSources {
	ps := pinSources{tools: images.Tools(), airGapped: images.K8sVersions(images.AirGapped), online: images.K8sVersions(images.Online)}
	for _, n := range images.KindNodeImages() {
		ps.kindNodes = append(ps.kindNodes, n.Kubernetes)
	}
	return ps
}

// pinnedVersions reads the tools' versions from go.mod and the node
// images' from ps.
func pinnedVersions(root string, ps pinSources) ([]versionRow, error) {
	path := filepath.Join(root, "go.mod")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	mf, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		var bad modfile.ErrorList
		if errors.As(err, &bad) && len(bad) > 0 {
			return nil, diag.Errorf(path, bad[0].Pos.Line, bad[0].Pos.LineRune, "%v", bad[0].Err)
		}
		return nil, diag.Errorf(path, 0, 0, "%v", err)
	}
	var rows []versionRow
	for _, t := range ps.tools {
		i := slices.IndexFunc(mf.Require, func(r *modfile.Require) bool { return r.Mod.Path == t.Module })
		if i < 0 {
			return nil, diag.Errorf(path, 0, 0, "requires no %s, the module of %s", t.Module, t.Name)
		}
		rows = append(rows, versionRow{Kind: pinTool, Name: t.Name, Module: t.Module, Version: mf.Require[i].Mod.Version})
	}
	for _, v := range ps.airGapped {
		rows = append(rows, versionRow{Kind: pinAirGapped, Name: "kubernetes", Module: k8sModule, Version: v})
	}
	for _, v := range ps.kindNodes {
		rows = append(rows, versionRow{Kind: pinKindNode, Name: "kubernetes", Module: k8sModule, Version: v, Online: slices.Contains(ps.online, v)})
	}
	return rows, nil
}

// verifiedVersions are the Kubernetes and tool versions of each lab's
// latest run per Kubernetes version, and the labs verified only on
// Kubernetes releases past end of life.
func verifiedVersions(st report.Store, tools []images.Tool, on time.Time) (rows []versionRow, only []string) {
	index := map[[2]string]int{}
	add := func(name, v, lab string) {
		if v == "" {
			return
		}
		k := [2]string{name, v}
		i, ok := index[k]
		if !ok {
			i = len(rows)
			index[k] = i
			rows = append(rows, versionRow{Kind: pinVerified, Name: name, Version: v})
		}
		if !slices.Contains(rows[i].Labs, lab) {
			rows[i].Labs = append(rows[i].Labs, lab)
		}
	}
	for _, name := range st.Labs() {
		f := st[name]
		var k8s []string
		for _, r := range f.Runs {
			if r.Kubernetes != "" && !slices.Contains(k8s, r.Kubernetes) {
				k8s = append(k8s, r.Kubernetes)
			}
		}
		images.SortVersions(k8s)
		for _, v := range k8s {
			run := f.Latest(v)
			add("kubernetes", v, name)
			for _, t := range tools {
				add(t.Name, run.Versions.Get(report.Tool(t.Name)), name)
			}
		}
		if eol.OnlyPastEOL(eol.Kubernetes, k8s, on) {
			only = append(only, name)
		}
	}
	slices.SortStableFunc(rows, func(a, b versionRow) int {
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return semver.Compare(a.Version, b.Version)
	})
	return rows, only
}

// release is the end-of-life cycle a row's version belongs to. kubectl's
// module k8s.io/kubectl v0.37.0 is Kubernetes 1.37 (a staging module).
func release(r versionRow) (eol.Product, string, bool) {
	switch r.Name {
	case "kubernetes":
		return eol.Kubernetes, r.Version, true
	case "helm":
		return eol.Helm, r.Version, true
	case "kubectl":
		if v := r.Version; strings.HasPrefix(v, "v0.") {
			return eol.Kubernetes, "v1." + strings.TrimPrefix(v, "v0."), true
		}
		return eol.Kubernetes, r.Version, true
	}
	return "", "", false
}

// judge fills in a row's end of life.
func judge(r *versionRow, on time.Time) {
	p, v, ok := release(*r)
	if !ok {
		return
	}
	rel, err := eol.Lookup(p, v)
	if err == nil {
		r.Release, r.Source = rel.String(), rel.Source
		if !rel.EndOfLife.IsZero() {
			r.EndOfLife = rel.EndOfLife.Format(time.DateOnly)
		}
	}
	r.PastEOL, _ = eol.VersionPastEOL(p, v, on)
}

// addNewest asks the module proxy, in one go list, for every module's
// versions and a tool's next major, and fills in Newest and NewerMajor.
func addNewest(e *invocation, rows []versionRow) error {
	var mods []string
	for _, r := range rows {
		if r.Module != "" && !slices.Contains(mods, r.Module) {
			mods = append(mods, r.Module)
			if next := nextMajor(r.Module); next != "" {
				mods = append(mods, next)
			}
		}
	}
	served, failed, err := proxyVersions(e, mods)
	if err != nil {
		return err
	}
	for i := range rows {
		r := &rows[i]
		if r.Module == "" {
			continue
		}
		// A next major may not exist; the pinned module must.
		if msg, ok := failed[r.Module]; ok {
			return fmt.Errorf("go list -m -versions %s: %s", r.Module, msg)
		}
		prefix := semver.Major(r.Version)
		if r.Name == "kubernetes" {
			prefix = semver.MajorMinor(r.Version)
		}
		r.Newest = newest(served[r.Module], prefix)
		if next := nextMajor(r.Module); next != "" {
			if v := newest(served[next], ""); v != "" {
				r.NewerMajor = next + " " + v
			}
		}
	}
	return nil
}

// nextMajor is the module path of a /vN module's next major ("" for v0
// and v1 modules, whose next major the proxy cannot be asked about
// without guessing a path).
func nextMajor(mod string) string {
	prefix, major, ok := module.SplitPathVersion(mod)
	if !ok || major == "" {
		return ""
	}
	var n int
	if _, err := fmt.Sscanf(major, "/v%d", &n); err != nil {
		return ""
	}
	return fmt.Sprintf("%s/v%d", prefix, n+1)
}

// newest is the newest release (no pre-release) among vs starting with
// prefix ("v1.33", "v3" or "" for any).
func newest(vs []string, prefix string) string {
	best := ""
	for _, v := range vs {
		if semver.Prerelease(v) != "" || (prefix != "" && semver.MajorMinor(v) != prefix && semver.Major(v) != prefix) {
			continue
		}
		if best == "" || semver.Compare(v, best) > 0 {
			best = v
		}
	}
	return best
}

// proxyVersions runs go list -m -versions for mods outside any module
// (so the project's go.mod and vendor settings do not apply) and returns
// each module's versions, and go's error for each it could not list.
func proxyVersions(e *invocation, mods []string) (served map[string][]string, failed map[string]string, err error) {
	dir, err := os.MkdirTemp("", "advent-versions-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	args := append([]string{"list", "-m", "-e", "-json", "-versions"}, mods...)
	out, err := xexec.Command("go", args...).WithDir(dir).WithEnv("GOWORK=off", "GOFLAGS=").
		WithTimeout(2 * time.Minute).Output(e.ctx)
	if err != nil {
		return nil, nil, err
	}
	served, failed = map[string][]string{}, map[string]string{}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var m struct {
			Path     string
			Versions []string
			Error    *struct{ Err string }
		}
		if err := dec.Decode(&m); err != nil {
			return nil, nil, fmt.Errorf("go list -m -versions: %w", err)
		}
		if m.Error != nil {
			failed[m.Path] = m.Error.Err
		}
		served[m.Path] = m.Versions
	}
	return served, failed, nil
}

func printVersions(e *invocation, rep versionsReport) error {
	var table strings.Builder
	tw := tabwriter.NewWriter(&table, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tVERSION\tNEWEST\tEND OF LIFE\t")
	for _, r := range rep.Versions {
		end := "-"
		if r.Release != "" {
			end = r.Release + ": none announced"
			if r.EndOfLife != "" {
				end = r.Release + ": " + r.EndOfLife
			}
		}
		if r.PastEOL {
			end += " (past)"
		}
		var notes []string
		if r.NewerMajor != "" {
			notes = append(notes, "newer major "+r.NewerMajor)
		}
		if len(r.Labs) > 0 {
			notes = append(notes, "labs: "+strings.Join(r.Labs, ", "))
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Kind, r.Name, r.Version, orDash(r.Newest), end, strings.Join(notes, "; "))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	// The last column is often empty: drop the padding before it.
	for line := range strings.Lines(table.String()) {
		fmt.Fprintln(e.stdout, strings.TrimRight(line, " \n"))
	}
	fmt.Fprintf(e.stdout, "\nSupported on %s: %s.\n", rep.On, strings.Join(rep.Supported, "; "))
	return nil
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// versionsVerdict prints what is past end of life and returns errFailed
// when a pinned version is (a kind node image only when online runs use
// it), or a lab was verified only on such releases.
func versionsVerdict(e *invocation, rep versionsReport) error {
	failed := false
	for _, r := range rep.Versions {
		if !r.PastEOL || r.Kind == pinVerified || (r.Kind == pinKindNode && !r.Online) {
			continue
		}
		since := "older than the end-of-life table"
		if r.Release != "" {
			since = r.Release + " since " + r.EndOfLife
		}
		fmt.Fprintf(e.stderr, "%s %s %s is past end of life (%s)\n", r.Kind, r.Name, r.Version, since)
		failed = true
	}
	for _, l := range rep.OnlyPastEOL {
		fmt.Fprintf(e.stderr, "lab %s: verified only on Kubernetes releases past end of life\n", l)
		failed = true
	}
	if failed {
		return errFailed
	}
	return nil
}
