// Package lab is the lab model (Lab, Step, Command, Resources) and its two ends:
// extraction from the articles' annotated code blocks, and the labs/<name>/
// directory it is written to (a lab.yaml manifest plus the files).
//
// The article is the single source of truth: the page a reader sees, the lab
// CI runs and the practice session all come from the same blocks.
package lab

import (
	"fmt"
	"time"
)

// Role is what a step is for. Main steps are shown on the page; setup,
// verify and cleanup steps run but are shown collapsed. Cleanup steps
// always run.
type Role string

// Roles of a step, as the article's role attribute and lab.yaml spell them.
const (
	RoleMain    Role = ""
	RoleSetup   Role = "setup"
	RoleVerify  Role = "verify"
	RoleCleanup Role = "cleanup"
	// roleResources is the block declaring the lab's Resources; articles
	// spell it role="env".
	roleResources Role = "env"
)

// Kind is what a step does.
type Kind string

// Kinds of step, as lab.yaml spells them.
const (
	KindRun      Kind = "run"      // run commands in bash and check their output
	KindFile     Kind = "file"     // write a file into the work directory
	KindContains Kind = "contains" // check that a YAML file contains the block
	// KindCluster creates or deletes clusters through the backend; articles
	// (runner="env"), lab.yaml and results files spell it "env".
	KindCluster Kind = "env"
)

// Action is what a KindCluster step has the backend do.
type Action string

// Actions of env steps, as lab.yaml spells them.
const (
	ActionCreateCluster Action = "create-cluster" // wait for the clusters being created
	ActionDeleteCluster Action = "delete-cluster" // delete the clusters
)

// Default limits.
const (
	DefaultCommandTimeout = 2 * time.Minute
	DefaultLabTimeout     = 20 * time.Minute
)

// Lab is one tutorial's runnable form.
type Lab struct {
	Name      string    `yaml:"name"`
	Title     string    `yaml:"title"`
	Source    string    `yaml:"source"` // article path, e.g. content/2017/05-helm-chart.md
	Resources Resources `yaml:"env"`    // lab.yaml and the article's block say "env"
	Steps     []Step    `yaml:"steps"`
}

// Resources are what a lab runs in (clusters, containers, networks,
// images, tools), declared by the article's role="env" block.
type Resources struct {
	// Timeout bounds the whole lab (all steps and cleanup).
	Timeout Duration `yaml:"timeout,omitempty"`
	// Tools the steps expect on PATH besides bash and coreutils.
	Tools []string `yaml:"tools,omitempty"`
	// Images the lab needs; in air-gapped mode they are local stand-ins,
	// loaded into every cluster.
	Images     []string    `yaml:"images,omitempty"`
	Clusters   []Cluster   `yaml:"clusters,omitempty"`
	Networks   []Network   `yaml:"networks,omitempty"`
	Containers []Container `yaml:"containers,omitempty"`
}

// Cluster is a kind cluster. Its kubeconfig context is named Name.
type Cluster struct {
	Name string `yaml:"name"`
}

// Network is a container network. Internal networks have no route out.
type Network struct {
	Name     string `yaml:"name"`
	Internal bool   `yaml:"internal,omitempty"`
}

// Container is a long-running container steps can run in.
type Container struct {
	Name     string   `yaml:"name"`
	Image    string   `yaml:"image"`
	Networks []string `yaml:"networks,omitempty"`
	Command  []string `yaml:"command,omitempty"`
}

// Step is one annotated block.
type Step struct {
	Name   string `yaml:"name"`
	Kind   Kind   `yaml:"kind"`
	Role   Role   `yaml:"role,omitempty"`
	Line   int    `yaml:"line"` // line of the block's opening fence in the article
	Lang   string `yaml:"lang,omitempty"`
	Hidden bool   `yaml:"hidden,omitempty"`

	// Prose is what the article says before the block (for practice mode).
	Prose string `yaml:"prose,omitempty"`

	// Run steps.
	Commands   []Command `yaml:"commands,omitempty"`
	Background bool      `yaml:"background,omitempty"`

	// File and contains steps: Path in the work directory (relative to
	// the shell's current directory, ~ is HOME), content stored in labs/
	// at Content.
	Path    string `yaml:"path,omitempty"`
	Content string `yaml:"content,omitempty"`

	// Env steps: what the runner's environment does.
	Action   Action   `yaml:"action,omitempty"`
	Clusters []string `yaml:"clusters,omitempty"` // the clusters an env step creates or deletes

	// Where it runs.
	Cluster   string `yaml:"cluster,omitempty"`
	Container string `yaml:"container,omitempty"`

	// Checks and limits.
	Exit    int      `yaml:"exit,omitempty"`
	Match   string   `yaml:"match,omitempty"` // regexp the last command's output must match
	Timeout Duration `yaml:"timeout,omitempty"`
	Retry   Duration `yaml:"retry,omitempty"` // retry until it matches, within this window
	// Needs names an image the step cannot run without; where it is not
	// available the step is reported "not verified", never passed.
	Needs string `yaml:"needs,omitempty"`

	// Data is the block content for file and contains steps, loaded from
	// Content; not part of the manifest.
	Data []byte `yaml:"-"`
}

// Command is one shell command of a step and the output it should print.
type Command struct {
	Cmd    string   `yaml:"cmd"`
	Line   int      `yaml:"line"`
	Expect []string `yaml:"expect,omitempty"` // expected output lines; nil: not checked
}

// CommandTimeout is the step's per-command timeout.
func (s *Step) CommandTimeout() time.Duration {
	if s.Timeout > 0 {
		return time.Duration(s.Timeout)
	}
	return DefaultCommandTimeout
}

// LabTimeout is the lab's overall timeout.
func (l *Lab) LabTimeout() time.Duration {
	if l.Resources.Timeout > 0 {
		return time.Duration(l.Resources.Timeout)
	}
	return DefaultLabTimeout
}

// Step returns the named step.
func (l *Lab) Step(name string) *Step {
	for i := range l.Steps {
		if l.Steps[i].Name == name {
			return &l.Steps[i]
		}
	}
	return nil
}

// Duration is a time.Duration written as "90s", "2m".
type Duration time.Duration

// MarshalText writes d like time.Duration.String, without zero units.
func (d Duration) MarshalText() ([]byte, error) {
	return []byte(formatDuration(time.Duration(d))), nil
}

// UnmarshalText parses "90s", "2m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

func formatDuration(d time.Duration) string {
	switch {
	case d == 0:
		return "0s"
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}
