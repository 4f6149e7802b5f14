package images

// Tool is a program the labs run, built into ToolsDir from the module
// go.mod pins.
type Tool struct {
	Name   string // "helm"
	Module string // the module whose version it reports: "helm.sh/helm/v3"
}

// Tools lists the programs ToolsDir holds, in build order.
func Tools() []Tool {
	ts := make([]Tool, 0, len(toolList))
	for _, t := range toolList {
		ts = append(ts, Tool{Name: t.name, Module: t.module})
	}
	return ts
}
