package workload

import "strings"

// Tool names.
const (
	// ToolAdd is the typed add(a, b) tool: typed arguments in, a typed {"sum": n} result out.
	ToolAdd = "add"
	// ToolText is the tool whose result is TextSize bytes of text.
	ToolText = "text4k"
)

// Tools lists the tool names in table order.
var Tools = []string{ToolAdd, ToolText}

// Protocol versions the generator speaks.
const (
	// LegacyVersion is the protocol version of legacy sessions (initialize handshake).
	LegacyVersion = "2025-11-25"
	// ModernVersion is the stateless era: every request carries its version in _meta.
	ModernVersion = "2026-07-28"
)

// AddArgs are the add tool's arguments.
type AddArgs struct {
	A int `json:"a" jsonschema:"first number"`
	B int `json:"b" jsonschema:"second number"`
}

// Sum is the add tool's result.
type Sum struct {
	Sum int `json:"sum" jsonschema:"a + b"`
}

// NoArgs are the text tool's (empty) arguments.
type NoArgs struct{}

// AddA and AddB are the arguments every add call sends; AddWant is the sum every answer must carry.
const (
	AddA    = 1
	AddB    = 2
	AddWant = AddA + AddB
)

// TextSize is the length of the text tool's answer in bytes.
const TextSize = 4096

// Text is the text tool's answer: TextSize lower-case letters from a fixed pseudo-random sequence, so it
// needs no JSON escaping in any encoder and cannot be matched by accident.
var Text = makeText(TextSize)

func makeText(n int) string {
	var b strings.Builder
	b.Grow(n)
	x := uint32(2463534242)
	for range n {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b.WriteByte(byte('a' + x%26))
	}
	return b.String()
}

// Add is the add tool's logic, shared by every SDK.
func Add(in AddArgs) Sum { return Sum{Sum: in.A + in.B} }
