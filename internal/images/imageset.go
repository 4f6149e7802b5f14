package images

import "os"

// ImageSetEnv says whether this machine has the air-gapped image set of
// `advent images build`. GitHub-hosted runners do not build it (test.yml's
// integration job sets ADVENT_IMAGE_SET=absent and runs online with
// upstream images), so the tests specific to that set (the stand-ins, the
// locally built kind node images, the Debian base) skip there. Anywhere
// else (.ci/run, a developer's machine) a missing set fails those tests
// with the command that builds it: they cannot skip by accident.
const ImageSetEnv = "ADVENT_IMAGE_SET"

// ImageSetAbsentReason is the skip message of those tests.
const ImageSetAbsentReason = ImageSetEnv + "=absent: no air-gapped image set on this machine by design (GitHub-hosted runner); this test runs in .ci/run"

// ImageSetAbsent reports whether ImageSetEnv says the image set is absent
// by design.
func ImageSetAbsent() bool { return os.Getenv(ImageSetEnv) == "absent" }
