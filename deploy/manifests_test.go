package deploy

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8slabels "k8s.io/apimachinery/pkg/labels"
	"sigs.k8s.io/yaml"

	"github.com/mcpkit/mcpkit/internal/redistest"
)

// manifests is what deploy/kubernetes holds, decoded.
type manifests struct {
	deployments []*appsv1.Deployment
	services    []*corev1.Service
	hpas        []*autoscalingv2.HorizontalPodAutoscaler
	pdbs        []*policyv1.PodDisruptionBudget
}

// loadKubernetes decodes every document of kubernetes/*.yaml strictly (an unknown or misspelt field, a
// duplicate key or a wrong type fails) into the Kubernetes API's own Go types, by kind and apiVersion, and
// checks kustomization.yaml lists exactly those files.
func loadKubernetes(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob("kubernetes/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := &manifests{}
	var listed []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Base(f) == "kustomization.yaml" {
			var k struct {
				APIVersion string   `json:"apiVersion"`
				Kind       string   `json:"kind"`
				Resources  []string `json:"resources"`
			}
			if err := yaml.UnmarshalStrict(data, &k); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			listed = k.Resources
			continue
		}
		for i, doc := range splitDocuments(data) {
			var tm metav1.TypeMeta
			if err := yaml.Unmarshal(doc, &tm); err != nil {
				t.Fatalf("%s document %d: %v", f, i+1, err)
			}
			var into any
			want := ""
			switch tm.Kind {
			case "Deployment":
				d := &appsv1.Deployment{}
				m.deployments, into, want = append(m.deployments, d), d, "apps/v1"
			case "Service":
				s := &corev1.Service{}
				m.services, into, want = append(m.services, s), s, "v1"
			case "HorizontalPodAutoscaler":
				h := &autoscalingv2.HorizontalPodAutoscaler{}
				m.hpas, into, want = append(m.hpas, h), h, "autoscaling/v2"
			case "PodDisruptionBudget":
				p := &policyv1.PodDisruptionBudget{}
				m.pdbs, into, want = append(m.pdbs, p), p, "policy/v1"
			default:
				t.Fatalf("%s document %d: kind %q is not one this test knows; add it", f, i+1, tm.Kind)
			}
			if tm.APIVersion != want {
				t.Errorf("%s document %d: %s has apiVersion %q, want %q", f, i+1, tm.Kind, tm.APIVersion, want)
			}
			if err := yaml.UnmarshalStrict(doc, into); err != nil {
				t.Errorf("%s document %d (%s): %v", f, i+1, tm.Kind, err)
			}
		}
	}
	var have []string
	for _, f := range files {
		if b := filepath.Base(f); b != "kustomization.yaml" {
			have = append(have, b)
		}
	}
	slices.Sort(listed)
	if !slices.Equal(listed, have) {
		t.Errorf("kustomization.yaml lists %v, the folder holds %v", listed, have)
	}
	return m
}

// splitDocuments splits a YAML stream at its "---" lines, dropping documents that hold only comments.
func splitDocuments(data []byte) [][]byte {
	var docs [][]byte
	for _, d := range regexp.MustCompile(`(?m)^---\s*$`).Split(string(data), -1) {
		keep := false
		for _, line := range strings.Split(d, "\n") {
			if l := strings.TrimSpace(line); l != "" && !strings.HasPrefix(l, "#") {
				keep = true
				break
			}
		}
		if keep {
			docs = append(docs, []byte(d))
		}
	}
	return docs
}

// selects reports whether sel selects a pod carrying labels.
func selects(t *testing.T, sel *metav1.LabelSelector, labels map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Fatalf("selector %v: %v", sel, err)
	}
	return !s.Empty() && s.Matches(k8slabels.Set(labels))
}

// mcpkitContainer returns the Deployment and container that run `mcpkit serve`.
func (m *manifests) mcpkitContainer(t *testing.T) (*appsv1.Deployment, *corev1.Container) {
	t.Helper()
	for _, d := range m.deployments {
		for i, c := range d.Spec.Template.Spec.Containers {
			if len(c.Args) > 0 && c.Args[0] == "serve" {
				return d, &d.Spec.Template.Spec.Containers[i]
			}
		}
	}
	t.Fatal("no Deployment runs `mcpkit serve`")
	return nil, nil
}

