package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// HTTPOptions configures ListenAndServe.
type HTTPOptions struct {
	// Path of the Streamable HTTP endpoint (default "/mcp").
	Path string
	// SSEPath and MessagesPath are the endpoints of the legacy HTTP+SSE transport (2024-11-05), served
	// beside Streamable HTTP (defaults "/sse" and "/messages"). NoSSE turns that transport off.
	SSEPath, MessagesPath string
	NoSSE                 bool
	// SSEBus lets several nodes serve the HTTP+SSE transport: a /messages POST landing on a node that does
	// not hold the session's /sse stream is routed to the one that does (sse.Options.Bus). Nil: one node.
	SSEBus store.Bus
	// Streamable configures the endpoint: allowed hosts and origins, limits, stores.
	Streamable streamable.Options
	// ShutdownTimeout bounds the drain when ctx ends (default 10s): new requests get 503 with Retry-After,
	// open GET and listen streams end with a retry hint, running calls finish until then
	// (streamable.Handler.Drain); calls still running at the deadline are ended.
	ShutdownTimeout time.Duration

	// ReadHeaderTimeout bounds reading a request's headers (default 10s).
	ReadHeaderTimeout time.Duration
	// BodyReadTimeout bounds reading a request's body (default 30s): a body sent at one byte a second
	// gets 400 instead of holding its connection. It is a per-request read deadline, lifted once the body
	// is read, so long-lived SSE responses are not cut (http.Server's ReadTimeout and WriteTimeout would
	// cut them; the transports bound each SSE write instead).
	BodyReadTimeout time.Duration
	// IdleTimeout closes keep-alive connections idle this long between requests (default 2 minutes).
	IdleTimeout time.Duration
	// MaxHeaderBytes bounds a request's header block (default 64 KiB; larger gets 431).
	MaxHeaderBytes int
	// Authenticate wraps the MCP endpoints (Streamable HTTP and HTTP+SSE): the auth package's middleware,
	// which answers 401 without a valid token and puts the *auth.Principal in the request's context.
	// Scopes (RequireToolScopes and its kin) and session binding bite only for requests that carry a
	// principal: a server that declares scopes and is served without Authenticate logs a warning at start.
	Authenticate func(http.Handler) http.Handler
	// Wrap, when set, wraps the MCP endpoints outside Authenticate, so it sees every request, refused ones
	// too: an HTTP middleware for tracing (otelmcp.HTTPHandler takes W3C trace context from the headers),
	// logging or metrics. Nil adds nothing.
	Wrap func(http.Handler) http.Handler
	// MaxConns bounds the open connections (default 4,096); further clients wait in the listen backlog
	// until one closes. Each open SSE stream holds one.
	MaxConns int

	// WrapEndpoint, when set, wraps each MCP endpoint inside Authenticate, so that it sees the request's
	// principal: rate limits (package ratelimit), HTTP metrics (package metrics). transport is
	// "streamable" for Path and "sse" for SSEPath and MessagesPath.
	WrapEndpoint func(transport string, next http.Handler) http.Handler
	// Routes are served beside the MCP endpoints, by path pattern (http.ServeMux syntax), outside
	// Authenticate, Wrap and WrapEndpoint: health probes (package health) and /metrics, which orchestrators and scrapers
	// reach without a token. A pattern equal to one of the MCP endpoints' paths is refused.
	Routes map[string]http.Handler
	// Handlers, when set, is called once with the transports' handlers before serving starts (legacy is
	// nil with NoSSE): metrics read their Stats, probes their drain state.
	Handlers func(mcp *streamable.Handler, legacy *sse.Handler)
}

// Handler returns the Streamable HTTP handler for this server (both protocol eras on one endpoint), to
// mount in any mux. Close it (Handler.Close) when the server stops.
// Sessions are bound to the server's Options.Principal unless opts.Principal says otherwise.
func (s *Server) Handler(opts *streamable.Options) *streamable.Handler {
	var o streamable.Options
	if opts != nil {
		o = *opts
	}
	if o.Principal == nil {
		o.Principal = s.opts.Principal
	}
	return streamable.NewHandler(s, &o)
}

// ListenAndServe serves Streamable HTTP on addr at /mcp (both eras) and the legacy HTTP+SSE transport at
// /sse and /messages, until the process ends, with safe defaults.
// Binding anything but loopback needs Streamable.AllowedHosts (see ListenAndServeContext).
func (s *Server) ListenAndServe(addr string) error {
	return s.ListenAndServeContext(context.Background(), addr, nil)
}

