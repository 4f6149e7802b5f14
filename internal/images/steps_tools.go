package images

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// tool is one program built into ToolsDir.
type tool struct {
	name   string
	module string // module whose version the tool reports
	pkg    string // package to build from the project's go.mod; "" for kubectl
}

// helmModule is the Helm major the labs use.
const helmModule = "helm.sh/helm/v4"

// toolList: kind and helm are built at the versions the project's go.mod
// pins; kubectl is upstream's k8s.io/kubernetes/cmd/kubectl of the
// Kubernetes release of the k8s.io/kubectl module go.mod pins, the very
// binary kube-binaries-<release> builds (see kubectlOf).
var toolList = []tool{
	{"kind", "sigs.k8s.io/kind", "sigs.k8s.io/kind"},
	{"helm", helmModule, helmModule + "/cmd/helm"},
	{"kubectl", "k8s.io/kubectl", ""},
}

func toolsStampPath(cacheDir string) string {
	return filepath.Join(ToolsDir(cacheDir), ".advent-tools.json")
}

// toolsStep builds kind and helm at the versions go.mod pins and takes
// kubectl from kube-binaries-<release> (kubectlOf). When that step is part
// of the build, the tools step runs after it (after, not deps: -only tools
// builds kubectl alone rather than every Kubernetes binary).
// It returns the step and the Kubernetes release of its kubectl.
func (b *builder) toolsStep(ctx context.Context) (*step, string, error) {
	mods, err := b.listModules(ctx, "sigs.k8s.io/kind", helmModule, "k8s.io/kubectl")
	if err != nil {
		return nil, "", stepError("plan: read tool versions from go.mod", "", err)
	}
	vers := map[string]string{}
	for _, m := range mods {
		vers[m.Path] = m.Version
	}
	args := []string{"list", "-deps", "-f", "{{with .Module}}{{.Path}}@{{.Version}}{{end}}"}
	var pkgs []string
	for _, t := range toolList {
		if t.pkg != "" {
			pkgs = append(pkgs, t.pkg)
		}
	}
	out, err := xexec.Command(b.goBin, append(args, pkgs...)...).WithDir(b.root).WithTimeout(5 * time.Minute).Output(ctx)
	if err != nil {
		return nil, "", stepError("plan: list the tools' modules", "", err)
	}
	deps := uniqueLines(string(out))
	helmLD, err := helmLdflags(vers[helmModule])
	if err != nil {
		return nil, "", stepError("plan: tool versions", "", err)
	}
	release, err := kubectlRelease(vers["k8s.io/kubectl"])
	if err != nil {
		return nil, "", stepError("plan: tool versions", "", err)
	}

	dir := ToolsDir(b.o.CacheDir)
	s := &step{id: "tools", title: "build kind, helm and kubectl into " + dir, hint: "(go build, ~3 min cold)", estimate: 3 * time.Minute, compiles: true}
	s.key = newKey("tools").add("go", b.goVer).add("deps", deps...).add("goflags", goBuildFlags...).add("ldflags", helmLD).
		add("kubectl", b.kubeBinariesKey(release)).sum()
	var files []string
	for _, t := range toolList {
		files = append(files, filepath.Join(dir, t.name))
	}
	s.upToDate = func(context.Context) (bool, error) {
		_, ok := stampFresh(toolsStampPath(b.o.CacheDir), s.key)
		return ok, nil
	}
	s.run = func(ctx context.Context, rc *runCtx) error {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		tmp, err := os.MkdirTemp(dir, ".build-")
		if err != nil {
			return err
		}
		rc.defer_(func(context.Context) { os.RemoveAll(tmp) })
		if err := rc.compile(ctx, rc.goBuild(b.root, helmLD, tmp+"/", pkgs...).WithTimeout(45*time.Minute)); err != nil {
			return fmt.Errorf("go build %s: %w", strings.Join(pkgs, " "), err)
		}
		if err := b.kubectlOf(ctx, rc, release, filepath.Join(tmp, "kubectl")); err != nil {
			return err
		}
		for _, t := range toolList {
			if err := os.Rename(filepath.Join(tmp, t.name), filepath.Join(dir, t.name)); err != nil {
				return err
			}
		}
		st := &stamp{Key: s.key, BuiltAt: b.now().UTC(), Files: files, Sources: Sources{Go: map[string]string{"k8s.io/kubernetes": release}}}
		for _, t := range toolList {
			st.Sources.Go[t.module] = vers[t.module]
		}
		return writeStamp(toolsStampPath(b.o.CacheDir), st)
	}
	return s, release, nil
}

// helmLdflags returns the -ldflags that stamp helm's version (kind's needs
// none). Helm reads the Kubernetes version it targets from its
// k8s.io/client-go module in the build info, so only its own version is
// stamped.
func helmLdflags(helmVer string) (string, error) {
	if _, err := parseSemver(helmVer); err != nil {
		return "", fmt.Errorf("%s: %w", helmModule, err)
	}
	return strings.Join([]string{"-s -w",
		"-X " + helmModule + "/internal/version.version=" + helmVer,
		"-X " + helmModule + "/internal/version.gitTreeState=clean",
	}, " "), nil
}

// kubectlRelease is the Kubernetes release of a k8s.io/kubectl module
// version (v0.37.2 -> v1.37.2): the kubectl the labs get.
func kubectlRelease(module string) (string, error) {
	kv, err := parseSemver(module)
	if err != nil {
		return "", fmt.Errorf("k8s.io/kubectl: %w", err)
	}
	return fmt.Sprintf("v1.%d.%d", kv.minor, kv.patch), nil
}

// kubeVersionLdflags sets the version Kubernetes binaries report.
func kubeVersionLdflags(release string) string {
	s, _ := parseSemver(release)
	return strings.Join([]string{
		"-X k8s.io/component-base/version.gitVersion=" + release,
		"-X k8s.io/component-base/version.gitMajor=1",
		fmt.Sprintf("-X k8s.io/component-base/version.gitMinor=%d", s.minor),
		"-X k8s.io/component-base/version.gitTreeState=clean",
		"-X k8s.io/component-base/version.buildDate=1970-01-01T00:00:00Z",
		"-X k8s.io/client-go/pkg/version.gitVersion=" + release,
		"-X k8s.io/client-go/pkg/version.gitMajor=1",
		fmt.Sprintf("-X k8s.io/client-go/pkg/version.gitMinor=%d", s.minor),
		"-X k8s.io/client-go/pkg/version.gitTreeState=clean",
	}, " ")
}

// uniqueLines returns the non-blank lines of s, trimmed, sorted and
// without repeats.
func uniqueLines(s string) []string {
	var out []string
	for l := range strings.Lines(s) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
