package env

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sysadvent/advent/internal/images"
	"github.com/sysadvent/advent/internal/xexec"
)

// builtImages loads the manifest of the default cache; the integration
// tests need `advent images build` to have run.
func builtImages(t *testing.T) *images.Manifest {
	t.Helper()
	if images.ImageSetAbsent() {
		t.Skip(images.ImageSetAbsentReason)
	}
	cache, err := images.DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	m, err := images.LoadManifest(cache)
	if err != nil {
		t.Fatalf("%v: the integration tests use the images of `advent images build` (go test -short skips them)", err)
	}
	return m
}

const webManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 1
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:alpine
        ports:
        - containerPort: 80
        readinessProbe:
          httpGet: {path: /, port: 80}
          periodSeconds: 2
---
apiVersion: v1
kind: Service
metadata:
  name: web
spec:
  selector: {app: web}
  ports:
  - port: 80
    targetPort: 80
---
apiVersion: batch/v1
kind: Job
metadata:
  name: fetch
spec:
  backoffLimit: 6
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: wget
        image: nginx:alpine
        command: ["wget", "-qO-", "http://web"]
`

// The Job of the Kubernetes documentation, with a fixed perl tag.
const piManifest = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  backoffLimit: 4
  template:
    spec:
      restartPolicy: Never
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]
`

// clusterImages is the preamble of the tests that create kind clusters:
// skipped under -short, else the built kubectl and node images, which must
// be there.
func clusterImages(t *testing.T) (kubectl images.ToolEntry, nodes []images.ImageEntry) {
	t.Helper()
	if testing.Short() {
		t.Skip("creates kind clusters with the images of `advent images build`")
	}
	m := builtImages(t)
	kubectl, ok := m.Tool("kubectl")
	if !ok {
		t.Fatal("no kubectl in the image manifest: run `advent images build`")
	}
	nodes = m.NodeImages()
	if len(nodes) == 0 {
		t.Fatal("no kind node images in the manifest: run `advent images build`")
	}
	return kubectl, nodes
}

func TestClusterPerNodeImage(t *testing.T) {
	kubectl, nodes := clusterImages(t)
	for _, node := range nodes {
		t.Run(node.Name[strings.LastIndexByte(node.Name, ':')+1:], func(t *testing.T) {
			testCluster(t, kubectl.Path, node.Name)
		})
	}
}

