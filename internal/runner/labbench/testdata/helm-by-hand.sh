#!/usr/bin/env bash
# The helm tutorial (content/2017/05-helm-chart.md, labs/helm/lab.yaml) as a
# person would type it, with no advent in between: create a kind cluster,
# load the two images, run the kubectl/helm/curl steps, clean up. It is the
# baseline of `go run ./internal/runner/labbench` (make bench-labs), which
# times it against `advent lab run -force helm` on the same node image.
#
#   NODE_IMAGE=advent.local/kind-node:v1.33.13 \
#   LAB_FILES=labs/helm/files PATH=$HOME/.cache/advent/bin:$PATH \
#   internal/runner/labbench/testdata/helm-by-hand.sh
#
# Environment: NODE_IMAGE (required), LAB_FILES (the chart files the article
# shows: labs/helm/files), CLUSTER (default helm-by-hand), WORK (default a
# new temporary directory). It prints "ENVIRONMENT-READY <seconds>" once the
# node is Ready with the images loaded, "DONE <seconds>" at the end.
set -euo pipefail

: "${NODE_IMAGE:?set NODE_IMAGE to the kind node image}"
LAB_FILES=$(cd "${LAB_FILES:-labs/helm/files}" && pwd)
CLUSTER=${CLUSTER:-helm-by-hand}
WORK=${WORK:-$(mktemp -d)}
export KUBECONFIG=$WORK/kubeconfig
start=$EPOCHREALTIME
elapsed() { awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }'; }

pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true
}
trap cleanup EXIT

# retry SECONDS CMD...: run CMD until it succeeds, every second.
retry() {
  local until=$(($(date +%s) + $1)); shift
  until "$@"; do
    if (($(date +%s) >= until)); then echo "gave up: $*" >&2; return 1; fi
    sleep 1
  done
}
# serves PORT TEXT: the page on 127.0.0.1:PORT contains TEXT.
serves() { curl -s "http://127.0.0.1:$1" | grep -q "$2"; }

kind version
helm version --short
kubectl version --client

# Prepare Environment. On a cgroup v1 host the kubelet is told not to refuse
# it, as advent does (kind.x-k8s.io config).
config=()
if [ ! -e /sys/fs/cgroup/cgroup.controllers ]; then
  cat >"$WORK/kind.yaml" <<'YAML'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
nodes:
- role: control-plane
kubeadmConfigPatches:
- |
  kind: KubeletConfiguration
  failCgroupV1: false
YAML
  config=(--config "$WORK/kind.yaml")
fi
kind create cluster --name "$CLUSTER" --image "$NODE_IMAGE" "${config[@]}"
kind load docker-image nginx:alpine httpd:alpine --name "$CLUSTER"
kubectl wait --for=condition=Ready node --all --timeout=90s
kubectl get nodes
echo "ENVIRONMENT-READY $(elapsed)"

mkdir -p "$WORK/my-first-helm-chart"
cd "$WORK/my-first-helm-chart"

# Create Example Kubernetes Manifest.
mkdir -p templates
kubectl create deployment example --image=nginx:alpine \
    --dry-run=client -o yaml > templates/deployment.yaml
kubectl apply -f templates/deployment.yaml
kubectl expose deployment example --port=80 --type=NodePort \
    --dry-run=client -o yaml > templates/service.yaml
kubectl apply -f templates/service.yaml
kubectl rollout status deployment/example --timeout=3m
kubectl port-forward service/example 8080:80 & pids+=($!)
retry 30 serves 8080 '<title>Welcome to nginx!</title>'
tree
kubectl delete service,deployment example

# The chart: Chart.yaml around the two manifests.
cp "$LAB_FILES/13/Chart.yaml" Chart.yaml
tree
helm install example .
kubectl rollout status deployment/example --timeout=3m
kubectl port-forward service/example 8081:80 & pids+=($!)
retry 30 serves 8081 '<title>Welcome to nginx!</title>'

# Variables: values.yaml and the templated manifests.
cp "$LAB_FILES/19/values.yaml" values.yaml
cp "$LAB_FILES/20/templates/deployment.yaml" templates/deployment.yaml
cp "$LAB_FILES/21/templates/service.yaml" templates/service.yaml
helm upgrade example .
kubectl rollout status deployment/example --timeout=90s
kubectl get deployments
kubectl get pods
kubectl port-forward service/example 8082:80 & pids+=($!)
retry 30 serves 8082 '<title>Welcome to nginx!</title>'

# A second release with apache.
helm install apache . --set image=httpd:alpine --set replicaCount=3
kubectl rollout status deployment/apache --timeout=90s
kubectl get svc,deployment,pod
kubectl port-forward service/apache 8083:80 & pids+=($!)
retry 30 serves 8082 '<title>Welcome to nginx!</title>'
retry 30 serves 8083 'It works!'

# Clean Up.
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
pids=()
helm uninstall example
helm uninstall apache
kind delete cluster --name "$CLUSTER"
trap - EXIT
rm -rf "$WORK"
echo "DONE $(elapsed)"