// ListenAndServeContext serves Streamable HTTP on addr until ctx ends, then shuts down gracefully. A
// server bound to a non-loopback address must list the Host names it answers to
// (opts.Streamable.AllowedHosts) or say AllowAnyHost: without one of them, DNS rebinding would expose it.
func (s *Server) ListenAndServeContext(ctx context.Context, addr string, opts *HTTPOptions) error {
	if err := s.Err(); err != nil {
		return err
	}
	var o HTTPOptions
	if opts != nil {
		o = *opts
	}
	if o.Path == "" {
		o.Path = "/mcp"
	}
	if o.SSEPath == "" {
		o.SSEPath = "/sse"
	}
	if o.MessagesPath == "" {
		o.MessagesPath = "/messages"
	}
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
	}
	if o.ReadHeaderTimeout <= 0 {
		o.ReadHeaderTimeout = 10 * time.Second
	}
	if o.BodyReadTimeout <= 0 {
		o.BodyReadTimeout = 30 * time.Second
	}
	if o.IdleTimeout <= 0 {
		o.IdleTimeout = 2 * time.Minute
	}
	if o.MaxHeaderBytes <= 0 {
		o.MaxHeaderBytes = 64 << 10
	}
	if o.MaxConns <= 0 {
		o.MaxConns = 4096
	}
	if !streamable.IsLoopbackAddr(addr) && len(o.Streamable.AllowedHosts) == 0 && !o.Streamable.AllowAnyHost {
		return fmt.Errorf("server: %s is not a loopback address: set HTTPOptions.Streamable.AllowedHosts to the host names clients use (or AllowAnyHost behind a proxy that checks Host) to keep DNS rebinding out", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return s.serveListener(ctx, ln, &o)
}

func (s *Server) serveListener(ctx context.Context, ln net.Listener, o *HTTPOptions) error {
	for pat := range o.Routes {
		if pat == o.Path || (!o.NoSSE && (pat == o.SSEPath || pat == o.MessagesPath)) {
			_ = ln.Close()
			return fmt.Errorf("server: HTTPOptions.Routes: %q is an MCP endpoint", pat)
		}
	}
	wrap := func(_ string, h http.Handler) http.Handler { return h }
	if o.WrapEndpoint != nil {
		wrap = o.WrapEndpoint
	}
	h := s.Handler(&o.Streamable)
	mux := http.NewServeMux()
	mux.Handle(o.Path, wrap("streamable", h))
	var legacy *sse.Handler
	if !o.NoSSE {
		legacy = sse.NewHandler(s, &sse.Options{
			MessagesPath: o.MessagesPath,
			Policy: httpx.Policy{AllowedHosts: o.Streamable.AllowedHosts, AllowAnyHost: o.Streamable.AllowAnyHost,
				AllowedOrigins: o.Streamable.AllowedOrigins},
			MaxBodyBytes: o.Streamable.MaxBodyBytes,
			Logger:       o.Streamable.Logger,
			Bus:          o.SSEBus,
			Principal:    s.opts.Principal,

			ResourceMetadataURL: o.Streamable.ResourceMetadataURL,
		})
		mux.Handle(o.SSEPath, wrap("sse", legacy.SSE()))
		mux.Handle(o.MessagesPath, wrap("sse", legacy.Messages()))
	}
	if o.Handlers != nil {
		o.Handlers(h, legacy)
	}
	var root http.Handler = mux
	if o.Authenticate != nil {
		root = o.Authenticate(mux)
	} else {
		s.warnUnenforced("HTTP without HTTPOptions.Authenticate")
	}
	if o.Wrap != nil {
		root = o.Wrap(root)
	}
	if len(o.Routes) > 0 {
		outer, err := routes(o.Routes, root)
		if err != nil {
			_ = ln.Close()
			_ = h.Close(context.Background())
			if legacy != nil {
				_ = legacy.Close(context.Background())
			}
			return err
		}
		root = outer
	}
	hs := &http.Server{
		Handler:           bodyDeadline(o.BodyReadTimeout, root),
		ReadHeaderTimeout: o.ReadHeaderTimeout,
		IdleTimeout:       o.IdleTimeout,
		MaxHeaderBytes:    o.MaxHeaderBytes,
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(httpx.LimitListener(ln, o.MaxConns)) }()
	s.log.Info("mcp: serving Streamable HTTP", "url", "http://"+ln.Addr().String()+o.Path)
	if legacy != nil {
		s.log.Info("mcp: serving HTTP+SSE (2024-11-05)", "url", "http://"+ln.Addr().String()+o.SSEPath)
	}
	select {
	case err := <-errc:
		_ = h.Close(context.Background())
		if legacy != nil {
			_ = legacy.Close(context.Background())
		}
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	// Refuse new requests (503), end open streams with a retry hint, let running calls finish, then stop.
	hs.SetKeepAlivesEnabled(false)
	herr := h.Drain(sctx)
	var lerr error
	if legacy != nil {
		lerr = legacy.Close(sctx)
	}
	serr := hs.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return errors.Join(herr, lerr, serr)
}

// routes returns a mux serving the extra routes and everything else with rest; a malformed pattern, or
// one conflicting with another, is an error (http.ServeMux panics on them).
func routes(extra map[string]http.Handler, rest http.Handler) (mux *http.ServeMux, err error) {
	defer func() {
		if p := recover(); p != nil {
			mux, err = nil, fmt.Errorf("server: HTTPOptions.Routes: %v", p)
		}
	}()
	mux = http.NewServeMux()
	for pat, h := range extra {
		mux.Handle(pat, h)
	}
	mux.Handle("/", rest)
	return mux, nil
}
