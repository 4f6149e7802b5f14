package images

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// InSpec stand-in: cincproject/auditor (Cinc Auditor, InSpec's open-source
// build) has no Debian package, so it is built from InSpec's upstream
// release sources, which no registry serves here: the user names a
// directory holding them (Options.InSpecSrc, -inspec-src, ADVENT_INSPEC_SRC).

// InSpecSrcEnv names the directory of InSpec's release archives when
// Options.InSpecSrc (the -inspec-src flag) is empty.
const InSpecSrcEnv = "ADVENT_INSPEC_SRC"

// AuditorImage is the upstream image the push-jobs lab runs InSpec from
// (`docker run cincproject/auditor` resolves to :latest).
const AuditorImage = "cincproject/auditor:latest"

// InSpecVersion is the InSpec release the AuditorImage stand-in is built
// from (see inspecArchives).
const InSpecVersion = "v5.22.33"

// IsAuditorImage reports whether name refers to AuditorImage.
func IsAuditorImage(name string) bool { return NormalizeRef(name) == AuditorImage }

// inspecStepID is the build step of the AuditorImage stand-in.
const inspecStepID = "inspec"

// sourceArchive is one upstream release archive a stand-in is built from.
type sourceArchive struct {
	name, version string
	origin        string // repository and tag the archive is a `git archive` of
}

func (a sourceArchive) file() string { return a.name + "-" + a.version + ".tar.gz" }

// inspecArchives: InSpec 5.22.33 is the last release whose runtime
// dependencies Debian bookworm packages (newer ones need cookstyle and
// chef-licensing); train brings the docker transport Debian's
// ruby-train-core lacks; license-acceptance is InSpec's licence gate.
var inspecArchives = []sourceArchive{
	{"inspec", InSpecVersion[1:], "github.com/inspec/inspec " + InSpecVersion},
	{"train", "3.12.13", "github.com/inspec/train v3.12.13"},
	{"license-acceptance", "2.2.1", "github.com/chef/license-acceptance v2.2.1"},
}

// inspecDebs are the Debian packages of the stand-in whose versions its
// labels record (the Dockerfile installs more).
var inspecDebs = []string{"ruby", "ruby-thor", "ruby-rspec", "ruby-docker-api", "ruby-multi-json", "ruby-excon"}

// ErrNoInSpecSources means no directory of InSpec's release archives was
// named; the AuditorImage stand-in cannot be built without one.
var ErrNoInSpecSources = errors.New("no InSpec sources")

// InSpecSourcesHint says what to provide to build the AuditorImage
// stand-in: one message, shared by `advent images build` and the labs.
func InSpecSourcesHint() string {
	files := make([]string, len(inspecArchives))
	origins := make([]string, len(inspecArchives))
	for i, a := range inspecArchives {
		files[i] = a.file()
		origins[i] = a.origin
	}
	return fmt.Sprintf("the %s stand-in is built from InSpec's release sources: pass -inspec-src DIR to `advent images build` "+
		"(or set %s=DIR), DIR holding %s (`git archive` of %s)",
		AuditorImage, InSpecSrcEnv, strings.Join(files, ", "), strings.Join(origins, ", "))
}

// BuildHint says how to get the air-gapped image name when it is missing:
// `make images`, or for AuditorImage the InSpec sources it needs.
func BuildHint(name string) string {
	if IsAuditorImage(name) {
		return InSpecSourcesHint()
	}
	return "run `make images` (advent images build) to build the air-gapped image set"
}

// inspecSources finds the archives in dir and returns their SHA-256 sums
// by file name. An empty dir is ErrNoInSpecSources; a dir that lacks an
// archive is an error naming it.
func inspecSources(dir string) (map[string]string, error) {
	if dir == "" {
		return nil, ErrNoInSpecSources
	}
	sums := map[string]string{}
	var missing []string
	for _, a := range inspecArchives {
		p := filepath.Join(dir, a.file())
		sum, err := fileSHA256(p)
		if errors.Is(err, fs.ErrNotExist) {
			missing = append(missing, a.file())
			continue
		}
		if err != nil {
			return nil, err
		}
		sums[a.file()] = "sha256:" + sum
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("InSpec sources %s lack %s", dir, strings.Join(missing, ", "))
	}
	return sums, nil
}

func fileSHA256(p string) (string, error) {
	f, err := os.Open(p)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", fmt.Errorf("read %s: %w", p, err)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// inspecStep builds the AuditorImage stand-in on the Debian base image.
// Its key covers the archives' content hashes. Without sources the step
// is planned but unavailable: Build skips it with InSpecSourcesHint (and
// fails when it is the -only target); a named directory that lacks an
// archive is an error.
func (b *builder) inspecStep(debian *step) (*step, error) {
	sp := dockerfileSpec{
		id: inspecStepID, asset: "inspec", names: []string{AuditorImage}, deps: []*step{debian},
		title:   fmt.Sprintf("build %s stand-in (InSpec %s from source)", AuditorImage, inspecArchives[0].version),
		hint:    "(apt + release archives, ~25 s)",
		debs:    inspecDebs,
		standIn: true,
	}
	sums, err := inspecSources(b.o.InSpecSrc)
	if errors.Is(err, ErrNoInSpecSources) {
		s := b.dockerfileStep(sp)
		s.unavailable = fmt.Errorf("%w: %s", err, InSpecSourcesHint())
		return s, nil
	}
	if err != nil {
		return nil, &StepError{Step: "plan: " + sp.title, Err: err, Reason: err.Error(), Fix: InSpecSourcesHint()}
	}
	sp.archives = sums
	sp.prepare = func(ctx context.Context, rc *runCtx, dir string) error {
		for _, a := range inspecArchives {
			if err := copyFile(filepath.Join(b.o.InSpecSrc, a.file()), filepath.Join(dir, a.file()), 0o644); err != nil {
				return err
			}
			// The copy must be what the key was computed from.
			sum, err := fileSHA256(filepath.Join(dir, a.file()))
			if err != nil {
				return err
			}
			if "sha256:"+sum != sums[a.file()] {
				return fmt.Errorf("%s changed during the build", filepath.Join(b.o.InSpecSrc, a.file()))
			}
			rc.logf("%s %s (%s)", a.file(), sums[a.file()], a.origin)
		}
		return nil
	}
	return b.dockerfileStep(sp), nil
}
