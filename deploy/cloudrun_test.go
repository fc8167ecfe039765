package deploy

import (
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"
)

// cloudRunService is the part of Knative's serving.knative.dev/v1 Service that Cloud Run reads: the
// revision template is a pod spec plus containerConcurrency and timeoutSeconds. Decoding strictly into it
// catches misspelt or misplaced fields offline (the Knative module itself is not needed for that).
type cloudRunService struct {
	metav1.TypeMeta `json:",inline"`
	Metadata        metav1.ObjectMeta `json:"metadata"`
	Spec            struct {
		Template struct {
			Metadata metav1.ObjectMeta `json:"metadata"`
			Spec     struct {
				ContainerConcurrency int64 `json:"containerConcurrency"`
				TimeoutSeconds       int64 `json:"timeoutSeconds"`
				corev1.PodSpec       `json:",inline"`
			} `json:"spec"`
		} `json:"template"`
	} `json:"spec"`
}

func TestCloudRunService(t *testing.T) {
	data, err := os.ReadFile("cloudrun/service.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var s cloudRunService
	if err := yaml.UnmarshalStrict(data, &s); err != nil {
		t.Fatalf("cloudrun/service.yaml: %v", err)
	}
	if s.APIVersion != "serving.knative.dev/v1" || s.Kind != "Service" {
		t.Fatalf("apiVersion/kind %s/%s, want serving.knative.dev/v1 Service", s.APIVersion, s.Kind)
	}
	cs := s.Spec.Template.Spec.Containers
	if len(cs) != 1 {
		t.Fatalf("%d containers, want 1", len(cs))
	}
	c := &cs[0]
	args := expandArgs(t, c)
	if len(args) == 0 || args[0] != "serve" {
		t.Fatalf("args %v do not run `mcpkit serve`", args)
	}
	flags := serveFlags(t)
	for _, a := range args[1:] {
		name, _, _ := strings.Cut(a, "=")
		if !flags[strings.TrimPrefix(name, "--")] {
			t.Errorf("argument %q is not a flag of `mcpkit serve`", a)
		}
		// Cloud Run sends SIGKILL 10 s after SIGTERM: the drain must end before.
		if v, ok := strings.CutPrefix(a, "--drain-timeout="); ok {
			if d, err := time.ParseDuration(v); err != nil || d >= 10*time.Second {
				t.Errorf("--drain-timeout=%s: want under Cloud Run's 10 s shutdown window", v)
			}
		}
	}
	if !strings.Contains(strings.Join(args, " "), "--addr=:8080") {
		t.Errorf("args %v: Cloud Run sends traffic to the container port 8080 (--addr=:8080)", args)
	}
	if p := c.LivenessProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/healthz" {
		t.Errorf("liveness probe %+v, want GET /healthz", p)
	}
	if p := c.StartupProbe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != "/readyz" {
		t.Errorf("startup probe %+v, want GET /readyz", p)
	}
}
