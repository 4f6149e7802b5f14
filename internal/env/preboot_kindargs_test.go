package env

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/moby/moby/api/types/container"
)

// kindProvisioner is the file of kind's source that builds a node's
// `docker run`, and the functions in it that give a control-plane node its
// arguments.
const kindProvisioner = "pkg/cluster/internal/providers/docker/provision.go"

var kindArgFuncs = []string{"commonArgs", "runArgsForNode", "generateMountBindings", "generatePortMappings",
	"createContainerWithWaitUntilSystemdReachesMultiUserSystem"}

// kindConditionalArgs are the arguments kind adds only on some hosts or
// for some configs (inside an if, a loop or a switch), as the test reads
// them ("*" for what kind computes), and what a pre-booted start gives
// instead: advent's argument, or "" where pre-boot is refused.
var kindConditionalArgs = []struct{ kind, advent, why string }{
	// IPv6 and dual-stack clusters: pre-boot takes kind's default config, IPv4.
	{"--sysctl net.ipv6.conf.all.disable_ipv6=0", "", "IPv6"},
	{"--sysctl net.ipv6.conf.all.forwarding=1", "", "IPv6"},
	// Proxies: prebootKey refuses them in the environment, nodeRecord
	// (kindHostArgs) from Docker's config.
	{"-e *=*", "", "proxy"},
	// Hosts with user namespace remapping, Btrfs/ZFS/device mapper
	// storage, rootless Docker: nodeRecord (kindHostArgs) refuses them.
	{"--userns host", "", "userns-remap"},
	{"--volume /dev/mapper:/dev/mapper", "", "device mapper"},
	{"--device /dev/fuse", "", "rootless"},
	// A custom config (networking.dnsSearch, extraMounts): prebootKey
	// refuses it.
	{"-e KIND_DNS_SEARCH=*", "", "custom config"},
	{"--volume *", "", "custom config"},
	// The API server's port mapping, which a control plane always has:
	// kind picks a free host port, advent leaves it to Docker.
	{"--publish *:*/*", "--publish 127.0.0.1::6443/TCP", "control plane"},
	// Control-plane nodes only: advent's node is one.
	{"-e KUBECONFIG=/etc/kubernetes/admin.conf", "-e KUBECONFIG=/etc/kubernetes/admin.conf", "control plane"},
}

// adventOnlyArgs are what kindRunArgs pins that kind does not: the node's
// address, which it keeps from the pre-boot.
var adventOnlyArgs = []string{"--ip *"}

// kindRunArgs passes what kind's provisioner, in the module cache at the
// version in go.mod, passes a control-plane node's `docker run`: a kind
// bump that changes them fails here.
func TestKindRunArgsMatchKind(t *testing.T) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/kind").Output()
	dir := strings.TrimSpace(string(out))
	if err != nil || dir == "" {
		t.Fatalf("go list -m sigs.k8s.io/kind: %q, %v (go mod download sigs.k8s.io/kind)", out, err)
	}
	always, conditional := kindArgs(t, filepath.Join(dir, kindProvisioner))
	if len(always) < 15 {
		t.Fatalf("read only %d arguments from %s: %q", len(always), kindProvisioner, always)
	}

	var wantConditional []string
	advent := tokenArgs(kindRunArgs("CLUSTER", "NODE", "IP", "IMAGE"))
	for _, c := range kindConditionalArgs {
		wantConditional = append(wantConditional, c.kind)
		if c.advent != "" && !take(&advent, regexp.QuoteMeta(c.advent)) {
			t.Errorf("kindRunArgs lacks %q, which stands for kind's %q", c.advent, c.kind)
		}
	}
	slices.Sort(conditional)
	slices.Sort(wantConditional)
	if !slices.Equal(conditional, wantConditional) {
		t.Errorf("kind adds these only on some hosts or configs:\n  %q\nthe test knows:\n  %q\n"+
			"decide how a pre-booted start stands for each (kindConditionalArgs, kindHostArgs)", conditional, wantConditional)
	}
	for _, a := range always {
		if !take(&advent, pattern(a)) {
			t.Errorf("kind passes %q; kindRunArgs does not", a)
		}
	}
	for _, a := range advent {
		if !slices.ContainsFunc(adventOnlyArgs, func(p string) bool { return regexp.MustCompile(pattern(p)).MatchString(a) }) {
			t.Errorf("kindRunArgs passes %q; kind does not", a)
		}
	}
}

