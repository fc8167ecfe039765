package otelmcp_test

import (
	"os/exec"
	"strings"
	"testing"
)

// corePackages are the packages a program using mcpkit without tracing imports: none may pull in
// OpenTelemetry (auth/authserver does, through zitadel/oidc; it is a development tool, not a dependency of
// the others).
var corePackages = []string{
	"github.com/mcpkit/mcpkit/server",
	"github.com/mcpkit/mcpkit/client",
	"github.com/mcpkit/mcpkit/client/oauth",
	"github.com/mcpkit/mcpkit/transport/...",
	"github.com/mcpkit/mcpkit/store/...",
	"github.com/mcpkit/mcpkit/auth",
	"github.com/mcpkit/mcpkit/jsonrpc",
	"github.com/mcpkit/mcpkit/mcp",
	"github.com/mcpkit/mcpkit/schema",
}

// TestCoreImportsNoOpenTelemetry: `go list -deps` of the core packages names no go.opentelemetry.io
// package, so users who do not import otelmcp link none of it. (The test is also checked to notice: it
// finds OpenTelemetry in otelmcp's own dependencies.)
func TestCoreImportsNoOpenTelemetry(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Fatal("no go command to list the dependencies with:", err)
	}
	otelIn := func(pkgs ...string) []string {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, pkgs...)...).Output()
		if err != nil {
			t.Fatalf("go list -deps: %v", err)
		}
		var found []string
		for _, p := range strings.Fields(string(out)) {
			if strings.HasPrefix(p, "go.opentelemetry.io/") {
				found = append(found, p)
			}
		}
		return found
	}
	if found := otelIn(corePackages...); len(found) > 0 {
		t.Fatalf("core packages import OpenTelemetry: %v", found)
	}
	if found := otelIn("github.com/mcpkit/mcpkit/otelmcp"); len(found) == 0 {
		t.Fatal("the check is blind: no OpenTelemetry package found under otelmcp either")
	}
}
