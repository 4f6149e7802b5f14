package env

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A pull sends the credentials the docker CLI would (config.json), and
// none for a registry it has none for.
func TestPullUsesTheDockerConfigsCredentials(t *testing.T) {
	dir := t.TempDir()
	cfg := `{"auths": {"registry.example:5000": {"username": "reader", "password": "s3cret"}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("DOCKER_CONFIG", dir)
	t.Setenv("DOCKER_AUTH_CONFIG", "")
	sent := map[string]string{}
	fakeEngine(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasSuffix(r.URL.Path, "/images/create") {
			http.Error(w, "unexpected "+r.URL.Path, http.StatusNotFound)
			return
		}
		sent[r.URL.Query().Get("fromImage")] = r.Header.Get("X-Registry-Auth")
		w.Write([]byte(`{"status":"Downloaded newer image"}` + "\n"))
	})
	c, err := engine()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, im := range []string{"registry.example:5000/lab/app:1", "quay.example/lab/app:1"} {
		if err := pullImage(ctx, c, im); err != nil {
			t.Fatalf("pull %s: %v", im, err)
		}
	}
	var auth struct{ Username, Password string }
	raw, err := base64.URLEncoding.DecodeString(sent["registry.example:5000/lab/app"])
	if err != nil {
		t.Fatalf("X-Registry-Auth %q: %v", sent["registry.example:5000/lab/app"], err)
	}
	if err := json.Unmarshal(raw, &auth); err != nil || auth.Username != "reader" || auth.Password != "s3cret" {
		t.Errorf("credentials sent for registry.example:5000: %s (%v), want reader/s3cret", raw, err)
	}
	if got := sent["quay.example/lab/app"]; got != "" {
		if raw, _ := base64.URLEncoding.DecodeString(got); strings.Contains(string(raw), "reader") {
			t.Errorf("quay.example got registry.example's credentials: %s", raw)
		}
	}
	if len(sent) != 2 {
		t.Errorf("pulls seen: %v, want 2", sent)
	}
}
