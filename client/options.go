package client

import (
	"context"
	"log/slog"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
)

// Options configures a client session. The zero value is usable.
type Options struct {
	// ClientInfo identifies the client. Empty Name means "mcpkit".
	ClientInfo mcp.Implementation
	// Capabilities are the client's capabilities, sent in initialize (legacy) or on every request (modern).
	Capabilities mcp.ClientCapabilities
	// ProtocolVersion pins a version: a legacy one (2024-11-05 … 2025-11-25) skips the probe and
	// initializes with it; 2026-07-28 speaks only the modern era. Empty negotiates: modern first, then the
	// newest legacy version.
	ProtocolVersion string
	// ProbeTimeout bounds the server/discover probe before falling back to initialize. Default 5s.
	ProbeTimeout time.Duration
	// LogLevel asks the server for notifications/message at this level and above: per request in the
	// modern era, with logging/setLevel after initialize in the legacy era. Empty asks for none (a legacy
	// server may send logs anyway).
	LogLevel mcp.LoggingLevel

	// OnLog receives notifications/message.
	OnLog func(ctx context.Context, p *mcp.LoggingMessageParams)
	// OnProgress receives notifications/progress whose token belongs to no call made WithProgress.
	OnProgress func(ctx context.Context, p *mcp.ProgressParams)
	// OnToolsChanged, OnResourcesChanged and OnPromptsChanged receive the list_changed notifications.
	OnToolsChanged, OnResourcesChanged, OnPromptsChanged func(ctx context.Context)
	// OnResourceUpdated receives notifications/resources/updated.
	OnResourceUpdated func(ctx context.Context, uri string)

	// Logger receives the client's own diagnostics. Nil uses slog.Default().
	Logger *slog.Logger
}

type progressKey struct{}

// WithProgress returns a context whose calls ask the server for progress and deliver it to fn.
func WithProgress(ctx context.Context, fn func(p *mcp.ProgressParams)) context.Context {
	return context.WithValue(ctx, progressKey{}, fn)
}

func progressFunc(ctx context.Context) func(p *mcp.ProgressParams) {
	fn, _ := ctx.Value(progressKey{}).(func(p *mcp.ProgressParams))
	return fn
}
