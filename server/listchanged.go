package server

import "github.com/mcpkit/mcpkit/mcp"

// The registries changed while serving: tell legacy sessions, and modern listeners
// (subscriptions/listen) through the change feed.

func (s *Server) toolsChanged() { s.changed(mcp.MethodNotificationToolsListChanged) }

func (s *Server) resourcesChanged() { s.changed(mcp.MethodNotificationResourcesListChanged) }

func (s *Server) promptsChanged() { s.changed(mcp.MethodNotificationPromptsListChanged) }

func (s *Server) changed(method string) {
	s.broadcast(method, nil, nil)
	s.publishChange(method, nil)
}
