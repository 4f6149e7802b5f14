package images

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/xexec"
)

// The stand-ins built by `advent images build` behave like the upstream
// images the labs name.
// slimLimitMB bounds the size of the stand-ins built FROM scratch (measured
// 2026-11-30: nginx 23.5 MB, httpd 29.4 MB, perl 58 MB).
var slimLimitMB = map[string]int64{"nginx:alpine": 35, "httpd:alpine": 45, "perl:5.34.0": 75}

func TestStandInsBehave(t *testing.T) {
	m := builtImageSet(t, "runs the stand-in images of `advent images build`")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// docker fails t, the (sub)test it runs for.
	docker := func(t *testing.T, args ...string) string {
		t.Helper()
		out, err := xexec.Command("docker", args...).WithTimeout(2 * time.Minute).OutputString(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	for _, name := range StandIns() {
		e, ok := m.Image(name)
		if !ok {
			t.Fatalf("%s is not in the manifest: %s", name, BuildHint(name))
		}
		if !e.StandIn || e.Key == "" || len(e.Sources.Debian) == 0 {
			t.Errorf("%s: manifest entry %+v lacks stand-in flag, key or Debian sources", name, e)
		}
		labels := docker(t, "image", "inspect", "--format", `{{index .Config.Labels "io.advent.stand-in"}} {{index .Config.Labels "io.advent.key"}}`, name)
		if labels != "true "+e.Key {
			t.Errorf("%s labels: %q, want stand-in true and key %s", name, labels, e.Key)
		}
		// The slim stand-ins hold their programs and what those load,
		// not a whole Debian (117 MB): kind load copies them into every
		// node of a lab.
		if limit, ok := slimLimitMB[name]; ok {
			size, err := strconv.ParseInt(docker(t, "image", "inspect", "--format", "{{.Size}}", name), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			if size > limit<<20 {
				t.Errorf("%s is %d MB, over its %d MB", name, size>>20, limit)
			}
		}
	}

	serve := func(t *testing.T, image string) (string, func()) {
		// Named, and its removal registered first: a run that fails after
		// creating the container must not leave it behind.
		id := fmt.Sprintf("advent-standin-test-%d-%d", os.Getpid(), time.Now().UnixNano())
		t.Cleanup(func() {
			_ = xexec.Command("docker", "rm", "-f", "-v", id).WithTimeout(time.Minute).Run(context.Background())
		})
		docker(t, "run", "-d", "--name", id, "-p", "127.0.0.1::80", image)
		stop := func() {
			// A library the program loads at run time (dlopen) and the
			// slim image lacks shows only in its log.
			if logs, err := exec.CommandContext(ctx, "docker", "logs", id).CombinedOutput(); err == nil && strings.Contains(string(logs), "must be installed") {
				t.Errorf("%s lacks a library it loads at run time:\n%s", image, logs)
			}
			start := time.Now()
			docker(t, "stop", "-t", "10", id)
			if d := time.Since(start); d > 8*time.Second {
				t.Errorf("%s took %s to stop: STOPSIGNAL not honoured?", image, d)
			}
			docker(t, "rm", "-v", id)
		}
		addr := docker(t, "port", id, "80/tcp")
		addr = strings.Split(addr, "\n")[0]
		var body string
		for i := 0; i < 50; i++ {
			resp, err := http.Get("http://" + addr + "/")
			if err == nil {
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				body = string(b)
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		return body, stop
	}

	t.Run("nginx", func(t *testing.T) {
		body, stop := serve(t, "nginx:alpine")
		defer stop()
		if !strings.Contains(body, "<title>Welcome to nginx!</title>") {
			t.Errorf("GET /: %q", body)
		}
		if out := docker(t, "run", "--rm", "nginx:alpine", "sh", "-c", "command -v curl && command -v wget"); !strings.Contains(out, "wget") {
			t.Errorf("curl/wget missing: %q", out)
		}
	})
	t.Run("httpd", func(t *testing.T) {
		body, stop := serve(t, "httpd:alpine")
		defer stop()
		if body != "<html><body><h1>It works!</h1></body></html>\n" {
			t.Errorf("GET / = %q, want upstream httpd's page", body)
		}
	})
	t.Run("perl", func(t *testing.T) {
		out := docker(t, "run", "--rm", "perl:5.34.0", "perl", "-Mbignum=bpi", "-wle", "print bpi(2000)")
		if !strings.HasPrefix(out, "3.14159265358979323846") || len(out) < 2000 {
			t.Errorf("bpi(2000): %d bytes %.40q", len(out), out)
		}
	})
	t.Run("ruby", func(t *testing.T) {
		out := docker(t, "run", "--rm", "ruby:3.1-bookworm", "sh", "-c", `ruby -v && echo '<%= 6 * 7 %>' | erb`)
		if !strings.HasPrefix(out, "ruby 3.1.") || !strings.HasSuffix(out, "42") {
			t.Errorf("ruby/erb: %q", out)
		}
	})
}

// builtImageSet skips the test under -short (what it does says why) and
// where the image set is absent on purpose (ADVENT_IMAGE_SET=absent), and
// returns the manifest of the image set built on this machine: a missing
// one fails the test.
func builtImageSet(t *testing.T, what string) *Manifest {
	t.Helper()
	if testing.Short() {
		t.Skip(what)
	}
	if ImageSetAbsent() {
		t.Skip(ImageSetAbsentReason)
	}
	cache, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	m, err := LoadManifest(cache)
	if err != nil {
		t.Fatalf("%v (go test -short skips this test)", err)
	}
	return m
}
