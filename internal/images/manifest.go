package images

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/rootfs"
)

// ManifestVersion is the format version of manifest.json.
const ManifestVersion = 1

// Manifest lists what `advent images build` produced; it lives at
// CACHE/images/manifest.json.
type Manifest struct {
	Version     int          `json:"version"`
	GeneratedAt time.Time    `json:"generated_at"`
	CacheDir    string       `json:"cache_dir"`
	Images      []ImageEntry `json:"images"`
	Tools       []ToolEntry  `json:"tools"`
}

// ImageEntry is one image name (tag) in the Docker engine. Several names
// may share one ID (aliases such as registry.k8s.io/pause:3.10 and :3.10.1).
type ImageEntry struct {
	Name     string    `json:"name"`
	ID       string    `json:"id"`
	Key      string    `json:"key"`      // content key of the artefact's inputs
	Artefact string    `json:"artefact"` // build step that made it, e.g. "kind-node-v1.37.2"
	StandIn  bool      `json:"stand_in"` // locally built under an upstream name
	Size     int64     `json:"size"`     // bytes, as `docker image inspect` reports
	BuiltAt  time.Time `json:"built_at"`
	Sources  Sources   `json:"sources"`
}

// ToolEntry is one program in ToolsDir.
type ToolEntry struct {
	Name    string    `json:"name"`
	Path    string    `json:"path"`
	Version string    `json:"version"`
	Module  string    `json:"module"`
	Key     string    `json:"key"`
	BuiltAt time.Time `json:"built_at"`
}

// Sources says what an artefact was made from.
type Sources struct {
	Debian map[string]string `json:"debian,omitempty"` // package -> version
	Go     map[string]string `json:"go,omitempty"`     // module -> version
	// Archives are release archives the image was built from (file ->
	// "sha256:..."), e.g. InSpec's for the cincproject/auditor stand-in.
	Archives map[string]string `json:"archives,omitempty"`
	// Plugins are the plugin packages compiled into a program built from a
	// generated main package (CoreDNS: only those its Corefile uses).
	Plugins []string `json:"plugins,omitempty"`
}

// ManifestPath is where the manifest of cacheDir lives.
func ManifestPath(cacheDir string) string {
	return filepath.Join(cacheDir, "images", "manifest.json")
}

// ToolsDir is the directory holding kind, helm and kubectl; labs put it on
// PATH.
func ToolsDir(cacheDir string) string { return filepath.Join(cacheDir, "bin") }

// DefaultCacheDir is $XDG_CACHE_HOME/advent, or ~/.cache/advent.
func DefaultCacheDir() (string, error) {
	if x := os.Getenv("XDG_CACHE_HOME"); x != "" && filepath.IsAbs(x) {
		return filepath.Join(x, "advent"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("cache directory: %w (set XDG_CACHE_HOME or pass -cache)", err)
	}
	return filepath.Join(home, ".cache", "advent"), nil
}

// ErrNoManifest is returned by LoadManifest when no images were built yet.
var ErrNoManifest = errors.New("no image manifest: run `advent images build` first")

// LoadManifest reads CACHE/images/manifest.json.
func LoadManifest(cacheDir string) (*Manifest, error) {
	p := ManifestPath(cacheDir)
	b, err := os.ReadFile(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", p, ErrNoManifest)
	}
	if err != nil {
		return nil, fmt.Errorf("read image manifest: %w", err)
	}
	var m Manifest
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("%s: %w", p, err)
	}
	if m.Version != ManifestVersion {
		return nil, fmt.Errorf("%s: manifest version %d, want %d: run `advent images build` again", p, m.Version, ManifestVersion)
	}
	return &m, nil
}

// WriteManifest writes m to CACHE/images/manifest.json atomically.
func WriteManifest(cacheDir string, m *Manifest) error {
	m.Version = ManifestVersion
	sort.Slice(m.Images, func(i, j int) bool { return m.Images[i].Name < m.Images[j].Name })
	sort.Slice(m.Tools, func(i, j int) bool { return m.Tools[i].Name < m.Tools[j].Name })
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write image manifest: %w", err)
	}
	p := ManifestPath(cacheDir)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return fmt.Errorf("write image manifest: %w", err)
	}
	if err := rootfs.WritePath(p, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write image manifest: %w", err)
	}
	return nil
}

// Image returns the entry named name ("nginx:alpine").
func (m *Manifest) Image(name string) (ImageEntry, bool) {
	n := NormalizeRef(name)
	for _, e := range m.Images {
		if e.Name == name || NormalizeRef(e.Name) == n {
			return e, true
		}
	}
	return ImageEntry{}, false
}

// NodeImages returns the kind node images, oldest Kubernetes first.
func (m *Manifest) NodeImages() []ImageEntry {
	var out []ImageEntry
	for _, e := range m.Images {
		if strings.HasPrefix(e.Name, NodeImageRepo+":") {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return VersionLess(nodeVersion(out[i].Name), nodeVersion(out[j].Name)) })
	return out
}

// StandInNames returns every image name in m that is a stand-in, lab images
// and control-plane images alike.
func (m *Manifest) StandInNames() []string {
	var out []string
	for _, e := range m.Images {
		if e.StandIn {
			out = append(out, e.Name)
		}
	}
	sort.Strings(out)
	return out
}

// Tool returns the tool named name ("kubectl").
func (m *Manifest) Tool(name string) (ToolEntry, bool) {
	for _, t := range m.Tools {
		if t.Name == name {
			return t, true
		}
	}
	return ToolEntry{}, false
}

func nodeVersion(name string) string { return name[strings.LastIndexByte(name, ':')+1:] }