func TestKubernetesManifests(t *testing.T) {
	m := loadKubernetes(t)
	if t.Failed() {
		return
	}
	for _, d := range m.deployments {
		if !selects(t, d.Spec.Selector, d.Spec.Template.Labels) {
			t.Errorf("Deployment %s: its selector does not select its own pods", d.Name)
		}
	}
	podsOf := func(sel *metav1.LabelSelector) []*appsv1.Deployment {
		var out []*appsv1.Deployment
		for _, d := range m.deployments {
			if selects(t, sel, d.Spec.Template.Labels) {
				out = append(out, d)
			}
		}
		return out
	}
	for _, s := range m.services {
		ds := podsOf(&metav1.LabelSelector{MatchLabels: s.Spec.Selector})
		if len(ds) != 1 {
			t.Errorf("Service %s selects the pods of %d Deployments, want 1", s.Name, len(ds))
			continue
		}
		if s.Spec.SessionAffinity != "" && s.Spec.SessionAffinity != corev1.ServiceAffinityNone {
			t.Errorf("Service %s has sessionAffinity %s: with Redis no pod owns a session", s.Name, s.Spec.SessionAffinity)
		}
		for _, p := range s.Spec.Ports {
			if p.TargetPort.StrVal != "" && !hasPort(ds[0], p.TargetPort.StrVal) {
				t.Errorf("Service %s: targetPort %q is no container port of %s", s.Name, p.TargetPort.StrVal, ds[0].Name)
			}
		}
	}
	d, c := m.mcpkitContainer(t)
	for _, h := range m.hpas {
		if h.Spec.ScaleTargetRef.Kind != "Deployment" || h.Spec.ScaleTargetRef.Name != d.Name {
			t.Errorf("HPA %s scales %s %s, want Deployment %s", h.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name, d.Name)
		}
		if c.Resources.Requests.Cpu().IsZero() {
			t.Errorf("HPA %s scales on CPU utilization but container %s requests no CPU", h.Name, c.Name)
		}
	}
	if len(m.hpas) != 1 || len(m.pdbs) != 1 {
		t.Errorf("want one HPA and one PodDisruptionBudget, have %d and %d", len(m.hpas), len(m.pdbs))
	}
	for _, p := range m.pdbs {
		if !selects(t, p.Spec.Selector, d.Spec.Template.Labels) {
			t.Errorf("PodDisruptionBudget %s does not select the pods of %s", p.Name, d.Name)
		}
	}

	// The pod runs as the image's user, never as root.
	sc := d.Spec.Template.Spec.SecurityContext
	uid := imageUID(t)
	if sc == nil || sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot || sc.RunAsUser == nil || *sc.RunAsUser != uid {
		t.Errorf("Deployment %s: want runAsNonRoot and runAsUser %d (the Dockerfile's USER)", d.Name, uid)
	}

	args := expandArgs(t, c)
	flags := serveFlags(t)
	for _, a := range args[1:] {
		name, _, _ := strings.Cut(a, "=")
		if !strings.HasPrefix(name, "--") || !flags[strings.TrimPrefix(name, "--")] {
			t.Errorf("container %s: argument %q is not a flag of `mcpkit serve`", c.Name, a)
		}
	}
	// The drain fits in the grace period: preStop pause + --drain-timeout < terminationGracePeriodSeconds.
	drain := 10 * time.Second // serve's default
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--drain-timeout="); ok {
			var err error
			if drain, err = time.ParseDuration(v); err != nil {
				t.Fatalf("--drain-timeout=%s: %v", v, err)
			}
		}
	}
	var pause time.Duration
	if c.Lifecycle == nil || c.Lifecycle.PreStop == nil || c.Lifecycle.PreStop.Sleep == nil {
		t.Errorf("container %s has no preStop pause (the endpoints must be gone before the drain refuses requests)", c.Name)
	} else {
		pause = time.Duration(c.Lifecycle.PreStop.Sleep.Seconds) * time.Second
	}
	grace := 30 * time.Second
	if g := d.Spec.Template.Spec.TerminationGracePeriodSeconds; g != nil {
		grace = time.Duration(*g) * time.Second
	}
	if pause+drain >= grace {
		t.Errorf("preStop %v + --drain-timeout %v does not fit in terminationGracePeriodSeconds %v", pause, drain, grace)
	}
	// The Redis URL names a Service of these manifests, on its port.
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "--redis="); ok {
			host := strings.Split(strings.TrimPrefix(v, "redis://"), "/")[0]
			if !m.hasService(host) {
				t.Errorf("--redis=%s names %s, which no Service here provides", v, host)
			}
		}
	}

	// The probes are what the binary serves, on a port the container names.
	probes := map[string]*corev1.Probe{"liveness": c.LivenessProbe, "readiness": c.ReadinessProbe}
	paths := map[string]string{}
	for kind, p := range probes {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("container %s has no HTTP %s probe", c.Name, kind)
			continue
		}
		if p.HTTPGet.Port.StrVal != "" && !hasPort(d, p.HTTPGet.Port.StrVal) {
			t.Errorf("%s probe port %q is no container port", kind, p.HTTPGet.Port.StrVal)
		}
		paths[kind] = p.HTTPGet.Path
	}
	if paths["liveness"] != "/healthz" || paths["readiness"] != "/readyz" {
		t.Errorf("probe paths %v, want liveness /healthz and readiness /readyz", paths)
	}
	runWithArgs(t, args, paths)
}

