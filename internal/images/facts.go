package images

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// Debian release the images are built from.
const debianSuite = "bookworm"

// projectModule is advent's module path; the project root holds its go.mod.
const projectModule = "github.com/sysadvent/advent"

// goModule is one module of the project's build list.
type goModule struct {
	Path    string
	Version string
	Dir     string
}

// facts gathers what the keys depend on besides the embedded assets.
func (b *builder) facts(ctx context.Context) error {
	v, err := xexec.Command(b.goBin, "env", "GOVERSION").WithTimeout(time.Minute).OutputString(ctx)
	if err != nil {
		return stepError("preflight: go env", "", err)
	}
	b.goVer = v

	root := b.o.ProjectRoot
	if root == "" {
		wd, err := os.Getwd()
		if err != nil {
			return stepError("preflight: find the advent checkout", "", err)
		}
		root, err = findProjectRoot(wd)
		if err != nil {
			return &StepError{Step: "preflight: find the advent checkout", Err: err,
				Reason: "not inside the advent checkout (no go.mod of " + projectModule + " above the working directory)",
				Fix:    "run `advent images build` from the repository, which pins the kind, helm and kubectl versions in go.mod"}
		}
	}
	b.root = root

	mods, err := b.listModules(ctx, "sigs.k8s.io/kind")
	if err != nil {
		return stepError("preflight: locate sigs.k8s.io/kind", "", err)
	}
	b.kind = mods[0]
	if b.kind.Dir == "" {
		out, err := xexec.Command(b.goBin, "mod", "download", "-json", b.kind.Path+"@"+b.kind.Version).
			WithDir(b.root).WithTimeout(5 * time.Minute).Output(ctx)
		if err != nil {
			return stepError("preflight: download sigs.k8s.io/kind", "", err)
		}
		var m goModule
		if err := json.Unmarshal(out, &m); err != nil || m.Dir == "" {
			return stepError("preflight: download sigs.k8s.io/kind", "", fmt.Errorf("no module directory in %q", out))
		}
		b.kind.Dir = m.Dir
	}

	b.deb = hostDebianSources(b.o.Mirror)
	return nil
}

// listModules returns the project's required versions of modules.
func (b *builder) listModules(ctx context.Context, paths ...string) ([]goModule, error) {
	args := append([]string{"list", "-m", "-json"}, paths...)
	out, err := xexec.Command(b.goBin, args...).WithDir(b.root).WithTimeout(2 * time.Minute).Output(ctx)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var mods []goModule
	for dec.More() {
		var m goModule
		if err := dec.Decode(&m); err != nil {
			return nil, fmt.Errorf("go list -m: %w", err)
		}
		mods = append(mods, m)
	}
	if len(mods) != len(paths) {
		return nil, fmt.Errorf("go list -m %s: got %d modules", strings.Join(paths, " "), len(mods))
	}
	return mods, nil
}

// findProjectRoot walks up from dir to the go.mod of projectModule.
func findProjectRoot(dir string) (string, error) {
	for {
		b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modulePath(string(b)) == projectModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod of " + projectModule + " found")
		}
		dir = parent
	}
}

