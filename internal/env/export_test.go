package env

import (
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"testing"

	"github.com/moby/moby/client"
)

// UseDockerHost points the process's Docker client at host until t ends,
// as DOCKER_HOST does for a new process (engine reads it once).
func UseDockerHost(t *testing.T, host string) {
	t.Helper()
	t.Setenv("DOCKER_HOST", host)
	saved := engine
	engine = sync.OnceValues(func() (*client.Client, error) { return client.New(client.FromEnv) })
	t.Cleanup(func() {
		if c, err := engine(); err == nil {
			c.Close()
		}
		engine = saved
	})
}

// fakeEngine serves the Docker API with handle on a Unix socket and points
// the process's Docker client at it until t ends. It answers pings as an
// engine of API 1.41; handle answers the rest.
func fakeEngine(t *testing.T, handle http.HandlerFunc) {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Api-Version", "1.41")
		if r.URL.Path == "/_ping" {
			w.Write([]byte("OK"))
			return
		}
		handle(w, r)
	})}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	UseDockerHost(t, "unix://"+sock)
}

// StoppedDaemon is the DOCKER_HOST of a daemon that stopped: its socket
// is there, nothing listens on it.
func StoppedDaemon(t *testing.T) string {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "docker.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	return "unix://" + sock
}
