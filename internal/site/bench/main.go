// Command bench measures how long `advent build` takes against plain Hugo
// of the same version, on the same corpus with the same layouts: the real
// content, a generated corpus of -articles articles and -imported articles
// that advent import made, with hyperfine in
// alternating rounds, and the peak memory under /usr/bin/time -v. It needs
// hyperfine and GNU time; `make bench` runs it. docs/benchmarks.md says how
// it measures and what it writes.
//
//	go run ./internal/site/bench [-articles 1000] [-imported 500] [-corpus real,generated,imported] [-runs 7] [-out artifacts/bench] [-keep]
//	go run ./internal/site/bench -generate DIR [-articles 1000]   # the corpus only
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/benchstat"
	"github.com/sysadvent/advent/internal/content"
)

// Target is the ratio advent build may reach against plain Hugo.
const Target = 1.2

type measure struct {
	// Wall-clock time.
	benchstat.Summary
	// CPU time (user + system), less sensitive than wall-clock time to
	// other work on the machine.
	CPUMedian float64 `json:"cpu_median_s"`
	MaxRSS    int64   `json:"max_rss_kb"`
}

type corpusResult struct {
	Corpus   string  `json:"corpus"`
	Articles int     `json:"articles"`
	Pages    int     `json:"html_pages"`
	Advent   measure `json:"advent"`
	Hugo     measure `json:"hugo"`
	Ratio    float64 `json:"ratio"`     // advent median / hugo median (wall clock)
	CPURatio float64 `json:"cpu_ratio"` // advent CPU median / hugo CPU median
	// PairedRatio is the median over the rounds of advent / hugo in the
	// same round (run back to back).
	PairedRatio float64  `json:"paired_ratio"`
	Load        []string `json:"loadavg"` // /proc/loadavg before and after
}

type report struct {
	When    time.Time      `json:"when"`
	Hugo    string         `json:"hugo_version"`
	CPUs    string         `json:"cpus"`
	Target  float64        `json:"target_ratio"`
	Results []corpusResult `json:"results"`
}

