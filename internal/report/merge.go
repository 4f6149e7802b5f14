package report

import (
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/sysadvent/advent/internal/lab"
)

// mergeRun combines two runs of one lab on one Kubernetes version: the one
// that started later is the latest run, and each of its steps gets the
// union of both runs' histories for that step (by name). Steps the latest
// run no longer has are dropped with their history.
func mergeRun(old, new *Run) *Run {
	latest, other := new, old
	if old.Started.After(new.Started) {
		latest, other = old, new
	}
	prev := map[string]*Step{}
	for _, s := range other.Steps {
		prev[s.Name] = s
	}
	for _, s := range latest.Steps {
		h := history(latest, s)
		if p := prev[s.Name]; p != nil {
			h = mergeHistory(history(other, p), h)
		} else {
			h = mergeHistory(h)
		}
		s.History = h
	}
	return latest
}

// Store is the published results: one File per lab.
type Store map[string]*File

// LoadStore reads every *.json results file under dir (recursively: a
// directory of CI artefacts works too) and merges the files of one lab. A
// missing dir is an empty store. A symbolic link (dir itself or in it) is
// a FormatError: results are never read through a link.
func LoadStore(dir string) (Store, error) {
	st := Store{}
	if fi, err := os.Lstat(dir); err == nil && fi.Mode()&fs.ModeSymlink != 0 {
		return nil, &FormatError{Path: dir, Msg: "symbolic link: advent neither reads nor writes results through a link; name the directory itself"}
	}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == dir && os.IsNotExist(err) {
				return filepath.SkipDir
			}
			return err
		}
		if d.IsDir() || filepath.Ext(path) != ".json" {
			return nil
		}
		if d.Type()&fs.ModeSymlink != 0 {
			return &FormatError{Path: path, Msg: "symbolic link in the results: copy the file instead"}
		}
		f, err := Read(path)
		if err != nil || f == nil {
			return err
		}
		if err := lab.ValidName(lab.NameLab, f.Lab); err != nil {
			return &FormatError{Path: path, Msg: "results for " + err.Error()}
		}
		st.Add(f)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

// Add merges every run of f into the store's file for f.Lab; title and
// source come from f when it has them. Runs of other Kubernetes versions
// and other labs stay as they are, so a partial run erases nothing.
func (st Store) Add(f *File) {
	cur := st[f.Lab]
	if cur == nil {
		cur = &File{Lab: f.Lab}
		st[f.Lab] = cur
	}
	if f.Title != "" {
		cur.Title = f.Title
	}
	if f.Source != "" {
		cur.Source = f.Source
	}
	for _, r := range f.Runs {
		cur.Merge(r)
	}
}

// StampEvent sets Event on the runs of f that have none (runs made by a CI
// job do not know which event started the workflow run).
func StampEvent(f *File, event string) {
	for _, r := range f.Runs {
		if r.Event == "" {
			r.Event = event
		}
		for _, s := range r.Steps {
			for i := range s.History {
				if s.History[i].Event == "" && s.History[i].Started.Equal(r.Started) {
					s.History[i].Event = event
				}
			}
		}
	}
}

// Labs returns the store's lab names, sorted.
func (st Store) Labs() []string {
	names := make([]string, 0, len(st))
	for n := range st {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Write writes the store into dir as <lab>.json files (Schema v2, records
// computed) and removes no other file. A lab name that is not one (it
// would be a path out of dir) is a FormatError, and nothing is written.
func (st Store) Write(dir string) error {
	for _, n := range st.Labs() {
		if err := lab.ValidName(lab.NameLab, n); err != nil {
			return &FormatError{Path: dir, Msg: "results for " + err.Error()}
		}
	}
	for _, n := range st.Labs() {
		if err := Write(Path(dir, n), st[n]); err != nil {
			return err
		}
	}
	return nil
}
