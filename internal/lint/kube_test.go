package lint

import (
	"reflect"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/util/version"
)

func TestCheckAPI(t *testing.T) {
	tests := []struct {
		apiVersion, kind, target string
		rule                     RuleID // "" for no finding
		removedIn, replacement   string
	}{
		// Current kinds: nothing to say.
		{"apps/v1", "Deployment", "v1.34", "", "", ""},
		{"v1", "Service", "v1.34", "", "", ""},
		{"batch/v1", "CronJob", "v1.34", "", "", ""},
		{"networking.k8s.io/v1", "Ingress", "v1.34", "", "", ""},
		{"policy/v1", "PodDisruptionBudget", "v1.34", "", "", ""},
		// Removed kinds, from the APILifecycle* methods of k8s.io/api.
		{"apps/v1beta1", "Deployment", "v1.34", RuleAPIRemoved, "Kubernetes v1.16", "apps/v1 Deployment"},
		{"apps/v1beta2", "Deployment", "v1.34", RuleAPIRemoved, "Kubernetes v1.16", "apps/v1 Deployment"},
		{"extensions/v1beta1", "Deployment", "v1.34", RuleAPIRemoved, "Kubernetes v1.16", "apps/v1 Deployment"},
		{"extensions/v1beta1", "DaemonSet", "v1.34", RuleAPIRemoved, "Kubernetes v1.16", "apps/v1 DaemonSet"},
		{"extensions/v1beta1", "Ingress", "v1.34", RuleAPIRemoved, "Kubernetes v1.22", "networking.k8s.io/v1 Ingress"},
		{"batch/v1beta1", "CronJob", "v1.34", RuleAPIRemoved, "Kubernetes v1.25", "batch/v1 CronJob"},
		{"policy/v1beta1", "PodDisruptionBudget", "v1.34", RuleAPIRemoved, "Kubernetes v1.25", "policy/v1 PodDisruptionBudget"},
		{"apiextensions.k8s.io/v1beta1", "CustomResourceDefinition", "v1.34", RuleAPIRemoved, "Kubernetes v1.22", "apiextensions.k8s.io/v1 CustomResourceDefinition"},
		// Kinds the current k8s.io/api no longer carries: their lifecycle
		// comes from older releases of it (history_gen.go).
		{"policy/v1beta1", "PodSecurityPolicy", "v1.34", RuleAPIRemoved, "Kubernetes v1.25", "Pod Security Admission (label namespaces with pod-security.kubernetes.io/enforce), or a policy engine such as Kyverno or Gatekeeper"},
		{"extensions/v1beta1", "PodSecurityPolicy", "v1.34", RuleAPIRemoved, "Kubernetes v1.16", "Pod Security Admission (label namespaces with pod-security.kubernetes.io/enforce), or a policy engine such as Kyverno or Gatekeeper"},
		{"extensions/v1beta1", "PodSecurityPolicy", "v1.20", RuleAPIRemoved, "Kubernetes v1.16", "policy/v1beta1 PodSecurityPolicy"},
		{"autoscaling/v2beta1", "HorizontalPodAutoscaler", "v1.34", RuleAPIRemoved, "Kubernetes v1.25", "autoscaling/v2 HorizontalPodAutoscaler"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.34", RuleAPIRemoved, "Kubernetes v1.26", "autoscaling/v2 HorizontalPodAutoscaler"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.26", RuleAPIRemoved, "Kubernetes v1.26", "autoscaling/v2 HorizontalPodAutoscaler"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.25", RuleAPIDeprecated, "Kubernetes v1.26", "autoscaling/v2 HorizontalPodAutoscaler"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.24", RuleAPIDeprecated, "Kubernetes v1.26", "autoscaling/v2 HorizontalPodAutoscaler"},
		{"autoscaling/v2beta2", "HorizontalPodAutoscaler", "v1.20", "", "", ""},
		// Kinds their group version never served.
		{"policy/v1", "PodSecurityPolicy", "v1.34", RuleKindUnknown, "Kubernetes v1.25", "Pod Security Admission (label namespaces with pod-security.kubernetes.io/enforce), or a policy engine such as Kyverno or Gatekeeper"},
		{"policy/v1", "PodSecurityPolicy", "v1.22", RuleKindUnknown, "Kubernetes v1.25", "policy/v1beta1 PodSecurityPolicy"},
		{"apps/v1", "Ingress", "v1.34", RuleKindUnknown, "", "networking.k8s.io/v1 Ingress"},
		{"v1", "Deployment", "v1.34", RuleKindUnknown, "", "apps/v1 Deployment"},
		{"networking.k8s.io/v1", "Deploymnet", "v1.34", RuleKindUnknown, "", ""},
		// Exactly at the removal release, and just before it.
		{"apps/v1beta1", "Deployment", "v1.16", RuleAPIRemoved, "Kubernetes v1.16", "apps/v1 Deployment"},
		{"apps/v1beta1", "Deployment", "v1.15", RuleAPIDeprecated, "Kubernetes v1.16", "apps/v1 Deployment"},
		{"policy/v1beta1", "PodSecurityPolicy", "v1.24", RuleAPIDeprecated, "Kubernetes v1.25", "Pod Security Admission (label namespaces with pod-security.kubernetes.io/enforce), or a policy engine such as Kyverno or Gatekeeper"},
		{"policy/v1beta1", "PodSecurityPolicy", "v1.20", "", "", ""},
		// Not served yet by an old target.
		{"flowcontrol.apiserver.k8s.io/v1beta3", "FlowSchema", "v1.20", RuleAPINotYet, "", "flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema"},
		{"batch/v1beta1", "CronJob", "v1.24", RuleAPIDeprecated, "Kubernetes v1.25", "batch/v1 CronJob"},
		// A version the libraries no longer know at all.
		{"batch/v2alpha1", "CronJob", "v1.34", RuleAPIUnknown, "", "batch/v1 CronJob"},
		// Not built-in: custom resources and other tools' configs.
		{"kind.x-k8s.io/v1alpha4", "Cluster", "v1.34", "", "", ""},
		{"cert-manager.io/v1alpha2", "Certificate", "v1.34", "", "", ""},
		{"v1", "Config", "v1.34", "", "", ""}, // a kubeconfig
		{"v1", "EncryptionConfig", "v1.34", "", "", ""},
		{"v2", "Chart", "v1.34", "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.apiVersion+" "+tc.kind+"@"+tc.target, func(t *testing.T) {
			target, err := ParseVersion(tc.target)
			if err != nil {
				t.Fatal(err)
			}
			f, ok := checkAPI(tc.apiVersion, tc.kind, target)
			if tc.rule == "" {
				if ok {
					t.Fatalf("unexpected finding %+v", f)
				}
				return
			}
			if !ok {
				t.Fatalf("no finding, want %s", tc.rule)
			}
			if f.rule != tc.rule || f.removedIn != tc.removedIn || f.replacement != tc.replacement {
				t.Errorf("got rule %q removed %q replacement %q, want %q %q %q", f.rule, f.removedIn, f.replacement, tc.rule, tc.removedIn, tc.replacement)
			}
			if !strings.HasPrefix(f.source, "https://kubernetes.io/docs/") {
				t.Errorf("source %q", f.source)
			}
			wantSev := SeverityError
			if tc.rule == RuleAPIDeprecated {
				wantSev = SeverityWarning
			}
			if f.severity != wantSev {
				t.Errorf("severity %q, want %q", f.severity, wantSev)
			}
		})
	}
}