func testCluster(t *testing.T, kubectlPath, image string) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	version := image[strings.LastIndexByte(image, ':')+1:]
	name := "advent-it-" + strings.NewReplacer(".", "-").Replace(strings.TrimPrefix(version, "v"))
	scope := Scope{Clusters: []string{name}}
	before, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	kubeconfig := filepath.Join(t.TempDir(), "kubeconfig")

	start := time.Now()
	w := &testWriter{t: t, mark: "Ready after"}
	c, err := CreateCluster(ctx, ClusterOptions{
		Name: name, Image: image, Kubeconfig: kubeconfig, Wait: 3 * time.Minute,
		LoadImages: []string{"nginx:alpine", "perl:5.34.0"},
		Log:        w,
	})
	if err != nil {
		t.Fatalf("CreateCluster: %v", err)
	}
	total := time.Since(start)
	// The images are loaded while the control plane starts: the load is
	// timed from the start of the creation and ends after it.
	if c.CreateTime <= 0 || c.LoadTime <= 0 || c.CreateTime > total || c.LoadTime > total {
		t.Errorf("CreateTime %s, LoadTime %s: want both within the %s CreateCluster took", c.CreateTime, c.LoadTime, total)
	}
	t.Logf("BENCH cluster %s: kind create %s, images loaded %s after the start (overlapping it)", name,
		c.CreateTime.Round(100*time.Millisecond), c.LoadTime.Round(100*time.Millisecond))
	if !w.marked.IsZero() {
		ready := w.marked.Sub(start)
		t.Logf("BENCH cluster %s (%s): Ready in %s, nginx:alpine + perl:5.34.0 loaded %s later (total %s)", name, image,
			ready.Round(100*time.Millisecond), (total - ready).Round(100*time.Millisecond), total.Round(100*time.Millisecond))
	} else {
		t.Logf("BENCH cluster %s (%s): created, Ready and images loaded in %s", name, image, total.Round(100*time.Millisecond))
	}
	deleted := false
	t.Cleanup(func() {
		if !deleted {
			c.Delete(context.Background())
		}
	})
	// defaultConfig's ClusterConfiguration patch reached the control
	// plane: kind applied it in the kubeadm API version it writes for this
	// Kubernetes version (v1beta3 to v1.35, v1beta4 from v1.36).
	for file, flag := range map[string]string{"kube-controller-manager.yaml": "--leader-elect=false",
		"kube-scheduler.yaml": "--leader-elect=false", "etcd.yaml": "--election-timeout=100"} {
		out, err := xexec.Command("docker", "exec", name+"-control-plane", "cat", "/etc/kubernetes/manifests/"+file).
			WithTimeout(time.Minute).OutputString(ctx)
		if err != nil || !strings.Contains(out, "- "+flag+"\n") {
			t.Errorf("%s lacks %s (%v):\n%s", file, flag, err, out)
		}
	}
	k := kubectlCmd{t: t, path: kubectlPath, kubeconfig: kubeconfig, cacheDir: t.TempDir()}
	t.Cleanup(func() {
		if t.Failed() && !deleted {
			t.Logf("pods:\n%s", k.try(ctx, "get", "pods", "-A", "-o", "wide"))
			t.Logf("events:\n%s", k.try(ctx, "get", "events", "-A", "--sort-by=.lastTimestamp"))
		}
	})

	if out := k.run(ctx, "version"); !strings.Contains(out, "Server Version: "+version) {
		t.Errorf("kubectl version does not show server %s:\n%s", version, out)
	}
	k.run(ctx, "-n", "kube-system", "rollout", "status", "deployment/coredns", "--timeout=180s")
	k.apply(ctx, webManifest)
	k.run(ctx, "rollout", "status", "deployment/web", "--timeout=180s")

	// From another pod, through the Service's DNS name.
	k.run(ctx, "wait", "--for=condition=complete", "job/fetch", "--timeout=180s")
	if out := k.jobLogs(ctx, "fetch"); !strings.Contains(out, "<title>Welcome to nginx!</title>") {
		t.Errorf("Job fetch did not get the nginx page:\n%s", out)
	}

	// From the host, through kubectl port-forward.
	body := k.portForwardGet(ctx, "svc/web", 80, "/")
	if !strings.Contains(body, "<title>Welcome to nginx!</title>") {
		t.Errorf("port-forward GET /:\n%s", body)
	}

	// A Job to completion: 2000 digits of pi.
	k.apply(ctx, piManifest)
	k.run(ctx, "wait", "--for=condition=complete", "job/pi", "--timeout=300s")
	if out := strings.TrimSpace(k.jobLogs(ctx, "pi")); !strings.HasPrefix(out, "3.14159265358979323846") || len(out) < 2000 {
		t.Errorf("pi Job printed %d bytes: %.60q", len(out), out)
	}

	t0 := time.Now()
	if err := c.Delete(ctx); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	deleted = true
	t.Logf("BENCH cluster %s: deleted in %s", name, time.Since(t0).Round(100*time.Millisecond))
	after, err := TakeScopedSnapshot(ctx, scope)
	if err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !leaked.Empty() {
		t.Errorf("left behind after Delete: %s", leaked)
	}
}

// kubectlCmd runs the built kubectl against an isolated kubeconfig.
type kubectlCmd struct {
	t          *testing.T
	path       string
	kubeconfig string
	cacheDir   string
}

func (k kubectlCmd) command(ctx context.Context, args ...string) *exec.Cmd {
	args = append([]string{"--kubeconfig=" + k.kubeconfig, "--cache-dir=" + k.cacheDir}, args...)
	cmd := exec.CommandContext(ctx, k.path, args...)
	cmd.Env = append(cmd.Environ(), "KUBECONFIG="+k.kubeconfig)
	return cmd
}

