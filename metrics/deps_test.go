package metrics_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestCoreDoesNotImportPrometheus: the packages a user of the server, the client, a transport, a store or
// the auth package imports pull in neither the Prometheus client nor OpenTelemetry (only this package,
// and the tracing package, do). It reads the real import graph with go list.
func TestCoreDoesNotImportPrometheus(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to read the import graph: %v", err)
	}
	core := []string{"./server", "./client", "./jsonrpc", "./mcp", "./schema", "./transport/...", "./store/...",
		"./auth", "./health", "./ratelimit"}
	cmd := exec.Command(gobin, append([]string{"list", "-deps"}, core...)...)
	cmd.Dir = ".."
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list -deps listed only %d packages: %v", len(deps), deps)
	}
	seen := false
	for _, d := range deps {
		if d == "github.com/mcpkit/mcpkit/server" {
			seen = true
		}
		for _, banned := range []string{"github.com/prometheus/", "go.opentelemetry.io/", "github.com/mcpkit/mcpkit/metrics"} {
			if strings.HasPrefix(d, banned) {
				t.Errorf("a core package depends on %s", d)
			}
		}
	}
	if !seen {
		t.Fatal("go list -deps did not list the server package: the check looked at nothing")
	}
	// The control: this package does import the Prometheus client.
	cmd = exec.Command(gobin, "list", "-deps", ".")
	out, err = cmd.Output()
	if err != nil || !strings.Contains(string(out), "github.com/prometheus/client_golang/prometheus\n") {
		t.Fatalf("go list -deps of package metrics does not list the Prometheus client (%v)", err)
	}
}
