package env

import (
	"os"
	"sort"
	"strings"

	"github.com/sysadvent/advent/internal/images"
)

// Environment variables testcontainers-go reads.
const (
	RyukDisabledEnv = "TESTCONTAINERS_RYUK_DISABLED"
	HostOverrideEnv = "TESTCONTAINERS_HOST_OVERRIDE"
)

// TestcontainersEnv returns the environment testcontainers-go needs on this
// Docker engine:
//
//   - TESTCONTAINERS_RYUK_DISABLED=true when air-gapped: the Ryuk reaper
//     image can be neither pulled nor built here (clean-up then relies on
//     Terminate and on Snapshot leak checks);
//   - TESTCONTAINERS_HOST_OVERRIDE=localhost when this process runs in a
//     container (/.dockerenv) that talks to a local socket: testcontainers
//     would otherwise dial the default gateway to reach published ports.
//
// Variables the user set already are left out, so explicit settings win.
func TestcontainersEnv(mode images.Mode) map[string]string {
	_, err := os.Stat("/.dockerenv")
	return testcontainersEnv(mode, err == nil, os.Getenv("DOCKER_HOST"), os.LookupEnv)
}

func testcontainersEnv(mode images.Mode, inContainer bool, dockerHost string, lookup func(string) (string, bool)) map[string]string {
	env := map[string]string{}
	if mode == images.AirGapped {
		env[RyukDisabledEnv] = "true"
	}
	if inContainer && (dockerHost == "" || strings.HasPrefix(dockerHost, "unix://")) {
		env[HostOverrideEnv] = "localhost"
	}
	for k := range env {
		if _, set := lookup(k); set {
			delete(env, k)
		}
	}
	return env
}

// ApplyTestcontainersEnv sets TestcontainersEnv(mode) in this process and
// returns the "KEY=VALUE" entries it set. testcontainers-go reads its
// configuration once, so call this before its first use.
func ApplyTestcontainersEnv(mode images.Mode) ([]string, error) {
	env := TestcontainersEnv(mode)
	var set []string
	for k, v := range env {
		if err := os.Setenv(k, v); err != nil {
			return set, err
		}
		set = append(set, k+"="+v)
	}
	sort.Strings(set)
	return set, nil
}
