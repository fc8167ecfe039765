// Command mcpbench measures mcpkit beside go-sdk, mcp-go and a raw net/http ceiling on this machine:
// Streamable HTTP (legacy sessions and the stateless 2026-07-28 era), in-memory and stdio, with the same
// tools and the same request bytes for everyone. See docs/PERFORMANCE.md.
//
//	cd bench && go run ./cmd/mcpbench -compare -clients 50 -duration 10s
package main

import (
	"os"

	"github.com/mcpkit/mcpkit/bench/internal/cli"
)

func main() {
	os.Exit(cli.Main(os.Args[1:], os.Stdout, os.Stderr))
}
