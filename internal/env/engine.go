package env

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/moby/moby/client"
)

// engine is Docker's Go client, configured like the docker CLI
// (DOCKER_HOST, DOCKER_API_VERSION, DOCKER_CERT_PATH...). One client serves
// the whole process: it is safe for concurrent use and keeps its
// connections, and testcontainers-go talks to the same engine.
var engine = sync.OnceValues(func() (*client.Client, error) {
	c, err := client.New(client.FromEnv)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return c, nil
})

// apiTimeout bounds one call to the engine's API.
const apiTimeout = 30 * time.Second

// pingEngine checks that the daemon answers, settling the API version
// the client speaks (the engine here may be older than the client).
func pingEngine(ctx context.Context) (client.PingResult, error) {
	c, err := engine()
	if err != nil {
		return client.PingResult{}, err
	}
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	return c.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true})
}
