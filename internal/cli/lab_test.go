package cli

import (
	"bytes"
	"context"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/report"
	"github.com/sysadvent/advent/internal/runner"
	"github.com/sysadvent/advent/internal/runner/runnertest"
)

const demoArticle = "---\ntitle: Demo\ndate: 2099-12-02\nday: 2\nyear: 2099\nauthors: [\"A\"]\nhandles: {\"A\": \"a\"}\nlab: demo\n---\n\n" +
	"Say hello:\n\n```console {step=\"hello\"}\n$ echo hello\nhello\n```\n\n" +
	"```console {step=\"maybe\"}\n$ cat answer\n42\n```\n"

func demoProject(t *testing.T, answer string) string {
	t.Helper()
	root := t.TempDir()
	art := filepath.Join(root, "content", "2099", "02-demo.md")
	os.MkdirAll(filepath.Dir(art), 0o755)
	body := strings.Replace(demoArticle, "$ cat answer", "$ echo "+answer, 1)
	if err := os.WriteFile(art, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	index := "---\ntitle: \"SysAdvent 2099\"\nyear: 2099\n---\n"
	if err := os.WriteFile(filepath.Join(filepath.Dir(art), "_index.md"), []byte(index), 0o644); err != nil {
		t.Fatal(err)
	}
	if code := Main(context.Background(), []string{"labs", "extract", "-root", root}, &bytes.Buffer{}, &bytes.Buffer{}); code != 0 {
		t.Fatalf("labs extract: exit %d", code)
	}
	return root
}

func withFakeBackend(t *testing.T) *runnertest.Fake {
	f := runnertest.New(t.TempDir())
	saved := newBackend
	newBackend = func(context.Context, *invocation, backendOptions) (runner.Backend, error) { return f, nil }
	t.Cleanup(func() { newBackend = saved })
	return f
}

func TestLabRunExitCodesResultsAndJUnit(t *testing.T) {
	withFakeBackend(t)
	root := demoProject(t, "42")
	junit := filepath.Join(t.TempDir(), "junit.xml")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"lab", "run", "-root", root, "-junit", junit, "demo"}, &out, &errb)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	for _, want := range []string{"[1/2] hello ✓", "[2/2] maybe ✓", "✓ demo pass: 2 pass"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	f, err := report.Read(filepath.Join(root, "results", "demo.json"))
	if err != nil || f == nil || f.Runs[0].Status != report.Pass || f.Source != "content/2099/02-demo.md" {
		t.Fatalf("results: %v %+v", err, f)
	}
	b, err := os.ReadFile(junit)
	if err != nil {
		t.Fatal(err)
	}
	var suites struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
	}
	if err := xml.Unmarshal(b, &suites); err != nil || suites.Tests != 2 || suites.Failures != 0 {
		t.Errorf("junit: %v %+v\n%s", err, suites, b)
	}

	// A second run is skipped as unchanged.
	out.Reset()
	if code := Main(context.Background(), []string{"lab", "run", "-root", root, "demo"}, &out, &errb); code != 0 || !strings.Contains(out.String(), "unchanged since it passed") {
		t.Errorf("second run: exit %d\n%s", code, out.String())
	}
}

func TestLabRunFailureExits1(t *testing.T) {
	withFakeBackend(t)
	root := demoProject(t, "41")
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"lab", "run", "-root", root, "demo"}, &out, &errb)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out.String())
	}
	for _, want := range []string{"[2/2] maybe ✗", "-42", "+41", "at content/2099/02-demo.md:"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestLabRunBadUsage(t *testing.T) {
	withFakeBackend(t)
	root := demoProject(t, "42")
	for _, args := range [][]string{
		{"lab", "run", "-root", root},
		{"lab", "run", "-root", root, "nosuch"},
		{"lab", "run", "-root", root, "-all", "demo"},
		{"lab", "run", "-root", root, "-bogus", "demo"},
	} {
		var out, errb bytes.Buffer
		if code := Main(context.Background(), args, &out, &errb); code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", args, code, errb.String())
		}
	}
	// Drift between the article and labs/ is bad input too.
	art := filepath.Join(root, "content", "2099", "02-demo.md")
	b, _ := os.ReadFile(art)
	os.WriteFile(art, bytes.Replace(b, []byte("echo hello"), []byte("echo bye"), 1), 0o644)
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"lab", "run", "-root", root, "demo"}, &out, &errb); code != 2 || !strings.Contains(errb.String(), "labs/ is out of date") {
		t.Errorf("drift: exit %d\n%s", code, errb.String())
	}
}

// Flags after the lab's name mean what they mean before it: the order a
// new user types first.
func TestLabRunFlagsAfterNames(t *testing.T) {
	withFakeBackend(t)
	root := demoProject(t, "42")
	var out, errb bytes.Buffer
	if code := Main(context.Background(), []string{"lab", "run", "demo", "-root", root}, &out, &errb); code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out.String(), errb.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"lab", "run", "demo", "-root", root}, &out, &errb); code != 0 || !strings.Contains(out.String(), "unchanged since it passed") {
		t.Fatalf("second run without -force: exit %d\n%s", code, out.String())
	}
	out.Reset()
	if code := Main(context.Background(), []string{"lab", "run", "demo", "-force", "-root", root}, &out, &errb); code != 0 || strings.Contains(out.String(), "unchanged") || !strings.Contains(out.String(), "✓ demo pass") {
		t.Errorf("`lab run demo -force` did not run the lab again: exit %d\n%s%s", code, out.String(), errb.String())
	}
}