func (k kubectlCmd) try(ctx context.Context, args ...string) string {
	out, err := k.command(ctx, args...).CombinedOutput()
	if err != nil {
		return fmt.Sprintf("%s\n(%v)", out, err)
	}
	return string(out)
}

func (k kubectlCmd) run(ctx context.Context, args ...string) string {
	k.t.Helper()
	out, err := k.command(ctx, args...).CombinedOutput()
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// jobLogs returns the logs of the Job's succeeded pod (earlier attempts
// may have failed while cluster DNS came up).
func (k kubectlCmd) jobLogs(ctx context.Context, job string) string {
	k.t.Helper()
	pod := strings.TrimSpace(k.run(ctx, "get", "pods", "-l", "job-name="+job,
		"--field-selector=status.phase=Succeeded", "-o", "jsonpath={.items[0].metadata.name}"))
	return k.run(ctx, "logs", pod)
}

func (k kubectlCmd) apply(ctx context.Context, manifest string) {
	k.t.Helper()
	cmd := k.command(ctx, "apply", "-f", "-")
	cmd.Stdin = strings.NewReader(manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		k.t.Fatalf("kubectl apply: %v\n%s", err, out)
	}
}

var forwarding = regexp.MustCompile(`Forwarding from 127\.0\.0\.1:(\d+) ->`)

// portForwardGet runs `kubectl port-forward target :port` and GETs path.
func (k kubectlCmd) portForwardGet(ctx context.Context, target string, port int, path string) string {
	k.t.Helper()
	pctx, cancel := context.WithCancel(ctx)
	defer cancel()
	cmd := k.command(pctx, "port-forward", target, fmt.Sprintf(":%d", port))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		k.t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	defer cmd.Wait()
	defer cancel()
	local := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := forwarding.FindStringSubmatch(sc.Text()); m != nil {
				local <- m[1]
				break
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	var p string
	select {
	case p = <-local:
	case <-time.After(60 * time.Second):
		k.t.Fatalf("kubectl port-forward %s did not start:\n%s", target, stderr.String())
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, "http://127.0.0.1:"+p+path, nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		k.t.Fatalf("GET through port-forward: %v\n%s", err, stderr.String())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		k.t.Errorf("GET through port-forward: %s", resp.Status)
	}
	return string(b)
}

// testWriter sends kind's progress to the test log and notes when a line
// containing mark first appears.
type testWriter struct {
	t      *testing.T
	mark   string
	marked time.Time
}

func (w *testWriter) Write(p []byte) (int, error) {
	if w.marked.IsZero() && w.mark != "" && strings.Contains(string(p), w.mark) {
		w.marked = time.Now()
	}
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// Cancelling ctx while kind is creating the cluster deletes what was made.
func TestCreateClusterCancelled(t *testing.T) {
	_, nodes := clusterImages(t)
	scope := Scope{Clusters: []string{"advent-it-cancel"}}
	before, err := TakeScopedSnapshot(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Second)
	defer cancel()
	start := time.Now()
	_, err = CreateCluster(ctx, ClusterOptions{Name: "advent-it-cancel", Image: nodes[0].Name,
		Kubeconfig: filepath.Join(t.TempDir(), "kubeconfig"), Log: &testWriter{t: t}})
	if err == nil || !strings.Contains(err.Error(), "deadline exceeded") {
		t.Fatalf("CreateCluster with an 8 s deadline: %v", err)
	}
	t.Logf("cancelled and cleaned up in %s", time.Since(start).Round(100*time.Millisecond))
	after, err := TakeScopedSnapshot(context.Background(), scope)
	if err != nil {
		t.Fatal(err)
	}
	if leaked := after.Leaked(before); !leaked.Empty() {
		t.Errorf("left behind after cancellation: %s", leaked)
	}
}
