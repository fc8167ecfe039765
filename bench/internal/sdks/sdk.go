package sdks

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/mcpkit/mcpkit/bench/internal/workload"
)

// Names of the implementations, in table order.
const (
	MCPKit = "mcpkit"
	GoSDK  = "go-sdk"
	MCPGo  = "mcp-go"
	Raw    = "raw"
)

// HTTPOptions are the few settings the harness passes to every HTTP server.
type HTTPOptions struct {
	// MaxSessions is the least number of legacy sessions the server must hold at once (the idle-session
	// measurement opens thousands). Implementations without a limit ignore it.
	MaxSessions int
	// Modern asks for a handler that serves the stateless 2026-07-28 era. Implementations that serve
	// both eras on one handler ignore it; go-sdk needs a handler configured Stateless for it.
	Modern bool
}

// Client is an SDK's own client connected to its own server in this process.
type Client interface {
	// Call calls tool and checks the result is the right one.
	Call(ctx context.Context, tool string) error
	// Close ends the session and the server behind it.
	Close() error
}

// SDK is one implementation under test. A nil function means the implementation does not offer that
// transport.
type SDK struct {
	// Name is one of the constants above.
	Name string
	// Version is the module version under test (for the report).
	Version string
	// Modern reports whether the HTTP handler serves the stateless 2026-07-28 era.
	Modern bool
	// Sessions reports whether the HTTP handler keeps legacy sessions (the idle-session measurement).
	Sessions bool
	// HTTP returns a Streamable HTTP handler serving both tools in both eras it supports, and a
	// function releasing it.
	HTTP func(o HTTPOptions) (http.Handler, func(), error)
	// Stdio serves both tools as a stdio server on r and w until r ends or ctx is done.
	Stdio func(ctx context.Context, r io.Reader, w io.Writer) error
	// InMemory connects the SDK's own client to its own server over its in-memory transport, as a
	// legacy session at workload.LegacyVersion.
	InMemory func(ctx context.Context) (Client, error)
}

// All returns every implementation, in table order.
func All() []*SDK {
	return []*SDK{mcpkitSDK(), goSDK(), mcpGoSDK(), rawSDK()}
}

// Lookup returns the implementation called name.
func Lookup(name string) (*SDK, error) {
	var names []string
	for _, s := range All() {
		if s.Name == name {
			return s, nil
		}
		names = append(names, s.Name)
	}
	return nil, fmt.Errorf("unknown sdk %q (want one of %s)", name, strings.Join(names, ", "))
}

// checkText checks a text tool answer.
func checkText(tool, got string) error {
	if got != workload.Text {
		return fmt.Errorf("%s: text of %d bytes is not the expected %d bytes", tool, len(got), workload.TextSize)
	}
	return nil
}

// checkSum checks an add answer.
func checkSum(got int) error {
	if got != workload.AddWant {
		return fmt.Errorf("add: sum %d, want %d", got, workload.AddWant)
	}
	return nil
}
