package report

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse: any bytes are either a results file or a FormatError (never
// a panic nor another error), and a file that parses is written and read
// back (the merge's path) to the same lab.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"helm-v1.json", "merged-v2.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"schema":"advent.results/v2","lab":"x","runs":[{"kubernetes":"v1.35.8","steps":[{"name":"a","history":[{}]}]}]}`))
	f.Add([]byte(`{"schema":"advent.results/v2","lab":"../x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		file, err := Parse("in.json", b)
		var fe *FormatError
		if err != nil {
			if !errors.As(err, &fe) {
				t.Fatalf("Parse: %T %v, want a FormatError", err, err)
			}
			return
		}
		st := Store{}
		st.Add(file)
		dir := t.TempDir()
		if err := st.Write(dir); err != nil {
			var fe *FormatError
			if !errors.As(err, &fe) {
				t.Fatalf("Write: %v", err)
			}
			return
		}
		back, err := LoadStore(dir)
		if err != nil {
			if errors.As(err, &fe) {
				return // a lab name that is not one: refused on reading
			}
			t.Fatalf("LoadStore of what Write wrote: %v", err)
		}
		if len(back) != 1 || back[file.Lab] == nil {
			t.Fatalf("read back %v, want lab %q", back.Labs(), file.Lab)
		}
	})
}
