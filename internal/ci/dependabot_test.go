package ci

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
	"golang.org/x/mod/modfile"

	"github.com/sysadvent/advent/internal/images"
)

type dependabot struct {
	Version int `yaml:"version"`
	Updates []struct {
		Ecosystem string `yaml:"package-ecosystem"`
		Directory string `yaml:"directory"`
		Schedule  struct {
			Interval string `yaml:"interval"`
		} `yaml:"schedule"`
		Allow []struct {
			Name string `yaml:"dependency-name"`
			Type string `yaml:"dependency-type"`
		} `yaml:"allow"`
		Groups map[string]struct {
			Patterns []string `yaml:"patterns"`
		} `yaml:"groups"`
	} `yaml:"updates"`
}

// glob matches a dependency name against Dependabot's patterns, where *
// stands for any characters.
func glob(pattern, name string) bool {
	re := "^" + strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*") + "$"
	return regexp.MustCompile(re).MatchString(name)
}

// TestDependabot checks .github/dependabot.yml: weekly gomod and
// github-actions updates; every tool the labs run (images.Tools) is
// allowed an update (a tool directive's module is // indirect, which
// Dependabot skips unless named) and lands in a group; kind and helm each
// have a group of their own, kubectl moves with the other Kubernetes
// modules; no gomod group pattern matches nothing in go.mod.
func TestDependabot(t *testing.T) {
	b, err := os.ReadFile("../../.github/dependabot.yml")
	if err != nil {
		t.Fatal(err)
	}
	var d dependabot
	if err := yaml.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.Version != 2 {
		t.Errorf("version %d, want 2", d.Version)
	}
	gm, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	mf, err := modfile.Parse("go.mod", gm, nil)
	if err != nil {
		t.Fatal(err)
	}
	var seen []string
	for _, u := range d.Updates {
		seen = append(seen, u.Ecosystem)
		if u.Directory != "/" || u.Schedule.Interval != "weekly" {
			t.Errorf("%s: directory %q, interval %q; want / and weekly", u.Ecosystem, u.Directory, u.Schedule.Interval)
		}
		if len(u.Groups) == 0 {
			t.Errorf("%s: no groups", u.Ecosystem)
		}
		if u.Ecosystem == "gomod" {
			checkGomod(t, u.Allow, u.Groups, mf)
		}
	}
	slices.Sort(seen)
	if !slices.Equal(seen, []string{"github-actions", "gomod"}) {
		t.Errorf("ecosystems %v, want github-actions and gomod", seen)
	}
}

func checkGomod(t *testing.T, allow []struct {
	Name string `yaml:"dependency-name"`
	Type string `yaml:"dependency-type"`
}, groups map[string]struct {
	Patterns []string `yaml:"patterns"`
}, mf *modfile.File) {
	t.Helper()
	// Dependabot puts a module in the first group that matches it, in the
	// file's order; yaml's map loses that order, so rely on specificity:
	// a group naming the module exactly, else one matching it.
	group := func(mod string) []string {
		var gs []string
		for name, g := range groups {
			for _, p := range g.Patterns {
				if glob(p, mod) {
					gs = append(gs, name)
					break
				}
			}
		}
		slices.Sort(gs)
		return gs
	}
	req := map[string]*modfile.Require{}
	for _, r := range mf.Require {
		req[r.Mod.Path] = r
	}
	for _, tool := range images.Tools() {
		r := req[tool.Module]
		if r == nil {
			t.Errorf("go.mod requires no %s (%s)", tool.Module, tool.Name)
			continue
		}
		allowed := slices.ContainsFunc(allow, func(a struct {
			Name string `yaml:"dependency-name"`
			Type string `yaml:"dependency-type"`
		}) bool {
			return (a.Name != "" && glob(a.Name, tool.Module)) || a.Type == "all" || (a.Type == "direct" && !r.Indirect)
		})
		if !allowed {
			t.Errorf("dependabot never updates %s (%s): go.mod marks it indirect=%v and no allow names it", tool.Module, tool.Name, r.Indirect)
		}
		if len(group(tool.Module)) == 0 {
			t.Errorf("%s (%s) is in no group", tool.Module, tool.Name)
		}
	}
	for name, want := range map[string]string{"sigs.k8s.io/kind": "kind", "k8s.io/kubectl": "kubernetes", "k8s.io/client-go": "kubernetes"} {
		if gs := group(name); !slices.Contains(gs, want) {
			t.Errorf("%s is in groups %v, want %s", name, gs, want)
		}
	}
	for name, g := range groups {
		for _, p := range g.Patterns {
			if !slices.ContainsFunc(mf.Require, func(r *modfile.Require) bool { return glob(p, r.Mod.Path) }) {
				t.Errorf("group %s: pattern %q matches no module in go.mod", name, p)
			}
		}
	}
	if gs := group("helm.sh/helm/v4"); !slices.Contains(gs, "helm") {
		t.Errorf("helm.sh/helm/v4 is in groups %v, want helm", gs)
	}
}
