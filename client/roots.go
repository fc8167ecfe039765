package client

import (
	"context"
	"slices"

	"github.com/mcpkit/mcpkit/mcp"
)

// declareHandlers adds the capabilities that the configured handlers imply, without overriding what
// Capabilities declares.
func (s *Session) declareHandlers() {
	c := &s.opts.Capabilities
	if s.opts.OnElicit != nil && c.Elicitation == nil {
		c.Elicitation = &mcp.ElicitationCapability{Form: mcp.JSONObject{}}
	}
	if s.opts.OnSample != nil && c.Sampling == nil {
		c.Sampling = &mcp.SamplingCapability{}
	}
	if (s.opts.Roots != nil || s.opts.OnRoots != nil) && c.Roots == nil {
		c.Roots = &mcp.RootsCapability{ListChanged: true}
	}
	s.rootList = slices.Clone(s.opts.Roots)
}

// roots returns the roots to answer roots/list with.
func (s *Session) roots(ctx context.Context) ([]mcp.Root, error) {
	if s.opts.OnRoots != nil {
		return s.opts.OnRoots(ctx)
	}
	s.rootsMu.Lock()
	defer s.rootsMu.Unlock()
	if s.opts.Capabilities.Roots == nil {
		return nil, noHandler(mcp.MethodRootsList)
	}
	return slices.Clone(s.rootList), nil
}

// SetRoots replaces the client's roots. In a legacy session that declared roots.listChanged it tells the
// server with notifications/roots/list_changed; a 2026-07-28 server asks again when it needs them.
func (s *Session) SetRoots(ctx context.Context, roots []mcp.Root) error {
	s.rootsMu.Lock()
	s.rootList = slices.Clone(roots)
	if s.rootList == nil {
		s.rootList = []mcp.Root{}
	}
	s.rootsMu.Unlock()
	if s.era == mcp.EraLegacy && s.opts.Capabilities.Roots != nil && s.opts.Capabilities.Roots.ListChanged {
		return s.conn.Notify(ctx, mcp.MethodNotificationRootsListChanged, nil)
	}
	return nil
}
