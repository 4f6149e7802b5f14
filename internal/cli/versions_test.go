package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/rogpeppe/go-internal/txtar"

	"github.com/sysadvent/advent/internal/images"
)

var update = flag.Bool("update", false, "rewrite the want/ sections of testdata/*.txtar")

// versionsPins are the test's node images and tools, so the golden output
// does not move when internal/images does.
var versionsPins = map[string]pinSources{
	"past": {
		tools:     []images.Tool{{Name: "kind", Module: "sigs.k8s.io/kind"}, {Name: "helm", Module: "helm.sh/helm/v3"}, {Name: "kubectl", Module: "k8s.io/kubectl"}},
		airGapped: []string{"v1.34.4", "v1.35.4"},
		kindNodes: []string{"v1.37.0", "v1.36.4", "v1.34.11"},
		online:    []string{"v1.36.4", "v1.37.0"},
	},
	"supported": {
		tools:     []images.Tool{{Name: "kind", Module: "sigs.k8s.io/kind"}, {Name: "helm", Module: "helm.sh/helm/v4"}, {Name: "kubectl", Module: "k8s.io/kubectl"}},
		airGapped: []string{"v1.35.4", "v1.37.2"},
		kindNodes: []string{"v1.37.0", "v1.36.4", "v1.34.11"},
		online:    []string{"v1.36.4", "v1.37.0"},
	},
}

// TestVersions runs `advent versions` on testdata/versions.txtar: a go.mod,
// results directories and a fake module proxy (proxy/<module>/@v/list,
// served as GOPROXY=file://...), and compares its output with the
// archive's want/ sections (-update rewrites them).
func TestVersions(t *testing.T) {
	const archive = "testdata/versions.txtar"
	ar, err := txtar.ParseFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want/") {
			continue
		}
		writeFile(t, filepath.Join(root, f.Name), f.Data)
		if mod, ok := strings.CutSuffix(f.Name, "/@v/list"); ok {
			fakeProxyInfo(t, filepath.Join(root, filepath.Dir(f.Name)), strings.TrimPrefix(mod, "proxy/"), f.Data)
		}
	}
	t.Setenv("GOPROXY", "file://"+filepath.ToSlash(filepath.Join(root, "proxy")))
	t.Setenv("GOSUMDB", "off")
	t.Setenv("GOMODCACHE", t.TempDir())
	t.Setenv("GOTOOLCHAIN", "local")
	t.Setenv("GOCACHE", t.TempDir())
	t.Setenv("TMPDIR", t.TempDir())
	saved := pins
	t.Cleanup(func() { pins = saved })

	got := map[string]string{}
	for _, c := range []struct {
		name, results string
		args          []string
		code          int
	}{
		{"past", "results", nil, ExitFailed},
		{"past", "results", []string{"-json"}, ExitFailed},
		{"supported", "results-supported", nil, ExitOK},
	} {
		pins = func() pinSources { return versionsPins[c.name] }
		args := append([]string{"versions", "-root", root, "-results", c.results, "-on", "2026-12-06"}, c.args...)
		var stdout, stderr bytes.Buffer
		code := Main(context.Background(), args, &stdout, &stderr)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d; stderr:\n%s", strings.Join(args, " "), code, c.code, &stderr)
		}
		key := "want/" + c.name + strings.Join(c.args, "")
		got[key+".stdout"], got[key+".stderr"] = stdout.String(), stderr.String()
	}
	compareSections(t, archive, ar, got)
}

// fakeProxyInfo writes the .info and .mod files go list reads (for
// retractions) next to a fake proxy's list of versions.
func fakeProxyInfo(t *testing.T, dir, mod string, list []byte) {
	for _, v := range strings.Fields(string(list)) {
		writeFile(t, filepath.Join(dir, v+".info"), fmt.Appendf(nil, `{"Version":%q,"Time":"2026-01-01T00:00:00Z"}`, v))
		writeFile(t, filepath.Join(dir, v+".mod"), []byte("module "+mod+"\n"))
	}
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// compareSections checks got against the archive's sections of the same
// names, or rewrites them with -update.
func compareSections(t *testing.T, path string, ar *txtar.Archive, got map[string]string) {
	t.Helper()
	if *update {
		ar.Files = slices.DeleteFunc(ar.Files, func(f txtar.File) bool { return strings.HasPrefix(f.Name, "want/") })
		names := make([]string, 0, len(got))
		for n := range got {
			names = append(names, n)
		}
		slices.Sort(names)
		for _, n := range names {
			ar.Files = append(ar.Files, txtar.File{Name: n, Data: []byte(got[n])})
		}
		if err := os.WriteFile(path, txtar.Format(ar), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want := map[string]string{}
	for _, f := range ar.Files {
		if strings.HasPrefix(f.Name, "want/") {
			want[f.Name] = string(f.Data)
		}
	}
	for n, g := range got {
		if w, ok := want[n]; !ok || g != w {
			t.Errorf("%s: %s differs (run with -update to accept):\ngot:\n%s\nwant:\n%s", path, n, g, w)
		}
	}
}

// TestVersionsPinsAreImages checks that the command reads its pins from
// internal/images, so the list is kept in one place.
func TestVersionsPinsAreImages(t *testing.T) {
	ps := pins()
	if !slices.Equal(ps.airGapped, images.K8sVersions(images.AirGapped)) || !slices.Equal(ps.online, images.K8sVersions(images.Online)) {
		t.Errorf("pins %v, want images' %v and %v", ps, images.K8sVersions(images.AirGapped), images.K8sVersions(images.Online))
	}
	if len(ps.kindNodes) != len(images.KindNodeImages()) || !slices.Equal(ps.tools, images.Tools()) {
		t.Errorf("pins %v, want images' kind nodes and tools", ps)
	}
}
