package env

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/kubectl/pkg/util/podutils"
)

// prebootKube is the Kubernetes side of a pre-booted start: kind's
// kubeconfig for the cluster and its removal, and the waits for the
// cluster's API server and node. The waits poll until ctx ends.
type prebootKube interface {
	// exportKubeconfig writes c's kubeconfig to c.Kubeconfig, as kind does.
	exportKubeconfig(c *Cluster) error
	// discard deletes c through kind (its nodes and kubeconfig entry), the
	// kind network when c made it and nothing uses it, and c's record.
	discard(ctx context.Context, c *Cluster)
	// answers waits until the API server answers a request about node.
	answers(ctx context.Context, kubeconfig, node string) error
	// schedulable waits until the API server is ready (/readyz) and node
	// is Ready, as its kubelet reported after since, without the
	// not-ready taint.
	schedulable(ctx context.Context, kubeconfig, node string, since time.Time) error
}

// kindKube is prebootKube through kind's provider and client-go.
type kindKube struct{}

func (kindKube) exportKubeconfig(c *Cluster) error {
	return c.provider.ExportKubeConfig(c.Name, c.Kubeconfig, false)
}

func (kindKube) discard(ctx context.Context, c *Cluster) { c.cleanupAfterFailure(ctx, nil) }

func (kindKube) answers(ctx context.Context, kubeconfig, node string) error {
	cs, err := clientset(kubeconfig)
	if err != nil {
		return err
	}
	return pollUntil(ctx, "the API server's first answer", func(ctx context.Context) (bool, string) {
		_, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		var status apierrors.APIStatus // any HTTP status is an answer
		if err == nil || errors.As(err, &status) {
			return true, ""
		}
		return false, err.Error()
	})
}

func (kindKube) schedulable(ctx context.Context, kubeconfig, node string, since time.Time) error {
	cs, err := clientset(kubeconfig)
	if err != nil {
		return err
	}
	return pollUntil(ctx, "node "+node+" Ready", func(ctx context.Context) (bool, string) {
		// The API server answers before its post-start hooks (RBAC's
		// bootstrap roles, priority classes) have run again; kubeadm's
		// fresh one has them done when kind returns.
		if _, err := cs.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx); err != nil {
			return false, "API server not ready: " + err.Error()
		}
		n, err := cs.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{})
		if err != nil {
			return false, err.Error()
		}
		for _, t := range n.Spec.Taints {
			if t.Key == corev1.TaintNodeNotReady || t.Key == corev1.TaintNodeUnreachable {
				return false, "tainted " + t.Key
			}
		}
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady {
				if cond.LastHeartbeatTime.Time.Before(since) {
					return false, "no status from the kubelet since the start"
				}
				return cond.Status == corev1.ConditionTrue, "Ready " + string(cond.Status)
			}
		}
		return false, "no Ready condition"
	})
}

// clientset is a client of the cluster in kubeconfig.
func clientset(kubeconfig string) (*kubernetes.Clientset, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, err
	}
	cfg.Timeout = 5 * time.Second
	return kubernetes.NewForConfig(cfg)
}

// pollUntil calls f every 100 ms (k8s.io/apimachinery's wait) until it
// reports done or ctx ends; the error says what f last found wanting.
func pollUntil(ctx context.Context, what string, f func(ctx context.Context) (bool, string)) error {
	last := ""
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		done, why := f(ctx)
		last = why
		return done, nil
	})
	if err != nil {
		return fmt.Errorf("%s: %s: %w", what, last, err)
	}
	return nil
}

// waitSystemPods waits until every pod of the cluster is Ready.
func waitSystemPods(ctx context.Context, kubeconfig string, within time.Duration) error {
	cs, err := clientset(kubeconfig)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	return pollUntil(ctx, fmt.Sprintf("system pods Ready within %s", within), func(ctx context.Context) (bool, string) {
		pods, err := cs.CoreV1().Pods("").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		var notReady []string
		for _, p := range pods.Items {
			if !podutils.IsPodReady(&p) {
				notReady = append(notReady, p.Namespace+"/"+p.Name)
			}
		}
		sort.Strings(notReady)
		return len(pods.Items) > 0 && len(notReady) == 0, "not Ready: " + strings.Join(notReady, ", ")
	})
}
