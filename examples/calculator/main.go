// Command calculator is the MCP book's calculator: typed tools add, subtract, multiply and divide, where
// dividing by zero is a tool error (a result with isError set that the model can read), not a protocol
// error.
//
//	go run ./examples/calculator                       # Streamable HTTP at http://127.0.0.1:8000/mcp
//	go run ./examples/calculator --stdio               # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"errors"

	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/server"
)

// Operands are the arguments of every calculator tool.
type Operands struct {
	A float64 `json:"a" jsonschema:"the first operand"`
	B float64 `json:"b" jsonschema:"the second operand"`
}

// ErrDivideByZero is the tool error divide returns for b = 0.
var ErrDivideByZero = errors.New("cannot divide by zero: b must not be 0")

// operations are the calculator's tools, by name.
var operations = []struct {
	name, description string
	fn                func(a, b float64) (float64, error)
}{
	{"add", "Add two numbers: a + b", func(a, b float64) (float64, error) { return a + b, nil }},
	{"subtract", "Subtract b from a: a - b", func(a, b float64) (float64, error) { return a - b, nil }},
	{"multiply", "Multiply two numbers: a × b", func(a, b float64) (float64, error) { return a * b, nil }},
	{"divide", "Divide a by b; b = 0 is an error", func(a, b float64) (float64, error) {
		if b == 0 {
			return 0, ErrDivideByZero
		}
		return a / b, nil
	}},
}

// New returns the calculator server.
func New() *server.Server {
	s := server.New("calculator", "0.1.0", &server.Options{Instructions: "A calculator: add, subtract, multiply and divide two numbers a and b."})
	for _, op := range operations {
		server.Tool(s, op.name, op.description, func(ctx context.Context, in Operands) (float64, error) {
			return op.fn(in.A, in.B)
		})
	}
	return s
}

// run serves New until ctx ends.
var run = exampleserve.Runner(New)

func main() { exampleserve.Main("calculator", run) }