// take removes from args the first argument that matches the regular
// expression re (anchored), and reports whether there was one.
func take(args *[]string, re string) bool {
	m := regexp.MustCompile("^(?:" + re + ")$")
	i := slices.IndexFunc(*args, m.MatchString)
	if i < 0 {
		return false
	}
	*args = slices.Delete(*args, i, i+1)
	return true
}

// pattern is the regular expression of an argument read from kind's
// source, where "*" is anything.
func pattern(a string) string { return strings.ReplaceAll(regexp.QuoteMeta(a), `\*`, ".*") }

// kindArgs reads the arguments kindArgFuncs give `docker run`, always or
// only inside an if, a loop or a switch.
func kindArgs(t *testing.T, file string) (always, conditional []string) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(filepath.Dir(file), "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	var funcs []*ast.FuncDecl
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			if gd, ok := d.(*ast.GenDecl); ok && gd.Tok == token.CONST {
				for _, spec := range gd.Specs {
					vs := spec.(*ast.ValueSpec)
					for i, id := range vs.Names {
						if s, ok := stringLitAt(vs.Values, i); ok {
							consts[id.Name] = s
						}
					}
				}
			}
		}
		if name != file {
			continue
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok && slices.Contains(kindArgFuncs, fd.Name.Name) {
				funcs = append(funcs, fd)
			}
		}
	}
	if len(funcs) != len(kindArgFuncs) {
		t.Fatalf("%s: found %d of the functions %q", file, len(funcs), kindArgFuncs)
	}
	r := argReader{consts: consts}
	for _, fd := range funcs {
		r.stmts(fd.Body.List, false)
	}
	return r.always, r.conditional
}

// argReader collects the arguments of the argument lists it finds.
type argReader struct {
	consts              map[string]string
	always, conditional []string
}

func (r *argReader) stmts(list []ast.Stmt, cond bool) {
	for _, s := range list {
		r.stmt(s, cond)
	}
}

func (r *argReader) stmt(s ast.Stmt, cond bool) {
	switch s := s.(type) {
	case *ast.BlockStmt:
		r.stmts(s.List, cond)
	case *ast.IfStmt:
		if s.Init != nil {
			r.stmt(s.Init, cond) // runs whatever the condition
		}
		r.stmt(s.Body, true)
		if s.Else != nil {
			r.stmt(s.Else, true)
		}
	case *ast.RangeStmt:
		r.stmt(s.Body, true)
	case *ast.ForStmt:
		r.stmt(s.Body, true)
	case *ast.SwitchStmt:
		r.stmt(s.Body, true)
	case *ast.CaseClause:
		r.stmts(s.Body, cond)
	default:
		ast.Inspect(s, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				r.list(n.Elts, cond)
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && id.Name == "append" && len(n.Args) > 1 {
					elts := n.Args[1:]
					if n.Ellipsis.IsValid() {
						elts = elts[:len(elts)-1] // a spread list is read where it is made
					}
					r.list(elts, cond)
				}
			}
			return true
		})
	}
}

// list reads one argument list: flags, each with the value after it.
func (r *argReader) list(elts []ast.Expr, cond bool) {
	var toks []string
	for _, e := range elts {
		toks = append(toks, r.value(e))
	}
	for _, a := range tokenArgs(toks) {
		if cond {
			r.conditional = append(r.conditional, a)
		} else {
			r.always = append(r.always, a)
		}
	}
}

