package lab_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/lab"
)

// lines splits a want block written as one string.
func lines(s string) []string { return strings.Split(strings.TrimPrefix(s, "\n"), "\n") }

func TestMatch(t *testing.T) {
	tests := []struct {
		name   string
		expect []string
		output string
		want   bool
	}{
		// Exact text and whitespace.
		{"nil expect matches anything", nil, "whatever\n", true},
		{"nil expect matches nothing printed", nil, "", true},
		{"empty expect matches no output", []string{}, "", true},
		{"empty expect does not match output", []string{}, "x\n", false},
		{"same text", lines("hello\nworld"), "hello\nworld\n", true},
		{"different text", lines("hello"), "goodbye\n", false},
		{"missing line", lines("a\nb"), "a\n", false},
		{"extra line", lines("a"), "a\nb\n", false},
		{"lines in another order", lines("a\nb"), "b\na\n", false},
		{"trailing blank output lines ignored", lines("a"), "a\n\n  \n", true},
		{"blank line inside output must be there", lines("a\n\nb"), "a\nb\n", false},
		{"blank line inside output matches", lines("a\n\nb"), "a\n\nb\n", true},
		{"CRLF output", lines("a\nb"), "a\r\nb\r\n", true},
		{"no final newline", lines("a"), "a", true},
		{"column alignment does not matter",
			lines("NAME      READY   STATUS\nexample   2/2     Running"),
			"NAME   READY STATUS\nexample 2/2 Running\n", true},
		{"tabs and leading spaces", lines("  a\tb"), "a b\n", true},
		{"words must not merge", lines("ab c"), "a bc\n", false},
		{"case matters", lines("Running"), "running\n", false},

		// Stable values that must not match each other.
		{"2/2 vs 1/2", lines("example   2/2     2            2           8m"),
			"example   1/2     2            2           8m\n", false},
		{"example vs apache", lines("deployment.apps/example   3/3"), "deployment.apps/apache   3/3\n", false},
		{"Running vs Pending", lines("example-5c794cbb55-cvn4k   1/1   Running   0   2m"),
			"example-5c794cbb55-cvn4k   1/1   Pending   0   2m\n", false},
		{"restart count", lines("pod/a-5dc6dcd8b5-2xmpn   1/1   Running   0   1m"),
			"pod/a-5dc6dcd8b5-2xmpn   1/1   Running   3   1m\n", false},
		{"service port", lines("service/example   NodePort   10.96.166.20   <none>   80:31664/TCP   8m"),
			"service/example   NodePort   10.96.166.20   <none>   8080:31664/TCP   8m\n", false},
		{"plain port", lines("service/kubernetes   ClusterIP   10.96.0.1   <none>   443/TCP   58m"),
			"service/kubernetes   ClusterIP   10.96.0.1   <none>   80/TCP   58m\n", false},
		{"release revision", lines("REVISION: 1"), "REVISION: 2\n", false},
		{"status word", lines("STATUS: deployed"), "STATUS: failed\n", false},
		{"version", lines("v3.22.0"), "v3.21.0\n", false},
		{"a count is not an age", lines("1 directory, 3 files"), "1 directory, 2 files\n", false},
		{"html", lines("<title>Welcome to nginx!</title>"), "<title>It works!</title>\n", false},

		// "..." lines.
		{"... at the start", lines("...\nlast"), "a\nb\nlast\n", true},
		{"... at the start matches none", lines("...\nlast"), "last\n", true},
		{"... at the start, wrong last", lines("...\nlast"), "a\nb\nnot last\n", false},
		{"... in the middle", lines("first\n...\nlast"), "first\nx\ny\nlast\n", true},
		{"... in the middle matches none", lines("first\n...\nlast"), "first\nlast\n", true},
		{"... in the middle, missing last", lines("first\n...\nlast"), "first\nx\n", false},
		{"... at the end", lines("first\n..."), "first\nx\ny\n", true},
		{"... at the end matches none", lines("first\n..."), "first\n", true},
		{"... at the end, wrong first", lines("first\n..."), "second\nx\n", false},
		{"... alone matches anything", lines("..."), "a\nb\n", true},
		{"... alone matches nothing", lines("..."), "", true},
		{"two ... around a line", lines("...\n<title>Welcome to nginx!</title>\n..."),
			"<!DOCTYPE html>\n<html>\n<title>Welcome to nginx!</title>\n</html>\n", true},
		{"two ... around a missing line", lines("...\n<title>Welcome to nginx!</title>\n..."),
			"<html>\n<title>It works!</title>\n</html>\n", false},
		{"indented ...", lines("a\n    ...\nb"), "a\nx\nb\n", true},
		{"backtracking over ...", lines("...\na\nb"), "a\nx\na\nb\n", true},

		// Prefix lines "text...".
		{"prefix", lines("kind v0.33.0..."), "kind v0.33.0 go1.24.2 linux/amd64\n", true},
		{"prefix inside a word", lines("v3.22..."), "v3.22.1+g1234abc\n", true},
		{"prefix is the whole line", lines("Creating cluster \"helm\" ..."), "Creating cluster \"helm\" ...\n", true},
		{"prefix does not match", lines("v3.22..."), "v3.21.0\n", false},
		{"prefix with columns", lines("helm-control-plane   Ready    control-plane..."),
			"helm-control-plane Ready control-plane 40s v1.37.0\n", true},
		{"prefix of a different status", lines("helm-control-plane   Ready    control-plane..."),
			"helm-control-plane NotReady control-plane 40s v1.37.0\n", false},
		{"prefix matches one line only", lines("Client Version: v1.37..."), "Client Version:\nv1.37.0\n", false},

		// /regexp/ lines.
		{"regexp", lines(`/v3\.[0-9]+\.[0-9]+/`), "v3.22.0\n", true},
		{"regexp is anchored at the start", lines(`/v3\.[0-9]+/`), "xv3.22\n", false},
		{"regexp is anchored at the end", lines(`/v3\.[0-9]+/`), "v3.22.0\n", false},
		{"regexp alternatives stay anchored", lines(`/a|b/`), "ab\n", false},
		{"regexp with unbalanced groups stays anchored", lines(`/a)|(b/`), "axyz\n", false},
		{"regexp with unbalanced groups is literal text", lines(`/a)|(b/`), "/a)|(b/\n", true},
		{"regexp ignores trailing spaces", lines(`/ok/`), "ok  \r\n", true},
		{"regexp is whitespace sensitive", lines(`/a b/`), "a  b\n", false},
		{"invalid regexp is literal text", lines(`/a(/`), "/a(/\n", true},
		{"invalid regexp is not a regexp", lines(`/a(/`), "a(\n", false},
		{"// is text", lines("//"), "//\n", true},

		// Ages.
		{"age", lines("example   2/2   2   2   2m"), "example   2/2   2   2   14s\n", true},
		{"compound age", lines("pod   58m"), "pod   3d4h\n", true},
		{"fractional age", lines("took 1.5s"), "took 250s\n", true},
		{"adjacent ages", lines("a 1m 2m 3m"), "a 4s 5h 6d\n", true},
		{"four adjacent ages", lines("1m 2m 3m 4m"), "5s 6s 7s 8s\n", true},
		{"age at line start", lines("2m ago"), "5s ago\n", true},
		{"age vs number", lines("pod   2m"), "pod   2\n", false},
		{"age vs word", lines("pod   2m"), "pod   now\n", false},
		{"age must be a whole word", lines("size 2m"), "size 2mb\n", false},
		{"age in a word is not an age", lines("x2m"), "x5s\n", false},

		// IPv4 addresses.
		{"ipv4", lines("example   10.0.0.62   <nodes>"), "example   10.96.31.152   <nodes>\n", true},
		{"ipv4 with port", lines("Forwarding from 127.0.0.1:8080 -> 80"), "Forwarding from 10.1.2.3:8080 -> 80\n", true},
		{"ipv4 keeps its port", lines("Forwarding from 127.0.0.1:8080 -> 80"), "Forwarding from 127.0.0.1:8081 -> 80\n", false},
		{"ipv4 vs text", lines("ip 10.0.0.1"), "ip none\n", false},
		{"ipv4 vs three parts", lines("ip 10.0.0.1"), "ip 10.0.1\n", false},

		// NodePorts.
		{"nodeport", lines("80:30841/TCP"), "80:32587/TCP\n", true},
		{"nodeport lowest", lines("80:30000/TCP"), "80:32767/TCP\n", true},
		{"nodeport keeps the service port", lines("80:30841/TCP"), "81:30841/TCP\n", false},
		{"nodeport keeps the protocol", lines("80:30841/TCP"), "80:30841/UDP\n", false},
		{"not a nodeport", lines("80:30841/TCP"), "80:8080/TCP\n", false},

		// Generated names.
		{"pod-template hash and suffix", lines("example-5c794cbb55-cvn4k   1/1   Running"),
			"example-7d9f8b6c4d-x2z9q   1/1   Running\n", true},
		{"hash keeps the deployment name", lines("example-5c794cbb55-cvn4k   1/1   Running"),
			"apache-5c794cbb55-cvn4k   1/1   Running\n", false},
		{"five-character suffix", lines("job-x7z9q   Completed"), "job-b4k2n   Completed\n", true},
		{"suffix keeps its prefix", lines("job-x7z9q   Completed"), "cron-b4k2n   Completed\n", false},
		{"a word is not a suffix", lines("my-first-helm-chart"), "my-first-helm-chbrt\n", false},
		{"suffix vs no suffix", lines("pod/example-5c794cbb55-cvn4k"), "pod/example\n", false},

		// Timestamps.
		{"ANSI C time", lines("LAST DEPLOYED: Wed Nov 22 10:55:11 2017"), "LAST DEPLOYED: Tue Nov 25 17:21:08 2026\n", true},
		{"ANSI C time with zone and padded day", lines("LAST DEPLOYED: Wed Nov 22 10:55:11 2017"), "LAST DEPLOYED: Mon Dec  1 09:00:00 UTC 2026\n", true},
		{"RFC 3339", lines("created 2017-11-22T10:55:11Z"), "created 2026-11-25T17:21:08.123456+01:00\n", true},
		{"RFC 3339 with space", lines("at 2017-11-22 10:55:11 +0000 UTC"), "at 2026-01-02 03:04:05 +0000 UTC\n", true},
		{"both formats are timestamps", lines("at 2017-11-22T10:55:11Z"), "at Wed Nov 22 10:55:11 2017\n", true},
		{"time keeps its label", lines("LAST DEPLOYED: Wed Nov 22 10:55:11 2017"), "FIRST DEPLOYED: Wed Nov 22 10:55:11 2017\n", false},
		{"a date is not a time", lines("date 2017-11-22"), "date 2017-11-23\n", false},
		{"time vs text", lines("LAST DEPLOYED: Wed Nov 22 10:55:11 2017"), "LAST DEPLOYED: never\n", false},

		// Volatile values on the expected side too, and in prefixes.
		{"volatile in a prefix", lines("example-5c794cbb55-cvn4k   1/1   Running..."),
			"example-66b6c48dd5-q8w2z   1/1   Running   0   5s\n", true},
		{"real kubectl get output", lines(`
NAME                           READY   STATUS    RESTARTS   AGE
pod/apache-5dc6dcd8b5-2xmpn    1/1     Running   0          1m
pod/example-5c794cbb55-cvn4k   1/1     Running   0          8m`), `NAME                           READY   STATUS    RESTARTS   AGE
pod/apache-6f5c8d7b9c-h7k2m    1/1     Running   0          17s
pod/example-7b8c9d6f5c-zq4nr   1/1     Running   0          2m3s
`, true},
		{"real kubectl get output, one pod not ready", lines(`
NAME                           READY   STATUS    RESTARTS   AGE
pod/apache-5dc6dcd8b5-2xmpn    1/1     Running   0          1m
pod/example-5c794cbb55-cvn4k   1/1     Running   0          8m`), `NAME                           READY   STATUS    RESTARTS   AGE
pod/apache-6f5c8d7b9c-h7k2m    1/1     Running   0          17s
pod/example-7b8c9d6f5c-zq4nr   0/1     Running   0          2m3s
`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := lab.Match(tt.expect, tt.output); got != tt.want {
				t.Errorf("Match(%q, %q) = %v, want %v\n%s", tt.expect, tt.output, got, tt.want, lab.Diff(tt.expect, tt.output))
			}
		})
	}
}

