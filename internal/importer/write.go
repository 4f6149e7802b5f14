package importer

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
)

// stageDir is where an import writes everything before moving it into
// content/, beside content/ so that Hugo and advent never read it.
const stageDir = ".advent-import.tmp"

// write stages every file under the project root, then moves them into
// place and removes the articles they replace. Nothing reaches content/
// unless every file was staged; a failed stage is removed.
func (p *planned) write(project, srcRoot *os.Root) (err error) {
	if len(p.files) == 0 && len(p.removes) == 0 {
		return nil
	}
	if err := project.RemoveAll(stageDir); err != nil {
		return err
	}
	defer func() {
		if rmErr := project.RemoveAll(stageDir); err == nil {
			err = rmErr
		}
	}()
	for i, f := range p.files {
		staged := path.Join(stageDir, fmt.Sprint(i))
		if err := project.MkdirAll(stageDir, 0o755); err != nil {
			return err
		}
		data := f.data
		if data == nil {
			if data, err = srcRoot.ReadFile(f.src); err != nil {
				return err
			}
		}
		if err := project.WriteFile(staged, data, 0o644); err != nil {
			return err
		}
	}
	for _, r := range p.removes {
		if err := project.RemoveAll(r); err != nil {
			return err
		}
	}
	for i, f := range p.files {
		if err := project.MkdirAll(path.Dir(f.path), 0o755); err != nil {
			return err
		}
		if err := project.Rename(path.Join(stageDir, fmt.Sprint(i)), f.path); err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				return fmt.Errorf("move %s into place: %w", f.path, pe.Err)
			}
			return err
		}
	}
	return nil
}
