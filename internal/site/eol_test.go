package site_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysadvent/advent/internal/site"
)

// testdata/results/broken ran the fixture lab only on Kubernetes v1.33.4
// and v1.34.1, both past end of life on the day the site is built: the
// verification line says so and carries data-eol="past".
func TestVerifiedOnlyPastEndOfLife(t *testing.T) {
	root := copyProjectWithFixture(t)
	out := build(t, root, site.Options{Results: testdata(t, "results", "broken")})
	v, _ := verification(t, parseFile(t, filepath.Join(out, fixturePage)))
	if attrOr(v, "data-eol") != "past" {
		t.Errorf("verification line has no data-eol=\"past\": %q", text(v))
	}
	if !strings.Contains(text(v), "verified only on Kubernetes releases past end of life") {
		t.Errorf("verification line %q does not say it ran only past end of life", text(v))
	}
}
