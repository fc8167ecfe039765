package main

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var cases = []struct {
	tool  string
	a, b  float64
	want  string
	isErr bool
}{
	{"add", 5, 10, "15", false},
	{"subtract", 5, 10, "-5", false},
	{"multiply", 2.5, 4, "10", false},
	{"divide", 7, 2, "3.5", false},
	{"divide", 7, 0, "cannot divide by zero", true},
	{"divide", 0, 0, "cannot divide by zero", true},
}

// TestTools: each tool's answer in both eras; divide by zero is a result with isError, not a protocol
// error.
func TestTools(t *testing.T) {
	for _, version := range exampletest.Eras {
		sess := exampletest.Connect(t, New(), version, client.Options{})
		for _, tc := range cases {
			text, isErr := exampletest.Call(t, sess, tc.tool, Operands{A: tc.a, B: tc.b})
			if isErr != tc.isErr || !strings.Contains(text, tc.want) {
				t.Errorf("%s %s(%v, %v) = %q (isError %v), want %q (isError %v)", version, tc.tool, tc.a, tc.b, text, isErr, tc.want, tc.isErr)
			}
		}
	}
}

// TestTypedSchema: the inferred input schema requires a and b as numbers, and a call without b is
// refused before the handler runs.
func TestTypedSchema(t *testing.T) {
	sess := exampletest.Connect(t, New(), mcp.Version20260728, client.Options{})
	text, isErr := exampletest.Call(t, sess, "divide", map[string]any{"a": 1})
	if !isErr || !strings.Contains(text, "b") {
		t.Fatalf("divide without b: %q (isError %v)", text, isErr)
	}
	text, isErr = exampletest.Call(t, sess, "add", map[string]any{"a": "one", "b": 2})
	if !isErr {
		t.Fatalf("add with a string: %q, want an error", text)
	}
}

// TestHTTP: `calculator --addr …` serves Streamable HTTP in both eras.
func TestHTTP(t *testing.T) {
	base := exampletest.StartHTTP(t, run)
	for _, version := range exampletest.Eras {
		sess := exampletest.ConnectHTTP(t, base, version, client.Options{})
		if text, isErr := exampletest.Call(t, sess, "divide", Operands{A: 1, B: 0}); !isErr || !strings.Contains(text, "cannot divide by zero") {
			t.Errorf("%s: divide by zero over HTTP: %q (isError %v)", version, text, isErr)
		}
	}
}
