package env

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/moby/moby/client"
)

// nodeRunConfig is what kindRunArgs must reproduce of a node kind started:
// the parts of `docker inspect` that do not name the cluster.
type nodeRunConfig struct {
	Privileged  bool
	SecurityOpt []string
	Tmpfs       map[string]string
	Binds       []string
	Volumes     []string
	Cgroupns    string
	Restart     string
	Init        *bool
	Tty         bool
	Env         []string
	LabelKeys   []string
	Ports       []string // container port -> host IP
	Network     string
}

func inspectNode(t *testing.T, ctx context.Context, node string) nodeRunConfig {
	t.Helper()
	r, err := testEngine(t).ContainerInspect(ctx, node, client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n := r.Container
	h := n.HostConfig
	c := nodeRunConfig{Privileged: h.Privileged, SecurityOpt: h.SecurityOpt, Tmpfs: h.Tmpfs,
		Binds: h.Binds, Cgroupns: string(h.CgroupnsMode), Init: h.Init, Tty: n.Config.Tty, Env: n.Config.Env,
		Restart: string(h.RestartPolicy.Name) + ":" + strconv.Itoa(h.RestartPolicy.MaximumRetryCount)}
	for k := range n.Config.Volumes {
		c.Volumes = append(c.Volumes, k)
	}
	for k := range n.Config.Labels {
		if strings.HasPrefix(k, "io.x-k8s.kind.") {
			c.LabelKeys = append(c.LabelKeys, k+"="+n.Config.Labels[k])
		}
	}
	for p, bs := range h.PortBindings {
		for _, b := range bs {
			c.Ports = append(c.Ports, p.String()+"->"+b.HostIP.String())
		}
	}
	for name := range n.NetworkSettings.Networks {
		c.Network = name
	}
	for _, s := range [][]string{c.Volumes, c.LabelKeys, c.Ports, c.Env, c.SecurityOpt, c.Binds} {
		sort.Strings(s)
	}
	return c
}

// A cluster started from its pre-booted image is the cluster kind makes:
// same node container settings, the lab's images in it, pods scheduled
// at once, DNS and port-forward working; deleting it leaves nothing.
func TestPrebootedCluster(t *testing.T) {
	kubectl, nodes := clusterImages(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	const name = "advent-it-preboot"
	scope := Scope{Clusters: []string{name}}
	// kind makes the kind network below, as on a machine where kind ran
	// first: Docker lets a node have a chosen address only on a network
	// whose IPv4 subnet was given, which kind's is not.
	removeKindNetworkIfUnused(ctx)
	before, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	o := ClusterOptions{Name: name, Image: nodes[len(nodes)-1].Name, LoadImages: []string{"nginx:alpine"}, Wait: 3 * time.Minute}

	// What kind gives its node.
	kindMade, err := CreateCluster(ctx, o)
	if err != nil {
		t.Fatalf("CreateCluster (kind): %v", err)
	}
	want := inspectNode(t, ctx, name+"-control-plane")
	if err := kindMade.Delete(ctx); err != nil {
		t.Fatal(err)
	}

	w := &testWriter{t: t}
	imgs, err := Preboot(ctx, []ClusterOptions{o}, w)
	if err != nil {
		t.Fatalf("Preboot: %v", err)
	}
	t.Cleanup(func() {
		testEngine(t).ImageRemove(context.Background(), imgs[0].Image, client.ImageRemoveOptions{PruneChildren: true})
	})
	if len(imgs) != 1 || !imgs[0].Built || !strings.HasPrefix(imgs[0].Image, PrebootRepo+":"+name+"-") {
		t.Fatalf("Preboot = %+v, want one image built", imgs)
	}
	t.Logf("BENCH pre-booted %s in %s", imgs[0].Image, imgs[0].Took.Round(100*time.Millisecond))
	again, err := Preboot(ctx, []ClusterOptions{o}, w)
	if err != nil || len(again) != 1 || again[0].Built || again[0].Image != imgs[0].Image {
		t.Fatalf("Preboot again = %+v, %v: want the same image, up to date", again, err)
	}

	o.Kubeconfig, o.Preboot, o.Log = filepath.Join(t.TempDir(), "kubeconfig"), true, w
	start := time.Now()
	c, err := CreateCluster(ctx, o)
	if err != nil {
		t.Fatalf("CreateCluster (pre-booted): %v", err)
	}
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			c.Delete(context.Background())
		}
	})
	if !c.Start.Prebooted() || c.Start.Image != imgs[0].Image {
		t.Fatalf("the cluster was not started from %s: %+v", imgs[0].Image, c.Start)
	}
	t.Logf("BENCH started %s from its pre-booted image: schedulable in %s", name, time.Since(start).Round(100*time.Millisecond))
	if st, err := inspectKindNetwork(ctx, testEngine(t)); err != nil || !st.advent || !c.createdNetwork {
		t.Errorf("the kind network kind made was not made again by advent with the node's subnet: %+v, created %v, %v", st, c.createdNetwork, err)
	}
	if got := inspectNode(t, ctx, name+"-control-plane"); !reflect.DeepEqual(got, want) {
		t.Errorf("the pre-booted node is not run as kind runs it:\n got %+v\nwant %+v", got, want)
	}

	// The kubelet came up at once: the watch that falls back when it keeps
	// failing has room.
	restarts, err := testEngine(t).exec(ctx, name+"-control-plane", time.Minute, "systemctl", "show", "kubelet", "--property=NRestarts", "--value")
	if n, aerr := strconv.Atoi(strings.TrimSpace(restarts)); err != nil || aerr != nil || n >= kubeletRestartsMax {
		t.Errorf("the pre-booted node's kubelet was restarted %q times (%v), want fewer than %d", restarts, err, kubeletRestartsMax)
	} else {
		t.Logf("the pre-booted node's kubelet was restarted %d times", n)
	}

	// The image layers the node runs from are read where the pre-booted
	// image keeps them, behind /var's symlinks, not copied into its volume.
	links, err := testEngine(t).exec(ctx, name+"-control-plane", time.Minute, "sh", "-c",
		"for l in /"+snapshotsDir+"/*; do [ -L \"$l\" ] && [ -d \"$l/fs\" ] && readlink \"$l\"; done; true")
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(links, "/"+prebootSnapshotsDir+"/"); n < 5 {
		t.Errorf("%d read-only snapshots behind symlinks in the node's /var, want the image layers (at least 5):\n%s", n, links)
	}

	k := kubectlCmd{t: t, path: kubectl.Path, kubeconfig: o.Kubeconfig, cacheDir: t.TempDir()}
	if out := k.run(ctx, "get", "node", name+"-control-plane", "-o", "jsonpath={.spec.taints}"); strings.Contains(out, "not-ready") {
		t.Errorf("node still tainted not-ready: %s", out)
	}
	k.apply(ctx, webManifest)
	k.run(ctx, "rollout", "status", "deployment/web", "--timeout=180s")
	if out := k.run(ctx, "get", "events", "--field-selector", "reason=Pulling", "-o", "name"); out != "" {
		t.Errorf("the node pulled images the pre-booted image holds:\n%s", out)
	}
	k.run(ctx, "wait", "--for=condition=complete", "job/fetch", "--timeout=180s")
	if out := k.jobLogs(ctx, "fetch"); !strings.Contains(out, "<title>Welcome to nginx!</title>") {
		t.Errorf("Job fetch did not get the nginx page through the Service's DNS name:\n%s", out)
	}
	if body := k.portForwardGet(ctx, "svc/web", 80, "/"); !strings.Contains(body, "<title>Welcome to nginx!</title>") {
		t.Errorf("port-forward GET /:\n%s", body)
	}

	if err := c.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	deleted = true
	after, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !leaked.Empty() {
		t.Errorf("left behind after Delete: %s", leaked)
	}

	// A node that will not come up (its kubelet exits at once) falls back
	// to kind without waiting for the node to be Ready, and leaves nothing.
	brokenKubelet(t, ctx, imgs[0])
	fb := &testWriter{t: t, mark: "not used:"}
	o.Kubeconfig, o.Log = filepath.Join(t.TempDir(), "kubeconfig"), fb
	start = time.Now()
	kc, err := CreateCluster(ctx, o)
	if err != nil {
		t.Fatalf("CreateCluster (broken pre-booted node): %v", err)
	}
	if err := kc.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if kc.Start.Prebooted() || !strings.HasPrefix(kc.Start.Fallback, errNotUp.Error()) || fb.marked.IsZero() {
		t.Errorf("a node whose kubelet is broken: %+v, want kind to create the cluster because %s", kc.Start, errNotUp)
	} else {
		t.Logf("BENCH a pre-booted node whose kubelet is broken fell back to kind after %s", fb.marked.Sub(start).Round(100*time.Millisecond))
	}
	if after, err = TakeScopedSnapshot(ctx, scope); err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !leaked.Empty() {
		t.Errorf("left behind after the fallback: %s", leaked)
	}
}

