package env

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/testcontainers/testcontainers-go"
	"github.com/testcontainers/testcontainers-go/wait"

	"github.com/sysadvent/advent/internal/images"
)

func TestTestcontainersNginxStandIn(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the nginx:alpine stand-in with testcontainers-go")
	}
	if _, ok := builtImages(t).Image("nginx:alpine"); !ok {
		t.Fatal("nginx:alpine is not in the image manifest: run `advent images build`")
	}
	mode, err := images.DetectMode(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range TestcontainersEnv(mode) {
		t.Setenv(k, v) // restored after the test; same effect as ApplyTestcontainersEnv
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	// The container carries this process's owner label, and the leak
	// check looks at what carries it.
	scope := Scope{Owner: Self().String()}
	before, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}

	start := time.Now()
	ctr, err := testcontainers.Run(ctx, "nginx:alpine",
		testcontainers.WithLabels(map[string]string{OwnerLabel: scope.Owner}),
		testcontainers.WithExposedPorts("80/tcp"),
		testcontainers.WithWaitStrategy(wait.ForHTTP("/").WithPort("80/tcp").WithStartupTimeout(time.Minute)),
	)
	testcontainers.CleanupContainer(t, ctr)
	if err != nil {
		t.Fatalf("start nginx:alpine: %v", err)
	}
	t.Logf("BENCH testcontainers nginx:alpine up in %s", time.Since(start).Round(10*time.Millisecond))

	endpoint, err := ctr.PortEndpoint(ctx, "80/tcp", "http")
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, endpoint+"/", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", endpoint, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "Welcome to nginx!") {
		t.Errorf("GET %s: %s\n%s", endpoint, resp.Status, body)
	}

	if err := testcontainers.TerminateContainer(ctr); err != nil {
		t.Fatalf("terminate: %v", err)
	}
	after, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !leaked.Empty() {
		t.Errorf("left behind after Terminate: %s", leaked)
	}
}
