package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"golang.org/x/mod/modfile"
)

// toolArticle is a tutorial whose lab runs cmd.
func toolArticle(day, name, cmd string) string {
	return "---\ntitle: " + name + "\ndate: 2099-12-" + day + "\nday: " + day + "\nyear: 2099\nauthors: [\"A\"]\nhandles: {\"A\": \"a\"}\nlab: " + name + "\n---\n\n" +
		"```console {step=\"run\"}\n$ " + cmd + "\n...\n```\n"
}

// TestLabsChangedOnToolBump builds a git repository whose go.mod pins kind,
// helm and kubectl, bumps each as Dependabot would (one require line), and
// checks that `advent labs changed` selects every lab using that tool, so
// the labs workflow runs them on the bump's pull request. A change no lab
// depends on selects none.
func TestLabsChangedOnToolBump(t *testing.T) {
	root := t.TempDir()
	t.Setenv("HOME", t.TempDir())
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	for _, kv := range [][2]string{{"GIT_AUTHOR_NAME", "t"}, {"GIT_AUTHOR_EMAIL", "t@example.org"}, {"GIT_COMMITTER_NAME", "t"}, {"GIT_COMMITTER_EMAIL", "t@example.org"}} {
		t.Setenv(kv[0], kv[1])
	}
	git := func(args ...string) {
		t.Helper()
		out, err := exec.CommandContext(t.Context(), "git", append([]string{"-C", root}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %v: %v\n%s", args, err, out)
		}
	}
	files := map[string]string{
		"go.mod":                     "module example.org/labs\n\ngo 1.26\n\nrequire (\n\tk8s.io/kubectl v0.37.0\n\tsigs.k8s.io/kind v0.33.0\n)\n\nrequire helm.sh/helm/v4 v4.3.2 // indirect\n\ntool helm.sh/helm/v4/cmd/helm\n",
		"content/2099/01-charts.md":  toolArticle("01", "charts", "helm version --short"),
		"content/2099/_index.md":     "---\ntitle: \"SysAdvent 2099\"\nyear: 2099\n---\n",
		"content/2099/02-cluster.md": toolArticle("02", "cluster", "kind create cluster && kubectl get nodes"),
		"content/2099/03-plain.md":   toolArticle("03", "plain", "echo hello"),
		"README.md":                  "labs\n",
	}
	for name, data := range files {
		writeFile(t, filepath.Join(root, name), []byte(data))
	}
	git("init", "-q", "-b", "main")
	git("add", "-A")
	git("commit", "-q", "-m", "base")
	git("branch", "base")

	changed := func() []string {
		t.Helper()
		var stdout, stderr bytes.Buffer
		if code := Main(context.Background(), []string{"labs", "changed", "-root", root, "-base", "base", "-format", "json"}, &stdout, &stderr); code != ExitOK {
			t.Fatalf("labs changed: exit %d: %s", code, &stderr)
		}
		var names []string
		if err := json.Unmarshal(stdout.Bytes(), &names); err != nil {
			t.Fatal(err)
		}
		return names
	}
	for _, c := range []struct {
		mod, to string
		uses    []string
	}{
		{"helm.sh/helm/v4", "v4.3.3", []string{"charts"}},
		{"sigs.k8s.io/kind", "v0.34.0", []string{"cluster"}},
		{"k8s.io/kubectl", "v0.37.2", []string{"cluster"}},
	} {
		git("checkout", "-q", "-B", "bump", "base")
		path := filepath.Join(root, "go.mod")
		data, _ := os.ReadFile(path)
		mf, err := modfile.Parse(path, data, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := mf.AddRequire(c.mod, c.to); err != nil {
			t.Fatal(err)
		}
		out, _ := mf.Format()
		writeFile(t, path, out)
		git("commit", "-q", "-am", "bump "+c.mod)
		got := changed()
		for _, l := range c.uses {
			if !slices.Contains(got, l) {
				t.Errorf("bump of %s to %s: labs changed %v, want %s among them", c.mod, c.to, got, l)
			}
		}
	}
	git("checkout", "-q", "-B", "docs", "base")
	writeFile(t, filepath.Join(root, "README.md"), []byte("labs, edited\n"))
	git("commit", "-q", "-am", "docs")
	if got := changed(); len(got) != 0 {
		t.Errorf("a README change selected %v", got)
	}
}
