package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/mcpkit/mcpkit/transport/streamable"
)

// HTTPOptions configures ListenAndServe.
type HTTPOptions struct {
	// Path of the Streamable HTTP endpoint (default "/mcp").
	Path string
	// Streamable configures the endpoint: allowed hosts and origins, limits, stores.
	Streamable streamable.Options
	// ShutdownTimeout bounds the drain of open streams when ctx ends (default 10s).
	ShutdownTimeout time.Duration
}

// Handler returns the Streamable HTTP handler for this server (both protocol eras on one endpoint), to
// mount in any mux. Close it (Handler.Close) when the server stops.
func (s *Server) Handler(opts *streamable.Options) *streamable.Handler {
	return streamable.NewHandler(s, opts)
}

// ListenAndServe serves Streamable HTTP on addr at /mcp until the process ends, with safe defaults.
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
	if o.ShutdownTimeout <= 0 {
		o.ShutdownTimeout = 10 * time.Second
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
	h := s.Handler(&o.Streamable)
	mux := http.NewServeMux()
	mux.Handle(o.Path, h)
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, ErrorLog: nil}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	s.log.Info("mcp: serving Streamable HTTP", "url", "http://"+ln.Addr().String()+o.Path)
	select {
	case err := <-errc:
		_ = h.Close(context.Background())
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), o.ShutdownTimeout)
	defer cancel()
	// Stop accepting, end open streams, then wait for requests in flight.
	hs.SetKeepAlivesEnabled(false)
	herr := h.Close(sctx)
	serr := hs.Shutdown(sctx)
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return errors.Join(herr, serr)
}