// value is what an expression of an argument list gives: a string
// literal, a constant of kind's, fmt.Sprintf's result with "*" for what it
// computes, or "*".
func (r *argReader) value(e ast.Expr) string {
	switch e := e.(type) {
	case *ast.BasicLit:
		if s, ok := stringLit(e); ok {
			return s
		}
	case *ast.Ident:
		if s, ok := r.consts[e.Name]; ok {
			return s
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return r.value(e.X) + r.value(e.Y)
		}
	case *ast.CallExpr:
		if sel, ok := e.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "Sprintf" && len(e.Args) > 0 {
			format, _ := stringLit(e.Args[0])
			args := e.Args[1:]
			return regexp.MustCompile(`%[sdv]`).ReplaceAllStringFunc(format, func(string) string {
				if len(args) == 0 {
					return "*"
				}
				v := r.value(args[0])
				args = args[1:]
				return v
			})
		}
	}
	return "*"
}

func stringLitAt(es []ast.Expr, i int) (string, bool) {
	if i >= len(es) {
		return "", false
	}
	return stringLit(es[i])
}

func stringLit(e ast.Expr) (string, bool) {
	b, ok := e.(*ast.BasicLit)
	if !ok || b.Kind != token.STRING {
		return "", false
	}
	s, err := strconv.Unquote(b.Value)
	return s, err == nil
}

// tokenArgs pairs `docker run` arguments into "flag value" (a flag's value
// given with "=" too) and "flag"; words that follow no flag (the command,
// the image) are left out.
func tokenArgs(toks []string) []string {
	var out []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !strings.HasPrefix(t, "-") {
			continue
		}
		if f, v, ok := strings.Cut(t, "="); ok {
			out = append(out, f+" "+v)
			continue
		}
		if i+1 < len(toks) && !strings.HasPrefix(toks[i+1], "-") && !booleanFlag(t) {
			out = append(out, t+" "+toks[i+1])
			i++
			continue
		}
		out = append(out, t)
	}
	return out
}

// booleanFlag reports whether docker run's flag f takes no value.
func booleanFlag(f string) bool {
	return slices.Contains([]string{"--detach", "-d", "--tty", "-t", "--privileged", "--interactive", "-i", "--rm", "--init"}, f)
}

// A node kind gave more than kindRunArgs cannot be pre-booted: each such
// argument is named.
func TestKindHostArgs(t *testing.T) {
	plain := container.InspectResponse{
		HostConfig: &container.HostConfig{Binds: []string{libModulesBind}},
		Config:     &container.Config{Env: []string{"PATH=/usr/bin", "container=docker", "KUBECONFIG=/etc/kubernetes/admin.conf"}},
	}
	if got := kindHostArgs(plain); len(got) != 0 {
		t.Errorf("kindHostArgs(a node of kindRunArgs) = %q, want none", got)
	}
	odd := container.InspectResponse{
		HostConfig: &container.HostConfig{
			Binds:      []string{libModulesBind, "/dev/mapper:/dev/mapper"},
			UsernsMode: "host",
			Resources:  container.Resources{Devices: []container.DeviceMapping{{PathOnHost: "/dev/fuse", PathInContainer: "/dev/fuse"}}},
			Sysctls:    map[string]string{"net.ipv6.conf.all.forwarding": "1"},
		},
		Config: &container.Config{Env: []string{"HTTP_PROXY=http://proxy:3128", "no_proxy=.svc", "KIND_DNS_SEARCH=example.com"}},
	}
	want := []string{"--device=/dev/fuse", "--sysctl=net.ipv6.conf.all.forwarding=1", "--userns=host", "--volume=/dev/mapper:/dev/mapper",
		"-e=HTTP_PROXY", "-e=KIND_DNS_SEARCH", "-e=no_proxy"}
	if got := kindHostArgs(odd); !slices.Equal(got, want) {
		t.Errorf("kindHostArgs = %q, want %q", got, want)
	}
}
