package env

// Pre-booted clusters (docs/running-labs.md). `advent lab preboot` creates
// a lab's clusters once with kind, as a run would, and keeps each stopped
// node as a Docker image (Preboot, preboot_make.go); a run starts the node
// from it with kind's own `docker run` arguments on the address it had
// (startPrebooted, preboot_start.go). A start that cannot be made, or a node
// that does not come up, is a fallback to kind, said in Cluster.Start; only
// the end of ctx is an error.

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/netip"
	"os"
	"time"

	"github.com/moby/moby/client"

	"github.com/sysadvent/advent/internal/images"
)

// PrebootRepo is the repository of pre-booted node images; the tag is the
// cluster's name and the key's first 12 hex digits.
const PrebootRepo = "advent.local/kind-preboot"

const (
	// prebootFormat changes when what a pre-booted image holds changes.
	prebootFormat = "6"
	// prebootKeyLabel carries the key of a pre-booted image.
	prebootKeyLabel = "io.advent.preboot.key"
	// prebootNodeLabel carries the node's record (prebootNode, JSON).
	prebootNodeLabel = "io.advent.preboot.node"
	// kindRoleLabel is the label kind puts a node's role in.
	kindRoleLabel = "io.x-k8s.kind.role"
	// prebootMaxAge is how old a pre-booted image may be: its certificates
	// (one year) and its kubelet's client certificate must stay valid.
	prebootMaxAge = 30 * 24 * time.Hour
	// prebootSettle bounds waiting for a new cluster's system pods.
	prebootSettle = 3 * time.Minute
	// prebootFirstAnswer bounds the wait for a started node's API server
	// to answer at all: a node that will not come up falls back to kind
	// after it, not after the whole Ready wait.
	prebootFirstAnswer = 30 * time.Second
	// prebootWatchEvery is how often a starting node's container is looked at.
	prebootWatchEvery = 250 * time.Millisecond
)

// Why kind creates a cluster although pre-boot is on: a start's error
// wraps one of these, and Cluster.Start.Fallback says it.
var (
	errNoPreboot    = errors.New("not pre-bootable")
	errNoImage      = errors.New("no pre-booted image (advent lab preboot)")
	errTooOld       = errors.New("the pre-booted image is too old (advent lab preboot)")
	errKindNetwork  = errors.New("the kind network cannot take the node")
	errAddressTaken = errors.New("the node's address is taken")
	errNodeStart    = errors.New("the node did not start")
	errNodeDown     = errors.New("the node stopped")
	errNotUp        = errors.New("the node did not come up")
)

// prebootNode is what a pre-booted image records about its node.
type prebootNode struct {
	Cluster   string       `json:"cluster"`
	Node      string       `json:"node"` // container name and hostname
	IP        netip.Addr   `json:"ip"`   // address on the kind network
	Subnet    netip.Prefix `json:"subnet"`
	Booted    time.Time    `json:"booted"`
	NodeImage string       `json:"node_image"`
	Images    []string     `json:"images,omitempty"`
}

// PrebootImage is a pre-booted node image of one cluster.
type PrebootImage struct {
	Cluster string
	Image   string // PrebootRepo:tag
	Key     string
	Booted  time.Time
	// Built is false when an image with the key existed already.
	Built bool
	// Took is how long making it took (0 when it existed).
	Took time.Duration
}

// prebooter makes pre-booted images and starts clusters from them.
type prebooter struct {
	docker prebootDocker
	kube   prebootKube
	// firstAnswer and watchEvery are prebootFirstAnswer and
	// prebootWatchEvery (shorter in tests).
	firstAnswer, watchEvery time.Duration
}

// newPrebooter is a prebooter on the engine, kind and client-go.
func newPrebooter() (*prebooter, error) {
	c, err := engine()
	if err != nil {
		return nil, err
	}
	return &prebooter{docker: dockerEngine{c}, kube: kindKube{}, firstAnswer: prebootFirstAnswer, watchEvery: prebootWatchEvery}, nil
}

