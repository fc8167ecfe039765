// Package server is the MCP server SDK: registries for tools, resources, resource templates, prompts and
// completions; dispatch of every MCP method; the handler context (Log, Progress, and the request's era and
// client); and the rules of both protocol eras.
//
// A Server is transport-independent. Serve runs it over any jsonrpc.Stream (stdio, in-memory); the HTTP
// transports call into the same dispatch. Era logic lives here and only here: a request carrying the
// 2026-07-28 per-request _meta is served statelessly, an initialize handshake opens a legacy session, and
// one handler body serves both.
//
// Typed registration is the short path:
//
//	server.Tool(s, "add", "Add two numbers", func(ctx context.Context, in AddArgs) (int, error) {
//		return in.A + in.B, nil
//	})
//
// The input schema is inferred from AddArgs, arguments are validated before the handler runs and the result
// after; a returned error becomes a tool result with isError set.
//
// This package must not depend on a concrete transport's internals: transports reach it through Serve and
// the exported dispatch entry points.
package server