func modulePath(gomod string) string {
	for _, line := range strings.Split(gomod, "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// debianSources is where apt gets bookworm packages from.
type debianSources struct {
	Mirror string // for debootstrap: the URI serving the suite itself
	Text   string // deb822 sources file written into the base image
}

const defaultMirror = "http://deb.debian.org/debian"

// hostDebianSources reads the host's apt sources (deb822 files first, then
// sources.list) for the bookworm suites; mirror, when set, wins.
func hostDebianSources(mirror string) debianSources {
	var stanzas []aptSource
	if files, _ := filepath.Glob("/etc/apt/sources.list.d/*.sources"); len(files) > 0 {
		sort.Strings(files)
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil {
				stanzas = append(stanzas, parseDeb822(string(b))...)
			}
		}
	}
	if len(stanzas) == 0 {
		if b, err := os.ReadFile("/etc/apt/sources.list"); err == nil {
			stanzas = parseSourcesList(string(b))
		} else if !errors.Is(err, fs.ErrNotExist) {
			stanzas = nil
		}
	}
	return pickDebianSources(stanzas, mirror)
}

// aptSource is one repository: a URI with its suites and components.
type aptSource struct {
	URI        string
	Suites     []string
	Components []string
}

// parseDeb822 parses a deb822 .sources file (binary "deb" entries only).
func parseDeb822(text string) []aptSource {
	var out []aptSource
	flush := func(f map[string]string) {
		if f["types"] == "" || !hasWord(f["types"], "deb") || f["uris"] == "" {
			return
		}
		if strings.EqualFold(strings.TrimSpace(f["enabled"]), "no") {
			return
		}
		for _, u := range strings.Fields(f["uris"]) {
			out = append(out, aptSource{URI: u, Suites: strings.Fields(f["suites"]), Components: strings.Fields(f["components"])})
		}
	}
	fields := map[string]string{}
	last := ""
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "":
			flush(fields)
			fields, last = map[string]string{}, ""
		case strings.HasPrefix(line, "#"):
		case line[0] == ' ' || line[0] == '\t':
			if last != "" {
				fields[last] += " " + strings.TrimSpace(line)
			}
		default:
			k, v, ok := strings.Cut(line, ":")
			if ok {
				last = strings.ToLower(strings.TrimSpace(k))
				fields[last] = strings.TrimSpace(v)
			}
		}
	}
	flush(fields)
	return out
}

// parseSourcesList parses one-line "deb [opts] URI SUITE COMPONENT..." entries.
func parseSourcesList(text string) []aptSource {
	var out []aptSource
	for _, line := range strings.Split(text, "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "deb" {
			continue
		}
		f = f[1:]
		if strings.HasPrefix(f[0], "[") {
			for len(f) > 0 && !strings.HasSuffix(f[0], "]") {
				f = f[1:]
			}
			if len(f) == 0 {
				continue
			}
			f = f[1:]
		}
		if len(f) < 2 {
			continue
		}
		out = append(out, aptSource{URI: f[0], Suites: []string{f[1]}, Components: f[2:]})
	}
	return out
}

// pickDebianSources keeps the bookworm entries and finds the mirror.
func pickDebianSources(all []aptSource, mirror string) debianSources {
	var keep []aptSource
	found := ""
	for _, s := range all {
		var suites []string
		for _, su := range s.Suites {
			if su == debianSuite || strings.HasPrefix(su, debianSuite+"-") || strings.HasPrefix(su, debianSuite+"/") {
				suites = append(suites, su)
				if su == debianSuite && found == "" {
					found = s.URI
				}
			}
		}
		if len(suites) > 0 {
			keep = append(keep, aptSource{URI: s.URI, Suites: suites, Components: s.Components})
		}
	}
	if mirror != "" {
		keep = []aptSource{{URI: mirror, Suites: []string{debianSuite, debianSuite + "-updates"}, Components: []string{"main"}}}
		found = mirror
	}
	if found == "" {
		found = defaultMirror
		keep = []aptSource{{URI: defaultMirror, Suites: []string{debianSuite, debianSuite + "-updates"}, Components: []string{"main"}}}
	}
	var b strings.Builder
	for i, s := range keep {
		if i > 0 {
			b.WriteString("\n")
		}
		comps := s.Components
		if len(comps) == 0 {
			comps = []string{"main"}
		}
		fmt.Fprintf(&b, "Types: deb\nURIs: %s\nSuites: %s\nComponents: %s\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
			s.URI, strings.Join(s.Suites, " "), strings.Join(comps, " "))
	}
	return debianSources{Mirror: found, Text: b.String()}
}

func hasWord(s, w string) bool {
	for _, f := range strings.Fields(s) {
		if f == w {
			return true
		}
	}
	return false
}
