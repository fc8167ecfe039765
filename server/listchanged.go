package server

import "github.com/mcpkit/mcpkit/mcp"

// The registries changed while serving: tell legacy sessions. (Modern clients learn it through
// subscriptions/listen, fed by the same calls.)

func (s *Server) toolsChanged() {
	s.broadcast(mcp.MethodNotificationToolsListChanged, nil, nil)
}

func (s *Server) resourcesChanged() {
	s.broadcast(mcp.MethodNotificationResourcesListChanged, nil, nil)
}

func (s *Server) promptsChanged() {
	s.broadcast(mcp.MethodNotificationPromptsListChanged, nil, nil)
}
