package interop

import (
	"reflect"
	"strings"
	"testing"

	"github.com/go-json-experiment/json"
)

// TestInspectorThroughBridge runs the book's Inspector CLI command lines through `mcpkit bridge URL`
// started by the Inspector CLI 2.12.0 as its stdio server (the Inspector speaks 2025-11-25 to it), with
// the bridge reaching the demo over Streamable HTTP (negotiated: 2026-07-28) and over HTTP+SSE
// (2024-11-05): each must print the same JSON, and exit alike, as the Inspector talking to the demo
// directly over Streamable HTTP.
func TestInspectorThroughBridge(t *testing.T) {
	peers(t)
	base := demoURL(t)
	bin := mcpkitBinary(t)
	for _, up := range []struct{ name, url string }{
		{"http-2026-07-28", base + "/mcp"},
		{"sse", base + "/sse"},
	} {
		t.Run(up.name, func(t *testing.T) {
			for _, line := range bookLines {
				t.Run(strings.Join(line[1:], " "), func(t *testing.T) {
					direct := runInspectCLI(t, true, append(append([]string{base + "/mcp"}, line...), "--format", "json"))
					bridged := runInspectCLI(t, true, append(append([]string{bin, "bridge", up.url}, line...), "--format", "json"))
					if direct.code != 0 || bridged.code != 0 {
						t.Fatalf("exit %d through the bridge, %d direct\nbridged stderr: %s\ndirect stderr: %s",
							bridged.code, direct.code, bridged.stderr, direct.stderr)
					}
					var d, b any
					if err := json.Unmarshal([]byte(direct.stdout), &d); err != nil {
						t.Fatalf("direct: %q: %v", direct.stdout, err)
					}
					if err := json.Unmarshal([]byte(bridged.stdout), &b); err != nil {
						t.Fatalf("bridged: %q: %v", bridged.stdout, err)
					}
					if !reflect.DeepEqual(d, b) {
						t.Errorf("through the bridge:\n%s\ndirect:\n%s", bridged.stdout, direct.stdout)
					}
				})
			}
		})
	}
}
