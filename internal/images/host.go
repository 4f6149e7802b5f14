package images

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// capSysResource is CAP_SYS_RESOURCE's bit in the capability sets.
const capSysResource = 24

// NeedsRuncWrapper reports, from the CapBnd value of /proc/self/status
// (hex, e.g. "000001fffeffffff"), whether the capability bounding set lacks
// CAP_SYS_RESOURCE. Then `docker run --privileged` (every kind node) fails
// unless runc is wrapped to drop that capability, which .ci/docker-up does.
func NeedsRuncWrapper(capBnd string) (bool, error) {
	s := strings.TrimPrefix(strings.TrimSpace(capBnd), "0x")
	v, err := strconv.ParseUint(s, 16, 64)
	if err != nil || s == "" {
		return false, fmt.Errorf("CapBnd %q: want a hex number such as 000001ffffffffff", capBnd)
	}
	return v&(1<<capSysResource) == 0, nil
}

// HostCapBnd returns this process's CapBnd from /proc/self/status.
func HostCapBnd() (string, error) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "", err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "CapBnd:"); ok {
			return strings.TrimSpace(v), nil
		}
	}
	return "", fmt.Errorf("/proc/self/status: no CapBnd line")
}
