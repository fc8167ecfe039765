// Command echo is the MCP book's echo server with log notifications: the echo tool sends
// notifications/message at every level from debug to error while it works, and the client sees those at
// or above the level it asked for — logging/setLevel in a legacy session, the per-request log level
// (_meta io.modelcontextprotocol/logLevel) at 2026-07-28, where a request that names none gets none.
//
//	go run ./examples/echo             # Streamable HTTP at http://127.0.0.1:8000/mcp
//	go run ./examples/echo --stdio     # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/server"
)

// EchoArgs are the arguments of the echo tool.
type EchoArgs struct {
	Message string `json:"message" jsonschema:"the text to echo back"`
}

// steps are what echo logs, in order, one record per level: the client's level decides which it hears.
var steps = []struct {
	level slog.Level
	text  string
}{
	{slog.LevelDebug, "received the message"},
	{slog.LevelInfo, "echoing the message"},
	{server.LevelNotice, "the message is echoed as is"},
	{slog.LevelWarn, "a warning-level record (nothing is wrong)"},
	{slog.LevelError, "an error-level record (nothing failed)"},
}

// New returns the echo server.
func New() *server.Server {
	s := server.New("echo", "0.1.0", &server.Options{Instructions: "Echoes a message back, logging at every level as it goes; set a log level to hear them."})
	server.Tool(s, "echo", "Echo a message back, sending log notifications from debug to error",
		func(ctx context.Context, in EchoArgs) (string, error) {
			log := server.Log(ctx)
			for _, st := range steps {
				log.Log(ctx, st.level, st.text)
			}
			if strings.TrimSpace(in.Message) == "" {
				log.Warn("the message is empty")
			}
			return in.Message, nil
		})
	return s
}

// run serves New until ctx ends.
var run = exampleserve.Runner(New)

func main() { exampleserve.Main("echo", run) }
