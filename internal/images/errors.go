package images

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strings"

	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/xexec"
)

// StepError is a failed build step with what to do about it.
type StepError struct {
	Step   string // "build kube binaries v1.37.2"
	Reason string // short cause when recognised: "disk full"
	Fix    string // what to do
	Log    string // full output of the step, if it was logged
	Err    error
}

func (e *StepError) Error() string {
	var b strings.Builder
	b.WriteString(e.Step)
	b.WriteString(": ")
	if e.Reason != "" {
		b.WriteString(e.Reason)
	} else {
		b.WriteString(e.Err.Error())
	}
	if e.Log != "" {
		fmt.Fprintf(&b, "\n  log: %s", e.Log)
	}
	if e.Fix != "" {
		fmt.Fprintf(&b, "\n  fix: %s", e.Fix)
	}
	return b.String()
}

func (e *StepError) Unwrap() error { return e.Err }

var (
	// "go: k8s.io/x@v0.1.2: reading https://proxy.golang.org/...: 403 Forbidden"
	proxyRefusal = regexp.MustCompile(`([A-Za-z0-9][\w.~/-]*@v[\w.+-]+): (?:reading|verifying|invalid version)[^\n]*?(403 Forbidden|404 Not Found|410 Gone|unknown revision[^\n]*)`)
	proxyGeneric = regexp.MustCompile(`(?m)reading (https?://[^\s:]+)[^\n]*: (403 Forbidden|404 Not Found|410 Gone)`)
)

// stepError wraps err from step into a *StepError, recognising the
// failures a user can fix: Docker missing or stopped, a full disk, a Go
// module the proxy refuses. Cancellation is passed through unchanged.
func stepError(step, logPath string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) {
		return err
	}
	var se *StepError
	if errors.As(err, &se) {
		return err
	}
	reason, fix := classify(err)
	return &StepError{Step: step, Reason: reason, Fix: fix, Log: logPath, Err: err}
}

// classify returns a short reason and a fix for errors it recognises.
func classify(err error) (reason, fix string) {
	text := err.Error()
	var xe *xexec.Error
	if errors.As(err, &xe) {
		text += "\n" + xe.OutputText()
	}
	var notFound *exec.Error
	switch {
	case errors.As(err, &notFound) && errors.Is(notFound.Err, exec.ErrNotFound):
		prog := notFound.Name
		switch prog {
		case "docker", "debootstrap":
			return prog + " is not installed (not found on PATH)", "run .ci/docker-up as root (installs docker.io, debootstrap, jq, iptables and starts dockerd)"
		case "go":
			return "the go command is not on PATH", "install Go (see go.mod for the version) and put it on PATH"
		}
		return prog + " is not installed (not found on PATH)", "install " + prog
	case strings.Contains(text, "no space left on device"):
		return "disk full (no space left on device)", "free disk space: `docker system df`, `docker image prune`, remove old node images (" + NodeImageRepo + ":*) or clean the cache directory; Docker keeps its data under /var/lib/docker"
	case strings.Contains(text, "Cannot connect to the Docker daemon") || strings.Contains(text, "Is the docker daemon running"):
		return "the Docker daemon is not running", "start it: sudo .ci/docker-up"
	case strings.Contains(text, "permission denied") && strings.Contains(text, "docker.sock"):
		return "not allowed to talk to the Docker daemon (docker.sock: permission denied)", "run as root or add your user to the docker group"
	case client.IsErrConnectionFailed(err):
		return "the Docker daemon is not running", "start it: sudo .ci/docker-up"
	}
	if m := proxyRefusal.FindStringSubmatch(text); m != nil {
		mod, ver, _ := strings.Cut(m[1], "@")
		return fmt.Sprintf("the Go module proxy refuses %s@%s (%s)", mod, ver, strings.TrimSpace(m[2])),
			fmt.Sprintf("pick a version the proxy serves (`go list -m -versions %s`) or point GOPROXY at a proxy that has it", mod)
	}
	if m := proxyGeneric.FindStringSubmatch(text); m != nil {
		return fmt.Sprintf("the Go module proxy refuses %s (%s)", m[1], m[2]),
			"pick a version the proxy serves (`go list -m -versions MODULE`) or point GOPROXY at a proxy that has it"
	}
	return "", ""
}
