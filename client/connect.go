package client

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/serial"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// Connect starts a session over stream. With no pinned version it probes with server/discover (2026-07-28)
// and falls back to the initialize handshake on anything but a recognised modern answer, as the stdio
// binding of the specification says. On failure the stream is closed.
func Connect(ctx context.Context, stream jsonrpc.Stream, opts *Options) (*Session, error) {
	s := &Session{}
	if opts != nil {
		s.opts = *opts
	}
	if s.opts.ClientInfo.Name == "" {
		s.opts.ClientInfo = mcp.Implementation{Name: "mcpkit", Version: "0.1.0"}
	}
	s.declareHandlers()
	s.chainMiddleware()
	s.chainHandlers()
	if s.opts.ProbeTimeout <= 0 {
		s.opts.ProbeTimeout = 5 * time.Second
	}
	s.log = s.opts.Logger
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.opts.MaxPendingCallbacks <= 0 {
		s.opts.MaxPendingCallbacks = defaultMaxPendingCallbacks
	}
	s.callbacks = serial.New(s.opts.MaxPendingCallbacks)
	s.initTasks()
	s.conn = jsonrpc.NewConn(stream, jsonrpc.ConnOptions{
		Handler:      &inbound{s: s},
		CancelMethod: mcp.MethodNotificationCancelled,
		Logger:       s.log,
	})
	s.conn.Start()
	if err := s.negotiate(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.settled.Store(true)
	return s, nil
}

func (s *Session) negotiate(ctx context.Context) error {
	pin := s.opts.ProtocolVersion
	switch {
	case pin == "":
		ok, err := s.probeModern(ctx, mcp.LatestVersion)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		return s.initialize(ctx, mcp.LatestLegacyVersion)
	case !mcp.IsSupported(pin):
		return fmt.Errorf("client: protocol version %q is not one mcpkit speaks (%v)", pin, mcp.SupportedVersions)
	case mcp.EraOf(pin) == mcp.EraModern:
		ok, err := s.probeModern(ctx, pin)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("client: the server does not speak protocol %s (it did not answer server/discover)", pin)
		}
		return nil
	default:
		return s.initialize(ctx, pin)
	}
}

// maxVersionRetries bounds the server/discover probes UnsupportedProtocolVersion answers may cause.
const maxVersionRetries = 2

// probeModern sends server/discover. It reports true when the server is modern and the session is set up,
// false when the server looks legacy, and an error when the server is modern but shares no version with us
// or the context ended.
func (s *Session) probeModern(ctx context.Context, version string) (bool, error) {
	return s.probeModernRetrying(ctx, version, maxVersionRetries)
}

// probeModernRetrying is probeModern with at most retries more probes after an UnsupportedProtocolVersion
// answer.
func (s *Session) probeModernRetrying(ctx context.Context, version string, retries int) (bool, error) {
	s.era, s.version = mcp.EraModern, version
	if err := s.buildMeta(s.opts.LogLevel); err != nil {
		return false, err
	}
	pctx, cancel := context.WithTimeout(ctx, s.opts.ProbeTimeout)
	defer cancel()
	var res mcp.DiscoverResult
	err := s.call(pctx, mcp.MethodDiscover, nil, &res)
	if err == nil {
		return s.adoptDiscover(ctx, &res)
	}
	if ctx.Err() != nil {
		return false, ctx.Err()
	}
	var rpcErr *jsonrpc.Error
	if errors.As(err, &rpcErr) && rpcErr.Code == mcp.CodeUnsupportedProtocolVersion {
		// A modern server that does not speak our version: retry with one it lists, when we have one. A
		// list that names the version we sent makes the same request worth one more try (a server may
		// reject a first request to see the client retry); the retries are bounded.
		var data mcp.UnsupportedProtocolVersionData
		_ = json.Unmarshal(rpcErr.Data, &data)
		if retries > 0 {
			for _, v := range data.Supported {
				if v != version && mcp.EraOf(v) == mcp.EraModern && mcp.IsSupported(v) {
					return s.probeModernRetrying(ctx, v, retries-1)
				}
			}
			if slices.Contains(data.Supported, version) {
				return s.probeModernRetrying(ctx, version, retries-1)
			}
		}
		if slices.ContainsFunc(data.Supported, func(v string) bool { return mcp.EraOf(v) == mcp.EraLegacy && mcp.IsSupported(v) }) {
			s.era = mcp.EraLegacy
			return false, nil
		}
		return false, fmt.Errorf("client: the server supports protocol versions %v; mcpkit speaks %v", data.Supported, mcp.SupportedVersions)
	}
	// Anything else (method not found, invalid params, a timeout, a legacy "not initialized") means legacy.
	s.log.Debug("mcp: server/discover probe failed; falling back to initialize", "err", err)
	s.era = mcp.EraLegacy
	return false, nil
}

func (s *Session) adoptDiscover(ctx context.Context, res *mcp.DiscoverResult) (bool, error) {
	if !slices.Contains(res.SupportedVersions, s.version) {
		for _, v := range res.SupportedVersions {
			if mcp.EraOf(v) == mcp.EraModern && mcp.IsSupported(v) {
				return s.probeModern(ctx, v)
			}
		}
		s.era = mcp.EraLegacy
		return false, nil // a discover-capable server that prefers legacy versions
	}
	s.serverCaps = res.Capabilities
	s.instructions = res.Instructions
	if res.Meta != nil && res.Meta.ServerInfo != nil {
		s.serverInfo = *res.Meta.ServerInfo
	}
	return true, nil
}

// initialize runs the legacy handshake.
func (s *Session) initialize(ctx context.Context, version string) error {
	s.era, s.version = mcp.EraLegacy, version
	caps := s.opts.Capabilities
	if !mcp.AtLeast(version, mcp.Version20250618) {
		caps.Elicitation = nil // elicitation arrived in 2025-06-18: older servers must not be offered it
	}
	p := mcp.InitializeParams{
		ProtocolVersion: version,
		Capabilities:    caps,
		ClientInfo:      s.opts.ClientInfo,
	}
	var res mcp.InitializeResult
	if err := s.call(ctx, mcp.MethodInitialize, &p, &res); err != nil {
		return fmt.Errorf("client: initialize: %w", err)
	}
	if !mcp.IsSupported(res.ProtocolVersion) || mcp.EraOf(res.ProtocolVersion) != mcp.EraLegacy {
		return fmt.Errorf("client: the server chose protocol version %q, which mcpkit does not speak", res.ProtocolVersion)
	}
	s.version = res.ProtocolVersion
	s.serverInfo = res.ServerInfo
	s.serverCaps = res.Capabilities
	s.instructions = res.Instructions
	if err := s.conn.Notify(ctx, mcp.MethodNotificationInitialized, nil); err != nil {
		return fmt.Errorf("client: notifications/initialized: %w", err)
	}
	if s.opts.LogLevel != "" && s.serverCaps.Logging != nil {
		if err := s.call(ctx, mcp.MethodLoggingSetLevel, &mcp.SetLevelParams{Level: s.opts.LogLevel}, nil); err != nil {
			return fmt.Errorf("client: logging/setLevel: %w", err)
		}
	}
	return nil
}
