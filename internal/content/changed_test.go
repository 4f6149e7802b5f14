package content

import "testing"

func TestCurrentWording(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"plain text", "plain text"},
		{`{{< changed was="Use Minikube:" why="kind replaces Minikube" >}}Use kind:{{< /changed >}}`, "Use kind:"},
		{`Before {{< changed was="a \"quoted\" b" >}}new{{< /changed >}} after, {{<changed why="x">}}two{{</changed>}}.`, "Before new after, two."},
		{"1. {{< changed was=\"x\" why=\"y\" >}}multi\nline{{< /changed >}}\n2. kept", "1. multi\nline\n2. kept"},
		{`{{< changed was="unterminated" >}}no end`, `{{< changed was="unterminated" >}}no end`},
		{`{{< missing-image alt="changed" >}}`, `{{< missing-image alt="changed" >}}`},
	} {
		if got := CurrentWording(tc.in); got != tc.want {
			t.Errorf("CurrentWording(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
