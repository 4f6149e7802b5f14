package lab

import (
	"regexp"
	"sort"
	"strconv"
)

// portForwardRE finds the local ports of `kubectl port-forward TARGET
// [LOCAL:]REMOTE...` commands.
var (
	portForwardRE = regexp.MustCompile(`\bport-forward\b([^\n;&|]*)`)
	portPairRE    = regexp.MustCompile(`(?:^|\s)(\d{2,5}):\d{1,5}\b`)
)

// LocalPorts lists the host ports the lab's commands listen on (kubectl
// port-forward), with the step that uses each, so that a taken port is
// reported before the lab starts rather than as a confusing failure.
func (l *Lab) LocalPorts() []Port {
	seen := map[int]bool{}
	var out []Port
	for _, s := range l.Steps {
		for _, c := range s.Commands {
			for _, m := range portForwardRE.FindAllStringSubmatch(c.Cmd, -1) {
				for _, p := range portPairRE.FindAllStringSubmatch(m[1], -1) {
					n, err := strconv.Atoi(p[1])
					if err != nil || n <= 0 || n > 65535 || seen[n] {
						continue
					}
					seen[n] = true
					out = append(out, Port{Port: n, Step: s.Name})
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Port < out[j].Port })
	return out
}

// Port is a host port a step listens on.
type Port struct {
	Port int
	Step string
}
