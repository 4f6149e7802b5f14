package lint

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/sysadvent/advent/internal/content"
	"github.com/sysadvent/advent/internal/eol"
)

// today is the day end of life is judged on.
var today = time.Now

// eolRules find instructions to install or pin a release that is past
// its end of life, or that gets security fixes only (internal/eol's
// table, judged on the day lint runs).
var eolRules = []*Rule{
	{
		ID: "kind-node-image-eol", Tool: "kind", Severity: SeverityWarning,
		Summary:     "a kind node image (kind create cluster --image kindest/node:vX.Y, or image: in a kind config) of a Kubernetes minor past its end of life",
		Replacement: "a kindest/node image of a supported Kubernetes minor",
		Source:      "https://kubernetes.io/releases/",
		Command: func(c command) []hit {
			if f := c.flag("--image"); f != nil && f.val != nil && c.verb() == "create" {
				return nodeImageHits(*f.val, f.val.s)
			}
			return nil
		},
		Code: func(b *content.Block) []hit {
			var hits []hit
			for i, l := range strings.Split(b.Code, "\n") {
				if m := nodeImageLine.FindStringSubmatchIndex(l); m != nil {
					w := word{s: l[m[2]:m[3]], raw: l[m[2]:m[3]], line: b.FirstLine + i, col: b.Col + m[2]}
					hits = append(hits, nodeImageHits(w, w.s)...)
				}
			}
			return hits
		},
		Examples: []Example{
			stale("kind create cluster --image kindest/node:v1.29.2"),
			stale("kind create cluster --name dev --image=kindest/node:v1.25.3@sha256:f52781bc0d7a19fb6c405c2af83abfeb311f130707a0e219175677e366cc45d1"),
			current("kind create cluster --image kindest/node:v1.37.0"),
			current("kind create cluster"),
			{Lang: "yaml", Stale: true, Code: "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  image: kindest/node:v1.27.3"},
			{Lang: "yaml", Code: "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  image: kindest/node:v1.37.0"},
		},
	},
	{
		ID: "helm-install-eol", Tool: "helm-installer", Severity: SeverityWarning,
		Summary:     "installing Helm 2 or 3 (the get or get-helm-3 script, go install helm.sh/helm/v3), or building on Helm 3's Go module: Helm 2 is past its end of life and Helm 3 gets security fixes only",
		Replacement: "Helm 4: the get-helm-4 script (https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-4) or go install helm.sh/helm/v4/cmd/helm@latest",
		Source:      "https://helm.sh/blog/helm-v3-end-of-life/",
		Command: func(c command) []hit {
			for _, w := range c.words[1:] {
				if m := helmInstallerRE.FindStringSubmatch(w.s); m != nil {
					major := "3"
					if m[1] == "" && m[2] == "" {
						major = "2"
					}
					return eolHit(w, eol.Helm, major, w.raw)
				}
			}
			return nil
		},
		Code: func(b *content.Block) []hit {
			for i, l := range strings.Split(b.Code, "\n") {
				if m := helmModuleRE.FindStringIndex(l); m != nil {
					w := word{s: l[m[0]:m[1]], raw: l[m[0]:m[1]], line: b.FirstLine + i, col: b.Col + m[0]}
					return eolHit(w, eol.Helm, "3", w.s)
				}
			}
			return nil
		},
		Examples: []Example{
			{Lang: "go", Stale: true, Code: "import (\n\t\"helm.sh/helm/v3/pkg/action\"\n)"},
			{Lang: "go", Code: "import (\n\t\"helm.sh/helm/v4/pkg/action\"\n)"},
			stale("curl https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-3 | bash"),
			stale("curl -fsSL -o get_helm.sh https://raw.githubusercontent.com/helm/helm/master/scripts/get-helm-3"),
			stale("curl https://raw.githubusercontent.com/kubernetes/helm/master/scripts/get | bash"),
			stale("go install helm.sh/helm/v3/cmd/helm@v3.19.0"),
			current("curl https://raw.githubusercontent.com/helm/helm/main/scripts/get-helm-4 | bash"),
			current("go install helm.sh/helm/v4/cmd/helm@latest"),
		},
	},
}

// nodeImageLine is an image: line of a kind config naming a node image.
var nodeImageLine = regexp.MustCompile(`^\s*-?\s*image:\s*["']?(kindest/node:v[0-9][^\s"'@]*(?:@sha256:[0-9a-f]+)?)`)

// helmInstallerRE matches what installs Helm 2 (the get script) or 3: the
// scripts' URLs and the Go module path.
var helmInstallerRE = regexp.MustCompile(`(?:/scripts/get(-helm-3)?$|^(helm\.sh/helm/v3)(?:/|@|$))`)

// helmModuleRE finds Helm 3's Go module in code (go.mod, imports).
var helmModuleRE = regexp.MustCompile(`\bhelm\.sh/helm/v3\b`)

// nodeImageHits reports a kindest/node image whose Kubernetes minor is
// past its end of life.
func nodeImageHits(at word, image string) []hit {
	tag, ok := strings.CutPrefix(image, "kindest/node:")
	if !ok {
		return nil
	}
	tag, _, _ = strings.Cut(tag, "@")
	return eolHit(at, eol.Kubernetes, tag, "kindest/node:"+tag)
}

// eolHit is a hit when version v of p is past its end of life, or gets
// security fixes only, on the day lint runs.
func eolHit(at word, p eol.Product, v, what string) []hit {
	on := today()
	r, err := eol.Lookup(p, v)
	past, _ := eol.VersionPastEOL(p, v, on)
	var state string
	switch {
	case err != nil && past:
		state = "older than every release with end-of-life data, long past its end of life"
	case err != nil:
		return nil
	case r.PastEOL(on):
		state = "past its end of life since " + r.EndOfLife.Format(time.DateOnly)
	case !r.BugFixesEnd.IsZero() && !on.Before(r.BugFixesEnd):
		state = fmt.Sprintf("on security fixes only since %s, end of life %s", r.BugFixesEnd.Format(time.DateOnly), r.EndOfLife.Format(time.DateOnly))
	default:
		return nil
	}
	name := string(p) + " " + v
	if err == nil {
		name = r.String()
	}
	h := hit{at: at, what: what, msg: fmt.Sprintf("%s is %s, %s (supported today: %s)", what, name, state, eol.SupportedRange(p, on))}
	if err == nil {
		h.source = r.Source
	}
	return []hit{h}
}