func main() {
	articles := flag.Int("articles", 1000, "size of the generated corpus")
	runs := flag.Int("runs", 7, "runs per command and corpus (rounds of one run each, alternating)")
	out := flag.String("out", filepath.Join("artifacts", "bench"), "directory for the report and the hyperfine exports")
	keep := flag.Bool("keep", false, "keep the temporary directory (binaries, corpora, outputs)")
	only := flag.String("generate", "", "only write the generated corpus into this directory, and exit")
	imported := flag.Int("imported", 500, "size of the imported corpus")
	corpora := flag.String("corpus", "real,generated,imported", "the corpora to measure, comma-separated")
	flag.Parse()
	if *only != "" {
		root, err := moduleRoot()
		if err == nil {
			err = copyProject(root, *only)
		}
		if err == nil {
			err = generate(root, *only, *articles)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*articles, *imported, strings.Split(*corpora, ","), *runs, *out, *keep); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(articles, imported int, corpora []string, runs int, out string, keep bool) error {
	for _, tool := range []string{"hyperfine", "/usr/bin/time"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not installed (apt-get install -y hyperfine time)", tool)
		}
	}
	root, err := moduleRoot()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "advent-bench-")
	if err != nil {
		return err
	}
	if keep {
		fmt.Println("bench: keeping", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}

	bin := filepath.Join(tmp, "bin")
	fmt.Println("bench: building advent and hugo")
	if err := goBuild(root, filepath.Join(bin, "advent"), "./cmd/advent"); err != nil {
		return err
	}
	if err := goBuild(root, filepath.Join(bin, "hugo"), "github.com/gohugoio/hugo"); err != nil {
		return err
	}
	hv, _ := exec.Command(filepath.Join(bin, "hugo"), "version").Output()

	real := filepath.Join(tmp, "real")
	if err := copyProject(root, real); err != nil {
		return err
	}
	type corpus struct{ name, dir string }
	var measured []corpus
	for _, c := range corpora {
		switch c {
		case "real":
			measured = append(measured, corpus{"real", real})
		case "generated":
			gen := filepath.Join(tmp, fmt.Sprintf("generated-%d", articles))
			if err := copyProject(root, gen); err != nil {
				return err
			}
			if err := generate(real, gen, articles); err != nil {
				return err
			}
			measured = append(measured, corpus{fmt.Sprintf("generated-%d", articles), gen})
		case "imported":
			imp := filepath.Join(tmp, fmt.Sprintf("imported-%d", imported))
			if err := importedCorpus(root, imp, imported); err != nil {
				return err
			}
			measured = append(measured, corpus{fmt.Sprintf("imported-%d", imported), imp})
		default:
			return fmt.Errorf("-corpus %q: want real, generated or imported", c)
		}
	}

	rep := report{When: time.Now().UTC(), Hugo: strings.TrimSpace(string(hv)), CPUs: cpus(), Target: Target}
	for _, c := range measured {
		r, err := bench(bin, c.name, c.dir, tmp, out, runs)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		rep.Results = append(rep.Results, r)
	}

	md := markdown(rep)
	fmt.Print("\n" + md)
	b, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(filepath.Join(out, "bench.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(out, "bench.md"), []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Printf("bench: wrote %s and %s\n", filepath.Join(out, "bench.md"), filepath.Join(out, "bench.json"))
	for _, r := range rep.Results {
		if r.Ratio > Target || r.PairedRatio > Target || r.CPURatio > Target {
			fmt.Printf("bench: %s: advent build is %.2f× plain Hugo (paired %.2f×, CPU %.2f×), over the %.1f× target\n", r.Corpus, r.Ratio, r.PairedRatio, r.CPURatio, Target)
		}
	}
	return nil
}

func bench(bin, name, corpus, tmp, out string, runs int) (corpusResult, error) {
	res := corpusResult{Corpus: name}
	arts, err := content.LoadDir(corpus, "content")
	if err != nil {
		return res, err
	}
	res.Articles = len(content.Articles(arts))
	outA := filepath.Join(tmp, "out-"+name+"-advent")
	outH := filepath.Join(tmp, "out-"+name+"-hugo")
	advent := []string{filepath.Join(bin, "advent"), "build", "-quiet", "-root", corpus, "-dest", outA}
	hugo := []string{filepath.Join(bin, "hugo"), "--config", "site.toml", "--source", corpus, "--destination", outH, "--quiet", "--logLevel", "warn"}

	// One run each first: advent writes the site data that Hugo then
	// reads too, and both outputs must have the same pages.
	fmt.Printf("bench: %s: %d articles\n", name, res.Articles)
	for _, cmd := range [][]string{advent, hugo} {
		if b, err := exec.Command(cmd[0], cmd[1:]...).CombinedOutput(); err != nil {
			return res, fmt.Errorf("%s: %v\n%s", filepath.Base(cmd[0]), err, b)
		}
	}
	pa, ph := countHTML(outA), countHTML(outH)
	if pa != ph || pa == 0 {
		return res, fmt.Errorf("advent wrote %d HTML pages, hugo %d", pa, ph)
	}
	res.Pages = pa

	// Rounds of one run of each command, in alternating order, so that a
	// change of the machine's load hits both alike.
	res.Load = append(res.Load, benchstat.LoadAvg())
	times, cpu := map[string][]float64{}, map[string][]float64{}
	var paired []float64
	for i := 0; i < runs; i++ {
		first, second := []string{"advent build", shellJoin(advent)}, []string{"hugo", shellJoin(hugo)}
		if i%2 == 1 {
			first, second = second, first
		}
		export := filepath.Join(out, fmt.Sprintf("hyperfine-%s-%02d.json", name, i+1))
		hf := exec.Command("hyperfine", "--runs", "1", "--style", "basic",
			"--prepare", "rm -rf "+shellQuote(outA)+" "+shellQuote(outH),
			"--export-json", export,
			"-n", first[0], first[1], "-n", second[0], second[1])
		hf.Stdout, hf.Stderr = os.Stdout, os.Stderr
		if err := hf.Run(); err != nil {
			return res, fmt.Errorf("hyperfine: %w", err)
		}
		b, err := os.ReadFile(export)
		if err != nil {
			return res, err
		}
		var h struct {
			Results []struct {
				Command string    `json:"command"`
				Times   []float64 `json:"times"`
				User    float64   `json:"user"` // with one run: that run's
				System  float64   `json:"system"`
			} `json:"results"`
		}
		if err := json.Unmarshal(b, &h); err != nil {
			return res, fmt.Errorf("hyperfine export %s: %w", export, err)
		}
		round := map[string]float64{}
		for _, r := range h.Results {
			if len(r.Times) != 1 {
				return res, fmt.Errorf("hyperfine export %s: %d runs of %s, want 1", export, len(r.Times), r.Command)
			}
			times[r.Command] = append(times[r.Command], r.Times[0])
			cpu[r.Command] = append(cpu[r.Command], r.User+r.System)
			round[r.Command] = r.Times[0]
		}
		if round["hugo"] > 0 {
			paired = append(paired, round["advent build"]/round["hugo"])
		}
	}
	res.Load = append(res.Load, benchstat.LoadAvg())
	res.Advent.Summary, res.Hugo.Summary = benchstat.Of(times["advent build"]), benchstat.Of(times["hugo"])
	if res.Hugo.Median == 0 || res.Advent.Median == 0 {
		return res, fmt.Errorf("the hyperfine exports lack a command")
	}
	res.Advent.CPUMedian, res.Hugo.CPUMedian = benchstat.Of(cpu["advent build"]).Median, benchstat.Of(cpu["hugo"]).Median
	res.CPURatio = res.Advent.CPUMedian / res.Hugo.CPUMedian
	res.PairedRatio = benchstat.Of(paired).Median
	res.Ratio = res.Advent.Median / res.Hugo.Median

	for i := 0; i < 3; i++ {
		for _, c := range []struct {
			cmd  []string
			out  string
			into *int64
		}{{advent, outA, &res.Advent.MaxRSS}, {hugo, outH, &res.Hugo.MaxRSS}} {
			os.RemoveAll(c.out)
			rss, err := maxRSS(c.cmd)
			if err != nil {
				return res, err
			}
			*c.into = max(*c.into, rss)
		}
	}
	return res, nil
}

var rssRE = regexp.MustCompile(`Maximum resident set size \(kbytes\): (\d+)`)

// maxRSS runs cmd under GNU time and returns its peak resident set size.
func maxRSS(cmd []string) (int64, error) {
	var stderr bytes.Buffer
	c := exec.Command("/usr/bin/time", append([]string{"-v"}, cmd...)...)
	c.Stderr = &stderr
	if err := c.Run(); err != nil {
		return 0, fmt.Errorf("%s: %v\n%s", filepath.Base(cmd[0]), err, stderr.String())
	}
	m := rssRE.FindStringSubmatch(stderr.String())
	if m == nil {
		return 0, fmt.Errorf("no max RSS in the output of /usr/bin/time -v")
	}
	return strconv.ParseInt(m[1], 10, 64)
}

func markdown(rep report) string {
	var b strings.Builder
	fmt.Fprintf(&b, "advent build vs plain Hugo (%s), %s, %s CPUs\n\n", rep.Hugo, rep.When.Format(time.RFC3339), rep.CPUs)
	fmt.Fprintf(&b, "| corpus | articles | pages | advent median | hugo median | ratio | paired ratio | advent CPU | hugo CPU | CPU ratio | advent max RSS | hugo max RSS | load before → after |\n")
	fmt.Fprintf(&b, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, r := range rep.Results {
		fmt.Fprintf(&b, "| %s | %d | %d | %.3f s ± %.3f | %.3f s ± %.3f | %.2f× | %.2f× | %.3f s | %.3f s | %.2f× | %s | %s | %s |\n",
			r.Corpus, r.Articles, r.Pages, r.Advent.Median, r.Advent.Stddev, r.Hugo.Median, r.Hugo.Stddev, r.Ratio, r.PairedRatio,
			r.Advent.CPUMedian, r.Hugo.CPUMedian, r.CPURatio, mib(r.Advent.MaxRSS), mib(r.Hugo.MaxRSS), strings.Join(r.Load, " → "))
	}
	fmt.Fprintf(&b, "\nTarget: advent build ≤ %.1f× plain Hugo. Medians of %d runs after a warm-up, in rounds of one run each in alternating order;\n", rep.Target, rep.Results[0].Advent.Runs)
	fmt.Fprintf(&b, "paired ratio: median of advent/hugo within a round; CPU: user + system time; max RSS: largest of 3 runs.\n")
	fmt.Fprintf(&b, "On a shared machine (load average above the CPU count) wall-clock times swing between rounds: read the paired and CPU ratios.\n")
	return b.String()
}

func mib(kb int64) string { return fmt.Sprintf("%.0f MiB", float64(kb)/1024) }

// generate writes n articles into dst/content, made from the articles of
// src: 25 a year (December 1-25), going back from 2019.
func generate(src, dst string, n int) error {
	arts, err := content.LoadDir(src, "content")
	if err != nil {
		return err
	}
	arts = content.Articles(arts)
	if len(arts) == 0 {
		return fmt.Errorf("no articles in %s", src)
	}
	sort.Slice(arts, func(i, j int) bool { return arts[i].Path < arts[j].Path })
	if err := os.RemoveAll(filepath.Join(dst, "content")); err != nil {
		return err
	}
	if err := copyFile(filepath.Join(src, "content", "_index.md"), filepath.Join(dst, "content", "_index.md")); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		a := arts[i%len(arts)]
		year, day := 2019-i/25, i%25+1
		dir := filepath.Join(dst, "content", strconv.Itoa(year))
		if day == 1 {
			idx := fmt.Sprintf("---\ntitle: \"SysAdvent %d\"\nyear: %d\n---\n\nGenerated for the benchmark.\n", year, year)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(dir, "_index.md"), []byte(idx), 0o644); err != nil {
				return err
			}
		}
		srcText, err := os.ReadFile(filepath.Join(src, filepath.FromSlash(a.Path)))
		if err != nil {
			return err
		}
		text := string(srcText)
		title, _ := json.Marshal(fmt.Sprintf("%s (#%d)", a.Title, i+1))
		text = replaceField(text, "title", string(title))
		text = replaceField(text, "date", fmt.Sprintf("%d-12-%02d", year, day))
		text = replaceField(text, "day", strconv.Itoa(day))
		text = replaceField(text, "year", strconv.Itoa(year))
		if a.Lab != "" {
			lab := fmt.Sprintf("%s-%d", a.Lab, i+1)
			text = replaceField(text, "lab", lab)
			text = strings.ReplaceAll(text, `lab="`+a.Lab+`"`, `lab="`+lab+`"`)
		}
		slug := strings.TrimSuffix(filepath.Base(a.Path), ".md")
		if k := strings.IndexByte(slug, '-'); k >= 0 {
			slug = slug[k+1:]
		}
		name := fmt.Sprintf("%02d-%s.md", day, slug)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// replaceField replaces the value of a top-level front matter key.
func replaceField(text, key, value string) string {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(key) + `:.*$`)
	done := false
	return re.ReplaceAllStringFunc(text, func(s string) string {
		if done {
			return s
		}
		done = true
		return key + ": " + value
	})
}

// copyProject copies what a build reads from the project at root into
// dst, each part replacing the one dst had (-generate may be given a
// directory that holds an older copy).
func copyProject(root, dst string) error {
	if err := copyFile(filepath.Join(root, "site.toml"), filepath.Join(dst, "site.toml")); err != nil {
		return err
	}
	for _, part := range []string{"layouts", "assets", "content", "static", "data"} {
		target := filepath.Join(dst, part)
		if err := os.RemoveAll(target); err != nil {
			return err
		}
		if err := os.CopyFS(target, os.DirFS(filepath.Join(root, part))); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return os.WriteFile(dst, b, 0o644)
}

func countHTML(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".html") {
			n++
		}
		return nil
	})
	return n
}

func goBuild(root, out, pkg string) error {
	c := exec.Command("go", "build", "-o", out, pkg)
	c.Dir = root
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		return fmt.Errorf("go build %s: %w", pkg, err)
	}
	return nil
}

func moduleRoot() (string, error) {
	b, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(b))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("run the benchmark inside the advent module")
	}
	return filepath.Dir(mod), nil
}

func cpus() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "?"
	}
	defer f.Close()
	n, model := 0, ""
	s := bufio.NewScanner(f)
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok {
			switch strings.TrimSpace(k) {
			case "processor":
				n++
			case "model name":
				model = strings.TrimSpace(v)
			}
		}
	}
	return fmt.Sprintf("%d × %s", n, model)
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func shellJoin(args []string) string {
	q := make([]string, len(args))
	for i, a := range args {
		q[i] = shellQuote(a)
	}
	return strings.Join(q, " ")
}
