package ci

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"strings"
	"testing"
)

// Code talks to Docker through its Go client (github.com/moby/moby/client):
// typed results and errors instead of --format text and messages. The
// docker CLI runs only in the functions listed here, each with why.

// cliAllowed is a function that may build a docker CLI command.
type cliAllowed struct {
	file, fn string // fn as funcName writes it: Name or Recv.Name
	reason   string
}

var dockerCLIAllowed = []cliAllowed{
	{"internal/images/docker.go", "docker.cmd", "runs the CLI for build and relabel"},
	{"internal/images/docker.go", "docker.build", "the API would need the context tarred and the build's JSON stream decoded"},
	{"internal/images/docker.go", "docker.relabel", "a metadata-only build: the API would need a tarred context and the JSON stream decoded"},
	{"internal/env/preboot_docker.go", "dockerEngine.runNode", "kind's own `docker run` arguments, checked flag by flag against kind's provisioner, with the CLI's meaning (as kind runs them)"},
	{"internal/runner/labbench/main.go", "waitClusterFree", "the benchmark harness, a program apart, polls `docker ps` between timed runs"},
}

// dockerCommandBuilders are the calls that start a program, with the index
// of the program's argument.
var dockerCommandBuilders = map[string]int{"xexec.Command": 0, "exec.Command": 0, "exec.CommandContext": 1}

// TestDockerThroughItsGoClient reads the non-test Go code of cmd/ and
// internal/ and fails where a function outside dockerCLIAllowed builds a
// docker CLI command, or an entry matches nothing.
func TestDockerThroughItsGoClient(t *testing.T) {
	used := map[cliAllowed]bool{}
	notTest := func(rel string) bool { return !testCode(rel) }
	for _, f := range goFiles(t, notTest, parser.SkipObjectResolution, "cmd", "internal") {
		for _, c := range dockerCommands(f) {
			if a, ok := allowedCLI(f.rel, c.fn); ok {
				used[a] = true
				continue
			}
			t.Errorf("%s: use Docker's Go client (github.com/moby/moby/client), or list the function in dockerCLIAllowed with why", c)
		}
	}
	for _, a := range dockerCLIAllowed {
		if !used[a] {
			t.Errorf("dockerCLIAllowed entry %s %s builds no docker command any more: remove it", a.file, a.fn)
		}
	}
}

func allowedCLI(file, fn string) (cliAllowed, bool) {
	for _, a := range dockerCLIAllowed {
		if a.file == file && a.fn == fn {
			return a, true
		}
	}
	return cliAllowed{}, false
}

// cliCall is a docker CLI command built in function fn.
type cliCall struct {
	pos token.Position
	fn  string
	how string
}

func (c cliCall) String() string {
	return fmt.Sprintf("%s: %s builds a docker command (%s)", c.pos, c.fn, c.how)
}

// dockerCommands lists where one Go file builds a docker CLI command: a
// program started (xexec.Command, exec.Command, exec.CommandContext) that
// is "docker" (a literal, a name given it, a path ending in /docker) or a
// field naming the docker program (.bin, .Docker), and calls of a docker
// value's cmd method (d.cmd, rc.docker.cmd).
func dockerCommands(f goFile) []cliCall {
	lits := stringValues(f.ast)
	var out []cliCall
	for _, decl := range f.ast.Decls {
		fn := "(package level)"
		if fd, ok := decl.(*ast.FuncDecl); ok {
			fn = funcName(fd)
		}
		ast.Inspect(decl, func(n ast.Node) bool {
			c, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			if how := dockerCommand(c, lits); how != "" {
				out = append(out, cliCall{f.fset.Position(c.Pos()), fn, how})
			}
			return true
		})
	}
	return out
}

// dockerCommand says how call c builds a docker command, or "".
func dockerCommand(c *ast.CallExpr, lits map[string]string) string {
	if i, ok := dockerCommandBuilders[callName(c)]; ok && i < len(c.Args) {
		if dockerProgram(c.Args[i], lits) {
			return callName(c) + " of docker"
		}
		return ""
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if ok && sel.Sel.Name == "cmd" && dockerValue(sel.X) {
		return "the docker CLI's cmd"
	}
	return ""
}

// dockerProgram reports whether e names the docker program.
func dockerProgram(e ast.Expr, lits map[string]string) bool {
	switch e := e.(type) {
	case *ast.BasicLit:
		s, ok := stringLit(e)
		return ok && (s == "docker" || strings.HasSuffix(s, "/docker"))
	case *ast.Ident:
		s := lits[e.Name]
		return s == "docker" || strings.HasSuffix(s, "/docker")
	case *ast.SelectorExpr:
		return e.Sel.Name == "bin" || e.Sel.Name == "Docker"
	}
	return false
}

// dockerValue reports whether e is a docker (images' CLI wrapper): d, or
// a name or field called docker.
func dockerValue(e ast.Expr) bool {
	switch e := e.(type) {
	case *ast.Ident:
		return e.Name == "d" || e.Name == "docker"
	case *ast.SelectorExpr:
		return e.Sel.Name == "docker"
	}
	return false
}

// TestDockerCommandsAreFound pins what the check finds, and what it lets
// pass, on code written to break the rule.
func TestDockerCommandsAreFound(t *testing.T) {
	src := `package p

const cli = "docker"

var probe = exec.Command("/usr/bin/docker", "version")

func (b *B) inspect(ctx context.Context, name string) {
	xexec.Command("docker", "image", "inspect", name).Run(ctx)
	exec.CommandContext(ctx, cli, "ps").Run()
	xexec.Command(b.o.Docker, "info").Run(ctx)
	go func() { rc.docker.cmd("import", name) }()
}

func (d *docker) save(ctx context.Context) {
	d.cmd("save").Run(ctx)
	xexec.Command(d.bin, "save").Run(ctx)
	xexec.Command("dockerd").Run(ctx)
	exec.LookPath("docker")
	c.cmd("x")
	api.ImageSave(ctx, nil)
}
`
	f, err := parseGo("p.go", []byte(src), parser.SkipObjectResolution)
	if err != nil {
		t.Fatal(err)
	}
	got := dockerCommands(f)
	want := []string{
		`p.go:5:13: (package level) builds a docker command (exec.Command of docker)`,
		`p.go:8:2: B.inspect builds a docker command (xexec.Command of docker)`,
		`p.go:9:2: B.inspect builds a docker command (exec.CommandContext of docker)`,
		`p.go:10:2: B.inspect builds a docker command (xexec.Command of docker)`,
		`p.go:11:14: B.inspect builds a docker command (the docker CLI's cmd)`,
		`p.go:15:2: docker.save builds a docker command (the docker CLI's cmd)`,
		`p.go:16:2: docker.save builds a docker command (xexec.Command of docker)`,
	}
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("found:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}
