// Package demo is the server `mcpkit serve` runs: the tools, resources and prompt of the MCP book's first
// chapters, written with mcpkit's public API only.
package demo

import (
	"context"
	"fmt"

	"github.com/mcpkit/mcpkit/server"
)

// AddArgs are the arguments of the add tool.
type AddArgs struct {
	A int `json:"a" jsonschema:"first number"`
	B int `json:"b" jsonschema:"second number"`
}

// MultiplyArgs are the arguments of the multiply tool.
type MultiplyArgs struct {
	First  float64 `json:"first" jsonschema:"first factor"`
	Second float64 `json:"second" jsonschema:"second factor"`
}

// EchoArgs are the arguments of the echo tool.
type EchoArgs struct {
	Message string `json:"message" jsonschema:"the text to echo back"`
}

// ReviewArgs are the arguments of the review_code prompt.
type ReviewArgs struct {
	Code string `json:"code" jsonschema:"the code to review"`
}

// New returns the demo server.
func New() *server.Server { return NewWith(server.Options{}) }

// NewWith returns the demo server built with opts (for example a shared KeyRing when several nodes serve
// it); an empty Instructions gets the demo's.
func NewWith(opts server.Options) *server.Server {
	if opts.Instructions == "" {
		opts.Instructions = "A demo server: arithmetic tools, an echo tool that logs its progress, create_product (asks the client's LLM) and book_trip (asks the user), a greeting resource template and a code review prompt."
	}
	s := server.New("mcpkit-demo", "0.1.0", &opts)

	server.Tool(s, "add", "Add two numbers", func(ctx context.Context, in AddArgs) (int, error) {
		return in.A + in.B, nil
	})
	server.Tool(s, "multiply", "Multiply two numbers", func(ctx context.Context, in MultiplyArgs) (float64, error) {
		return in.First * in.Second, nil
	})
	server.Tool(s, "echo", "Echo a message back, logging progress as it goes", func(ctx context.Context, in EchoArgs) (string, error) {
		log := server.Log(ctx)
		for i := 1; i <= 3; i++ {
			log.Info(fmt.Sprintf("Processing file %d/3", i))
			_ = server.Progress(ctx, float64(i), 3, fmt.Sprintf("file %d/3", i))
		}
		return "Here's the file content: " + in.Message, nil
	})

	addInteractive(s)

	server.Resource(s, "greeting://{name}", "A personalized greeting", func(ctx context.Context, name string) (string, error) {
		return "Hello, " + name + "!", nil
	})
	server.Resource(s, "command://ping", "Answers Pong", func(ctx context.Context) (string, error) {
		return "Pong", nil
	})

	server.Prompt(s, "review_code", "Review a piece of code", func(ctx context.Context, in ReviewArgs) (string, error) {
		return "Please review this code:\n\n" + in.Code, nil
	})
	return s
}
