package server

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// initialize opens a legacy session: it picks the protocol version (the client's when served, else the
// newest legacy version served) and records who the client is.
func (s *Server) initialize(ctx context.Context, r *Request) (jsontext.Value, error) {
	sess := r.sess
	var p mcp.InitializeParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	if p.ProtocolVersion == "" {
		return nil, invalidParams("initialize: protocolVersion is required")
	}
	legacy := s.servedVersions(mcp.EraLegacy)
	if len(legacy) == 0 {
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidRequest, Message: fmt.Sprintf(
			"this server speaks only protocol %v, which has no initialize: send requests with _meta instead", s.versions)}
	}
	if sess == nil {
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidRequest, Message: "initialize is not possible on this transport"}
	}
	version := legacy[0]
	if mcp.EraOf(p.ProtocolVersion) == mcp.EraLegacy && s.supports(p.ProtocolVersion) {
		version = p.ProtocolVersion
	}
	sess.mu.Lock()
	if sess.initialized {
		sess.mu.Unlock()
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidRequest, Message: "invalid request: the session is already initialized"}
	}
	sess.initialized = true
	sess.version = version
	sess.clientInfo = &p.ClientInfo
	sess.clientCaps = &p.Capabilities
	sess.mu.Unlock()
	r.ProtocolVersion, r.ClientInfo, r.ClientCapabilities = version, &p.ClientInfo, &p.Capabilities

	res := mcp.InitializeResult{
		ProtocolVersion: version,
		Capabilities:    *s.capabilities(version),
		ServerInfo:      s.impl,
		Instructions:    s.opts.Instructions,
	}
	return marshalResult(&res)
}

func (s *Server) ping(ctx context.Context, r *Request) (jsontext.Value, error) {
	return jsontext.Value(`{}`), nil
}

// discover answers server/discover (2026-07-28).
func (s *Server) discover(ctx context.Context, r *Request) (jsontext.Value, error) {
	res := mcp.DiscoverResult{
		SupportedVersions: s.versions,
		Capabilities:      *s.capabilities(r.ProtocolVersion),
		Instructions:      s.opts.Instructions,
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), mcp.CacheScopePublic)
	return marshalResult(&res)
}

// setLevel answers logging/setLevel (legacy).
func (s *Server) setLevel(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.SetLevelParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	if !p.Level.Valid() {
		return nil, invalidParams(fmt.Sprintf("level %q is not one of debug, info, notice, warning, error, critical, alert, emergency", bounded(string(p.Level))))
	}
	r.sess.mu.Lock()
	r.sess.level = p.Level
	r.sess.mu.Unlock()
	return jsontext.Value(`{}`), nil
}