func TestCheckAPIMessage(t *testing.T) {
	f, _ := checkAPI("apps/v1beta1", "Deployment", version.MajorMinor(1, 34))
	if got, want := f.message, "apps/v1beta1 Deployment was removed in Kubernetes v1.16 (deprecated since v1.8)"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
	if got, want := f.source, deprecationGuide+"#v1-16"; got != want {
		t.Errorf("source %q, want %q", got, want)
	}
	f, _ = checkAPI("apps/v1beta1", "Deployment", version.MajorMinor(1, 15))
	if got, want := f.message, "apps/v1beta1 Deployment is deprecated since Kubernetes v1.8 and is removed in v1.16"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestParseVersion(t *testing.T) {
	for in, want := range map[string]string{"v1.34": "v1.34", "1.15": "v1.15", "v1.33.13": "v1.33"} {
		if got, err := ParseVersion(in); err != nil || Release(got) != want {
			t.Errorf("ParseVersion(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "1", "latest", "v2.1", "v1.x"} {
		if _, err := ParseVersion(in); err == nil {
			t.Errorf("ParseVersion(%q): no error", in)
		}
	}
	if _, err := ParseVersion(DefaultKubernetes); err != nil {
		t.Errorf("DefaultKubernetes: %v", err)
	}
}

func TestFindManifests(t *testing.T) {
	m := func(av, kind string, line, col int, field string) manifest {
		return manifest{apiVersion: av, kind: kind, line: line, col: col, field: field}
	}
	tests := []struct {
		name, text string
		want       []manifest
	}{
		{"plain", "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: x\n",
			[]manifest{m("apps/v1", "Deployment", 1, 1, "")}},
		{"comments first", "# a comment\n\nkind: Service\napiVersion: v1\n",
			[]manifest{m("v1", "Service", 4, 1, "")}},
		{"documents", "apiVersion: v1\nkind: Service\n---\n# second\napiVersion: apps/v1beta1\nkind: Deployment\n",
			[]manifest{m("v1", "Service", 1, 1, ""), m("apps/v1beta1", "Deployment", 5, 1, "")}},
		{"leading separator", "---\napiVersion: batch/v1beta1\nkind: CronJob\n",
			[]manifest{m("batch/v1beta1", "CronJob", 2, 1, "")}},
		{"helm template", "apiVersion: apps/v1beta1\nkind: Deployment\nspec:\n  replicas: {{ .Values.replicaCount }}\n  {{- if .Values.x }}\n  foo: bar\n  {{- end }}\n",
			[]manifest{m("apps/v1beta1", "Deployment", 1, 1, "")}},
		{"template alternatives", "{{- if .Capabilities.APIVersions.Has \"networking.k8s.io/v1\" }}\napiVersion: networking.k8s.io/v1\n{{- else }}\napiVersion: extensions/v1beta1\n{{- end }}\nkind: Ingress\nmetadata:\n  name: {{ .Release.Name }}\n",
			[]manifest{m("networking.k8s.io/v1", "Ingress", 2, 1, "")}},
		{"quoted values in a template", "apiVersion: \"extensions/v1beta1\" # old\nkind: 'Ingress'\nmetadata:\n  name: {{ .Release.Name }}\n  labels: {{ toYaml .Values.labels | indent 4 }}\n",
			[]manifest{m("extensions/v1beta1", "Ingress", 1, 1, "")}},
		{"templated apiVersion", "apiVersion: {{ template \"ingress.apiVersion\" . }}\nkind: Ingress\n", nil},
		{"placeholder", "apiVersion: <API VERSION>\nkind: Ingress\n", nil},
		{"list", "apiVersion: v1\nkind: List\nitems:\n- apiVersion: extensions/v1beta1\n  kind: Deployment\n",
			[]manifest{m("v1", "List", 1, 1, ""), m("extensions/v1beta1", "Deployment", 4, 3, "")}},
		{"json", "{\n  \"apiVersion\": \"apps/v1beta2\",\n  \"kind\": \"StatefulSet\"\n}\n",
			[]manifest{m("apps/v1beta2", "StatefulSet", 2, 3, "")}},
		{"nested reference", "apiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef:\n    apiVersion: extensions/v1beta1\n    kind: Deployment\n    name: web\n",
			[]manifest{m("autoscaling/v2", "HorizontalPodAutoscaler", 1, 1, ""), m("extensions/v1beta1", "Deployment", 5, 5, "spec.scaleTargetRef")}},
		{"owner references", "apiVersion: v1\nkind: Pod\nmetadata:\n  ownerReferences:\n  - apiVersion: extensions/v1beta1\n    kind: ReplicaSet\n    name: x\n",
			[]manifest{m("v1", "Pod", 1, 1, ""), m("extensions/v1beta1", "ReplicaSet", 5, 5, "metadata.ownerReferences")}},
		{"schema properties are not references", "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nspec:\n  versions:\n  - schema:\n      openAPIV3Schema:\n        properties:\n          apiVersion:\n            type: string\n          kind:\n            type: string\n",
			[]manifest{m("apiextensions.k8s.io/v1", "CustomResourceDefinition", 1, 1, "")}},
		{"here-document in a script", "kubectl create ns web\ncat <<EOF | kubectl apply -f -\napiVersion: policy/v1\nkind: PodSecurityPolicy\nmetadata:\n  name: x\nEOF\ncat <<EOF | kubectl apply -f -\napiVersion: v1\nkind: Service\nEOF\n",
			[]manifest{m("policy/v1", "PodSecurityPolicy", 3, 1, ""), m("v1", "Service", 9, 1, "")}},
		{"indented here-document", "kubectl apply -f - <<-EOF\n\tapiVersion: batch/v1beta1\n\tkind: CronJob\n\tEOF\n",
			[]manifest{m("batch/v1beta1", "CronJob", 2, 2, "")}},
		{"two objects, no separator", "apiVersion: v1\nkind: Service\napiVersion: apps/v1beta1\nkind: Deployment\n",
			[]manifest{m("v1", "Service", 1, 1, ""), m("apps/v1beta1", "Deployment", 3, 1, "")}},
		{"nested in a script", "kubectl apply -f - <<EOF\napiVersion: autoscaling/v1\nkind: HorizontalPodAutoscaler\nspec:\n  scaleTargetRef:\n    apiVersion: apps/v1beta2\n    kind: Deployment\nEOF\n",
			[]manifest{m("autoscaling/v1", "HorizontalPodAutoscaler", 2, 1, ""), m("apps/v1beta2", "Deployment", 6, 5, "spec.scaleTargetRef")}},
		{"nested only", "spec:\n  apiVersion: v1\n  kind: Pod\n", []manifest{m("v1", "Pod", 2, 3, "spec")}},
		{"chart", "apiVersion: v2\nname: x\nversion: 0.1.0\n", nil},
		{"not yaml", "hello: [\n", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := findManifests(tc.text)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

func TestVersionRank(t *testing.T) {
	vs := []string{"v1", "v1beta1", "v2", "v1alpha1", "v1beta2", "v2beta1"}
	want := []string{"v1alpha1", "v1beta1", "v1beta2", "v1", "v2beta1", "v2"}
	x := &apiIndex{groups: map[string]map[string]bool{"g": {}}}
	for _, v := range vs {
		x.groups["g"][v] = true
	}
	if got := x.groupVersions("g"); !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}