// brokenKubelet builds, on the pre-booted image im, one with the same key
// whose kubelet exits at once, booted later so that it is the one used.
func brokenKubelet(t *testing.T, ctx context.Context, im PrebootImage) {
	t.Helper()
	d := testEngine(t)
	r, err := d.ImageInspect(ctx, im.Image)
	if err != nil {
		t.Fatal(err)
	}
	var rec prebootNode
	if err := json.Unmarshal([]byte(r.Config.Labels[prebootNodeLabel]), &rec); err != nil {
		t.Fatal(err)
	}
	rec.Booted = time.Now().UTC()
	recJSON, _ := json.Marshal(rec)
	broken := im.Image + "-broken-kubelet"
	p := &prebooter{docker: d}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "kubelet"), []byte("#!/bin/sh\nexit 1\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	dockerfile := "FROM " + im.Image + "\nCOPY kubelet /usr/bin/kubelet\n"
	if err := p.build(ctx, broken, dockerfile, map[string]string{prebootKeyLabel: im.Key, prebootNodeLabel: string(recJSON)}, dir, "kubelet"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		d.ImageRemove(context.Background(), broken, client.ImageRemoveOptions{PruneChildren: true})
	})
}

// testEngine is pre-boot's Docker on the engine.
func testEngine(t *testing.T) dockerEngine {
	t.Helper()
	c, err := engine()
	if err != nil {
		t.Fatal(err)
	}
	return dockerEngine{c}
}