func TestOutputLines(t *testing.T) {
	for in, want := range map[string][]string{
		"":             {},
		"\n\n":         {},
		"a":            {"a"},
		"a\r\nb\r\n":   {"a", "b"},
		"a\n\n b\n \n": {"a", "", " b"},
	} {
		got := lab.OutputLines(in)
		if strings.Join(got, "|") != strings.Join(want, "|") || len(got) != len(want) {
			t.Errorf("OutputLines(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDiff(t *testing.T) {
	got := lab.Diff([]string{"a", "b"}, "a\nc\n\n")
	for _, want := range []string{"--- expected", "+++ actual", "-b", "+c"} {
		if !strings.Contains(got, want) {
			t.Errorf("Diff lacks %q:\n%s", want, got)
		}
	}
	if d := lab.Diff([]string{"a"}, "a\n"); d != "" {
		t.Errorf("Diff of equal output = %q, want empty", d)
	}
}

func TestContains(t *testing.T) {
	const deployment = `
# the file, as kubectl wrote it
apiVersion: apps/v1
kind: Deployment
metadata:
  labels:
    app: example
  name: example
spec:
  replicas: 1
  selector:
    matchLabels:
      app: example
  template:
    metadata:
      labels:
        app: example
    spec:
      containers:
      - image: nginx:alpine
        name: nginx
        ports:
        - containerPort: 80
      - image: busybox
        name: sidecar
status: {}
`
	tests := []struct {
		name, want, err string
	}{
		{"whole file", deployment, ""},
		{"subset of keys, other comments", "# abbreviated\nkind: Deployment # a comment\nmetadata:\n  name: example\n", ""},
		{"nested", "spec:\n  template:\n    spec:\n      containers:\n      - name: nginx\n", ""},
		{"list prefix", "spec:\n  template:\n    spec:\n      containers:\n      - image: nginx:alpine\n", ""},
		{"list items by position", "spec:\n  template:\n    spec:\n      containers:\n      - {}\n      - name: sidecar\n", ""},
		{"empty mapping", "status: {}\n", ""},
		{"number", "spec:\n  replicas: 1\n", ""},
		{"wrong scalar", "kind: Service\n", `kind: file has "Deployment", the article shows "Service"`},
		{"wrong nested scalar", "metadata:\n  labels:\n    app: apache\n", `metadata.labels.app: file has "example", the article shows "apache"`},
		{"number vs string", "spec:\n  replicas: \"1\"\n", `spec.replicas: file has 1, the article shows "1"`},
		{"missing key", "metadata:\n  namespace: default\n", `metadata.namespace: missing in the file`},
		{"missing top-level key", "data:\n  a: b\n", `data: missing in the file`},
		{"list item at another position", "spec:\n  template:\n    spec:\n      containers:\n      - name: sidecar\n",
			`spec.template.spec.containers[0].name: file has "nginx", the article shows "sidecar"`},
		{"longer list", "spec:\n  template:\n    spec:\n      containers:\n      - {}\n      - {}\n      - {}\n",
			`spec.template.spec.containers: file has 2 items, the article shows 3`},
		{"mapping vs scalar", "kind:\n  name: x\n", `kind: file has "Deployment", the article shows a mapping`},
		{"list vs mapping", "metadata:\n  - name\n", `metadata: file has a mapping, the article shows a list`},
		{"scalar vs mapping", "metadata: example\n", `metadata: file has a mapping, the article shows "example"`},
		{"document vs list", "- a\n", `document: file has a mapping, the article shows a list`},
		{"not YAML", "a: [\n", `block is not YAML: yaml: line 1: did not find expected node content`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := lab.Contains([]byte(deployment), []byte(tt.want))
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("Contains: %v", err)
			case tt.err != "" && err == nil:
				t.Errorf("Contains: no error, want %s", tt.err)
			case tt.err != "" && err.Error() != tt.err:
				t.Errorf("Contains:\n got %v\nwant %s", err, tt.err)
			}
		})
	}
	if err := lab.Contains([]byte("a: [\n"), []byte("a: 1\n")); err == nil || !strings.HasPrefix(err.Error(), "file is not YAML: ") {
		t.Errorf("Contains on a broken file: %v", err)
	}
	if err := lab.Contains([]byte(""), []byte("a: 1\n")); err == nil || err.Error() != "document: file has nothing, the article shows a mapping" {
		t.Errorf("Contains on an empty file: %v", err)
	}
}

func TestLocalPorts(t *testing.T) {
	l := &lab.Lab{Steps: []lab.Step{
		{Name: "a", Commands: []lab.Command{{Cmd: "kubectl port-forward service/example 8080:80"}}},
		{Name: "b", Commands: []lab.Command{{Cmd: "kubectl -n x port-forward pod/p 9000:9000 9001:80 > /dev/null"}}},
		{Name: "c", Commands: []lab.Command{{Cmd: "curl -s http://127.0.0.1:8080"}, {Cmd: "kubectl port-forward svc/y 8080:80"}}},
	}}
	got := l.LocalPorts()
	want := []lab.Port{{8080, "a"}, {9000, "b"}, {9001, "b"}}
	if len(got) != len(want) {
		t.Fatalf("LocalPorts = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("LocalPorts[%d] = %v, want %v", i, got[i], want[i])
		}
	}
}

func TestSpans(t *testing.T) {
	for _, tc := range []struct {
		expect []string
		output string
		want   []int
	}{
		{[]string{"a", "...", "z"}, "a\nb\nc\nz\n", []int{1, 2, 1}},
		{[]string{"..."}, "x\ny\n", []int{2}},
		{[]string{"a", "..."}, "a\n", []int{1, 0}},
		{[]string{"kind v0.33...", "..."}, "kind v0.33.0 go1.26\nmore\n", []int{1, 1}},
		{[]string{"a", "...", "a"}, "a\na\na\n", []int{1, 1, 1}},
		{[]string{"a"}, "b\n", nil},
		{nil, "b\n", nil},
	} {
		if got := lab.Spans(tc.expect, tc.output); fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("Spans(%q, %q) = %v, want %v", tc.expect, tc.output, got, tc.want)
		}
	}
}
