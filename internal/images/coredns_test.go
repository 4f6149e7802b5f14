package images

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// modDir returns the module cache directory of module@version, downloading
// it from the proxy when it is not there yet.
func modDir(t *testing.T, module, version string) string {
	t.Helper()
	cmd := exec.Command("go", "mod", "download", "-json", module+"@"+version)
	cmd.Dir = t.TempDir()
	cmd.Env = append(os.Environ(), "GOWORK=off", "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	var info moduleInfo
	if jerr := json.Unmarshal(out, &info); jerr != nil || err != nil || info.Dir == "" {
		t.Fatalf("go mod download %s@%s: %v %v %s", module, version, err, jerr, info.Error)
	}
	return info.Dir
}

// corefileDirectives returns the plugin directives of the Corefile in
// kubeadm's CoreDNS ConfigMap (the lines at the first nesting level of the
// server block).
func corefileDirectives(t *testing.T, manifests string) []string {
	t.Helper()
	m := regexp.MustCompile("(?s)CoreDNSConfigMap = `.*?Corefile: \\|\n(.*?)`").FindStringSubmatch(manifests)
	if m == nil {
		t.Fatal("no Corefile in kubeadm's CoreDNSConfigMap")
	}
	var dirs []string
	depth := 0
	action := regexp.MustCompile(`\{\{.*?\}\}`) // template actions: {{- if .DNSDomain }} {
	for _, line := range strings.Split(m[1], "\n") {
		line = strings.TrimSpace(action.ReplaceAllString(line, ""))
		if line == "" {
			continue
		}
		if depth == 1 && !strings.HasPrefix(line, "}") && !strings.HasPrefix(line, "{") {
			dirs = append(dirs, strings.Fields(line)[0])
		}
		depth += strings.Count(line, "{") - strings.Count(line, "}")
	}
	return dirs
}

// The CoreDNS stand-in is built with exactly the plugins of the Corefile
// kubeadm installs for every default Kubernetes version, mapped to their
// packages by CoreDNS's own plugin.cfg.
func TestCoreDNSPluginsAreTheCorefiles(t *testing.T) {
	cfg, err := os.ReadFile(filepath.Join(modDir(t, "github.com/coredns/coredns", corednsVersion), "plugin.cfg"))
	if err != nil {
		t.Fatal(err)
	}
	pkgOf := map[string]string{}
	for _, line := range strings.Split(string(cfg), "\n") {
		if dir, pkg, ok := strings.Cut(strings.TrimSpace(line), ":"); ok && !strings.HasPrefix(dir, "#") {
			if !strings.Contains(pkg, "/") {
				pkg = "github.com/coredns/coredns/plugin/" + pkg
			}
			pkgOf[dir] = pkg
		}
	}
	for _, v := range DefaultK8sVersions {
		text, err := os.ReadFile(filepath.Join(modDir(t, "k8s.io/kubernetes", v), "cmd/kubeadm/app/phases/addons/dns/manifests.go"))
		if err != nil {
			t.Fatal(err)
		}
		dirs := corefileDirectives(t, string(text))
		if len(dirs) < 5 {
			t.Fatalf("kubeadm %s Corefile: only %v", v, dirs)
		}
		var want []string
		for _, d := range dirs {
			p, ok := pkgOf[d]
			if !ok {
				t.Fatalf("kubeadm %s Corefile names %q, which CoreDNS %s's plugin.cfg lacks", v, d, corednsVersion)
			}
			want = append(want, p)
		}
		slices.Sort(want)
		if got := slices.Sorted(slices.Values(corednsPlugins)); !slices.Equal(got, want) {
			t.Errorf("kubeadm %s Corefile %v needs plugins\n  %v\nthe CoreDNS stand-in is built with\n  %v", v, dirs, want, got)
		}
	}
}

// The generated main imports coremain and the plugins, and the step's key
// follows the plugin list.
func TestCoreDNSGeneratedMain(t *testing.T) {
	sp := goImageSpec{id: "coredns", module: "github.com/coredns/coredns", version: corednsVersion, pkg: "github.com/coredns/coredns",
		binary: "coredns", dest: "/coredns", entrypoint: `["/coredns"]`, image: corednsImage, base: &step{id: "static-base", key: "sha256:s"},
		main: "github.com/coredns/coredns/coremain", plugins: corednsPlugins}
	src := generatedMain(sp)
	for _, want := range append([]string{"\n\t\"github.com/coredns/coredns/coremain\"\n", "func main() { coremain.Run() }"}, corednsPlugins...) {
		if !strings.Contains(src, want) {
			t.Errorf("generated main lacks %q:\n%s", want, src)
		}
	}
	b := &builder{o: Options{CacheDir: t.TempDir()}, goVer: "go1.26.8"}
	k1 := b.goImageStep(sp).key
	sp.plugins = corednsPlugins[:len(corednsPlugins)-1]
	if b.goImageStep(sp).key == k1 {
		t.Error("one plugin fewer, same key")
	}
	sp.plugins = nil
	if b.goImageStep(sp).key == k1 {
		t.Error("go install of the whole program, same key as the generated main")
	}
}
