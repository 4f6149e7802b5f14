package report

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// A results file over MaxFileSize is refused before it is parsed (a
// sparse file: reading it would take seconds, parsing it gigabytes).
func TestReadRefusesAHugeFileUnparsed(t *testing.T) {
	p := filepath.Join(t.TempDir(), "big.json")
	if err := os.WriteFile(p, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(p, 225<<20); err != nil {
		t.Fatal(err)
	}
	_, err := Read(p)
	var fe *FormatError
	if !errors.As(err, &fe) || !strings.Contains(fe.Msg, "a results file is at most 16777216 bytes (16 MiB)") {
		t.Fatalf("err = %v, want a FormatError on the size", err)
	}
	if _, err := LoadStore(filepath.Dir(p)); !errors.As(err, &fe) {
		t.Errorf("LoadStore: err = %v, want the FormatError", err)
	}
	if _, err := Parse("x.json", make([]byte, MaxFileSize+1)); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "at most") {
		t.Errorf("Parse: err = %v, want the FormatError", err)
	}
}

// outside is a directory beside the results with a file that must stay
// as it is.
func outside(t *testing.T) (dir, file string) {
	dir = t.TempDir()
	file = filepath.Join(dir, "victim.json")
	if err := os.WriteFile(file, []byte("keep\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir, file
}

func unchanged(t *testing.T, file string) {
	t.Helper()
	if b, err := os.ReadFile(file); err != nil || string(b) != "keep\n" {
		t.Errorf("%s was written through a link: %q %v", file, b, err)
	}
}

// Write never writes through a symbolic link: not the results file, not a
// name its temporary file might have, not the results directory.
func TestWriteRefusesSymlinks(t *testing.T) {
	f := file("helm", mkRun("v1.35.8", day(0), 1))
	t.Run("results file", func(t *testing.T) {
		_, victim := outside(t)
		dir := t.TempDir()
		if err := os.Symlink(victim, filepath.Join(dir, "helm.json")); err != nil {
			t.Fatal(err)
		}
		err := Write(Path(dir, "helm"), f)
		if err == nil || !strings.Contains(err.Error(), "helm.json: symbolic link") {
			t.Errorf("err = %v, want a refusal naming helm.json", err)
		}
		unchanged(t, victim)
	})
	// The temporary file is a new one (O_EXCL), never a link found there.
	t.Run("temporary file", func(t *testing.T) {
		_, victim := outside(t)
		dir := t.TempDir()
		for _, n := range []string{"helm.json.tmp", ".helm.json.tmp-"} {
			if err := os.Symlink(victim, filepath.Join(dir, n)); err != nil {
				t.Fatal(err)
			}
		}
		if err := Write(Path(dir, "helm"), f); err != nil {
			t.Fatal(err)
		}
		unchanged(t, victim)
		if got, err := Read(Path(dir, "helm")); err != nil || got == nil || got.Lab != "helm" {
			t.Errorf("Read back: %v %v", got, err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		out, victim := outside(t)
		link := filepath.Join(t.TempDir(), "results")
		if err := os.Symlink(out, link); err != nil {
			t.Fatal(err)
		}
		if err := Write(Path(link, "victim"), f); err == nil || !strings.Contains(err.Error(), "results: symbolic link") {
			t.Errorf("err = %v, want a refusal", err)
		}
		unchanged(t, victim)
	})
}

// LoadStore and Read never read through a symbolic link.
func TestLoadStoreRefusesSymlinks(t *testing.T) {
	src := t.TempDir()
	if err := Write(Path(src, "helm"), file("helm", mkRun("v1.35.8", day(0), 1))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.Symlink(Path(src, "helm"), Path(dir, "helm")); err != nil {
		t.Fatal(err)
	}
	var fe *FormatError
	if _, err := LoadStore(dir); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "symbolic link") {
		t.Errorf("a link in the directory: err = %v", err)
	}
	if _, err := Read(Path(dir, "helm")); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "symbolic link") {
		t.Errorf("Read of a link: err = %v", err)
	}
	link := filepath.Join(t.TempDir(), "results")
	if err := os.Symlink(src, link); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadStore(link); !errors.As(err, &fe) || !strings.Contains(fe.Msg, "symbolic link") {
		t.Errorf("a linked directory: err = %v", err)
	}
}

// bigResults is a results file of about size bytes: one run whose steps
// each carry a full history and some output, the shape a real file grows
// into.
func bigResults(size int) []byte {
	r := &Run{Kubernetes: "v1.35.8", Mode: "online", Started: day(HistoryLen), Status: Pass}
	for i := 0; ; i++ {
		s := &Step{Name: fmt.Sprintf("step-%d", i), Kind: "transcript", Line: i, Status: Pass, Attempts: 1,
			OutputTail: []string{strings.Repeat("x", 200)}}
		for d := range HistoryLen {
			s.History = append(s.History, Outcome{Started: day(d), Status: Pass, Attempts: 1, DurationMS: 10})
		}
		r.Steps = append(r.Steps, s)
		if i%100 == 0 {
			if b, _ := json.Marshal(&File{Schema: Schema, Lab: "big", Runs: []*Run{r}}); len(b) > size {
				return b
			}
		}
	}
}

// BenchmarkMerge5MB merges a 5 MB results file into published results
// of the same size and writes them back (what `advent results merge`
// does): it must stay far under 10 s and 1 GB.
func BenchmarkMerge5MB(b *testing.B) {
	fresh := bigResults(5 << 20)
	dir := b.TempDir()
	pub := filepath.Join(dir, "published")
	if err := os.MkdirAll(pub, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "big.json"), fresh, 0o644); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(Path(pub, "big"), fresh, 0o644); err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(fresh)))
	var peak uint64
	for b.Loop() {
		start := time.Now()
		in, err := LoadStore(filepath.Join(dir, "big.json"))
		if err != nil {
			b.Fatal(err)
		}
		st, err := LoadStore(pub)
		if err != nil {
			b.Fatal(err)
		}
		for _, n := range in.Labs() {
			in[n].Runs[0].Started = time.Now()
			st.Add(in[n])
		}
		if err := st.Write(pub); err != nil {
			b.Fatal(err)
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		peak = max(peak, ms.Sys)
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/merge")
	}
	b.ReportMetric(float64(peak>>20), "MiB-sys")
}

// A results file with more runs than Kubernetes versions could be is
// refused: each run merged costs a pass over the others (95,525 runs in a
// 5 MB file took minutes to merge).
func TestParseRefusesTooManyRuns(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"schema":"advent.results/v2","lab":"x","runs":[`)
	for i := range MaxRuns + 1 {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, `{"kubernetes":"v1.%d.0","status":"pass","steps":[]}`, i)
	}
	b.WriteString("]}")
	_, err := Parse("x.json", []byte(b.String()))
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Msg != "101 runs: a results file holds one run per Kubernetes version, at most 100" {
		t.Fatalf("err = %v, want the FormatError on the runs", err)
	}
}