func (m *manifests) hasService(hostport string) bool {
	host, port, _ := strings.Cut(hostport, ":")
	for _, s := range m.services {
		for _, p := range s.Spec.Ports {
			if s.Name == host && fmt.Sprint(p.Port) == port {
				return true
			}
		}
	}
	return false
}

func hasPort(d *appsv1.Deployment, name string) bool {
	for _, c := range d.Spec.Template.Spec.Containers {
		for _, p := range c.Ports {
			if p.Name == name {
				return true
			}
		}
	}
	return false
}

// expandArgs returns c's args with $(VAR) replaced by c's env values, as the kubelet does; a reference to
// a variable c does not define fails the test.
func expandArgs(t *testing.T, c *corev1.Container) []string {
	t.Helper()
	env := map[string]string{}
	for _, e := range c.Env {
		env[e.Name] = e.Value
	}
	ref := regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)
	out := make([]string, len(c.Args))
	for i, a := range c.Args {
		out[i] = ref.ReplaceAllStringFunc(a, func(s string) string {
			name := ref.FindStringSubmatch(s)[1]
			v, ok := env[name]
			if !ok {
				t.Errorf("argument %q refers to $(%s), which the container's env does not define", a, name)
			}
			return v
		})
	}
	return out
}

// serveFlags returns the long flag names `mcpkit serve --help` lists.
func serveFlags(t *testing.T) map[string]bool {
	t.Helper()
	out, err := exec.Command(staticBinary(t), "serve", "--help").Output()
	if err != nil {
		t.Fatalf("mcpkit serve --help: %v", err)
	}
	m := map[string]bool{}
	for _, f := range regexp.MustCompile(`(?m)^\s+(?:-\w, )?--([a-z][a-z0-9-]*)`).FindAllSubmatch(out, -1) {
		m[string(f[1])] = true
	}
	if !m["addr"] || !m["redis"] {
		t.Fatalf("could not read the flags of `mcpkit serve --help`:\n%s", out)
	}
	return m
}

// imageUID returns the numeric user of the Dockerfile's final USER line.
func imageUID(t *testing.T) int64 {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	all := regexp.MustCompile(`(?m)^USER\s+(\d+)`).FindAllSubmatch(data, -1)
	if len(all) == 0 {
		t.Fatal("the Dockerfile has no numeric USER line")
	}
	var uid int64
	fmt.Sscan(string(all[len(all)-1][1]), &uid)
	return uid
}

// runWithArgs runs the static binary with the manifest's arguments — its --addr moved to a loopback port,
// its --redis to a real redis-server this test starts — and checks each probe path answers 200.
func runWithArgs(t *testing.T, args []string, paths map[string]string) {
	t.Helper()
	needTool(t, "redis-server")
	rs := redistest.Start(t)
	addr := freeAddr(t)
	run := slices.Clone(args)
	for i, a := range run {
		switch {
		case strings.HasPrefix(a, "--addr="):
			run[i] = "--addr=" + addr
		case strings.HasPrefix(a, "--redis="):
			run[i] = "--redis=" + rs.URL(0)
		}
	}
	var stderr bytes.Buffer
	cmd := exec.Command(staticBinary(t), run...)
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			t.Logf("mcpkit %s stderr:\n%s", strings.Join(run, " "), stderr.String())
		}
	}()
	waitGet(t, "http://"+addr+"/healthz", exited)
	for kind, p := range paths {
		if code := get(t, "http://"+addr+p); code != 200 {
			t.Errorf("%s probe GET %s: %d, want 200", kind, p, code)
		}
	}
}
