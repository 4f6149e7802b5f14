package env

import (
	"os"
	"testing"
)

// unsetForTest unsets environment variables; t.Setenv beforehand restores
// them when the test ends.
func unsetForTest(t *testing.T, keys ...string) {
	t.Helper()
	for _, k := range keys {
		if err := os.Unsetenv(k); err != nil {
			t.Fatal(err)
		}
	}
}