// Preboot makes a pre-booted image of each cluster of opts (one lab's
// clusters) whose image is missing or stale. The clusters are created
// together, as a run creates them, so each keeps its own address. Progress
// goes to log.
func Preboot(ctx context.Context, opts []ClusterOptions, log io.Writer) ([]PrebootImage, error) {
	p, err := newPrebooter()
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = io.Discard
	}
	return p.makeImages(ctx, opts, log)
}

// startPrebooted is how CreateCluster uses a pre-booted image: it starts
// cluster c, which o describes, from its image when one matches and
// returns nil. Otherwise kind is to create the cluster: what the start
// left is removed, c.Start.Fallback says why and the error is that reason
// (one of errNoPreboot ... errNotUp); or ctx ended, and the error says so.
func startPrebooted(ctx context.Context, c *Cluster, o ClusterOptions) error {
	p, err := newPrebooter()
	if err != nil {
		c.Start.Fallback = err.Error()
		return err
	}
	return p.start(ctx, c, o)
}

// key is the key of the pre-booted image of the cluster o describes.
// Only one-node clusters of the default config can be pre-booted, and not
// behind a proxy (kind passes the proxy to the node).
func (p *prebooter) key(ctx context.Context, o ClusterOptions) (string, error) {
	if len(o.Config) > 0 || o.Image == "" {
		return "", fmt.Errorf("%w: a custom kind config or kind's default image", errNoPreboot)
	}
	for _, v := range []string{"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy"} {
		if os.Getenv(v) != "" {
			return "", fmt.Errorf("%w: %s is set", errNoPreboot, v)
		}
	}
	h := sha256.New()
	add := func(k, v string) { fmt.Fprintf(h, "%s=%q\n", k, v) }
	add("format", prebootFormat)
	add("kind", images.KindVersion)
	add("name", o.Name)
	add("config", string(defaultConfig(o.Image, cgroupV1())))
	for _, n := range append([]string{o.Image}, o.LoadImages...) {
		ctx, cancel := context.WithTimeout(ctx, apiTimeout)
		im, err := p.docker.ImageInspect(ctx, n)
		cancel()
		if err != nil {
			return "", fmt.Errorf("image %s: %w", n, err)
		}
		add("image "+n, im.ID)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// find returns the newest pre-booted image for key and its node record;
// the error wraps errNoImage when there is none, errTooOld when the only
// ones are too old.
func (p *prebooter) find(ctx context.Context, key string) (string, *prebootNode, error) {
	ctx, cancel := context.WithTimeout(ctx, apiTimeout)
	defer cancel()
	list, err := p.docker.ImageList(ctx, client.ImageListOptions{Filters: make(client.Filters).Add("label", prebootKeyLabel+"="+key)})
	if err != nil {
		return "", nil, fmt.Errorf("list pre-booted images: %w", err)
	}
	var best *prebootNode
	ref, tooOld := "", ""
	for _, im := range list.Items {
		if len(im.RepoTags) == 0 {
			continue
		}
		var n prebootNode
		if err := json.Unmarshal([]byte(im.Labels[prebootNodeLabel]), &n); err != nil {
			return "", nil, fmt.Errorf("pre-booted image %s: bad %s label: %w", im.RepoTags[0], prebootNodeLabel, err)
		}
		switch {
		case time.Since(n.Booted) > prebootMaxAge:
			tooOld = im.RepoTags[0] + " (booted " + n.Booted.Format(time.RFC3339) + ")"
		case best == nil || n.Booted.After(best.Booted):
			best, ref = &n, im.RepoTags[0]
		}
	}
	switch {
	case best != nil:
		return ref, best, nil
	case tooOld != "":
		return "", nil, fmt.Errorf("%w: %s is older than %s", errTooOld, tooOld, prebootMaxAge)
	}
	return "", nil, errNoImage
}

func prebootTag(cluster, key string) string { return PrebootRepo + ":" + cluster + "-" + key[:12] }
