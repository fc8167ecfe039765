package server

import (
	"slices"
	"sync"

	"github.com/mcpkit/mcpkit/mcp"
)

// The registries changed while serving: tell legacy sessions, and modern listeners
// (subscriptions/listen) through the change feed.

func (s *Server) toolsChanged() { s.changed(mcp.MethodNotificationToolsListChanged) }

func (s *Server) resourcesChanged() { s.changed(mcp.MethodNotificationResourcesListChanged) }

func (s *Server) promptsChanged() { s.changed(mcp.MethodNotificationPromptsListChanged) }

func (s *Server) changed(method string) {
	if s.held.hold(method) {
		return
	}
	s.broadcast(method, nil, nil)
	s.publishChange(method, nil)
}

// heldChanges are the list_changed notifications held while a HoldChanges is open.
type heldChanges struct {
	mu      sync.Mutex
	depth   int      // open holds
	pending []string // methods to send when the last hold ends, each once
}

// hold records method when a hold is open and reports whether it did.
func (h *heldChanges) hold(method string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.depth == 0 {
		return false
	}
	if !slices.Contains(h.pending, method) {
		h.pending = append(h.pending, method)
	}
	return true
}

// HoldChanges holds the list_changed notifications the registries' changes send (tools, resources,
// prompts) until the returned release is called, then sends each kind that changed once: registering a
// hundred entries tells every client once, not a hundred times (a proxy copying an upstream's lists, a
// gateway's upstream reconnecting). Holds nest and may overlap across goroutines: the notifications go
// when the last one is released. Call release exactly once; the changes themselves apply at once, only
// the telling waits.
func (s *Server) HoldChanges() (release func()) {
	s.held.mu.Lock()
	s.held.depth++
	s.held.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			s.held.mu.Lock()
			s.held.depth--
			var send []string
			if s.held.depth == 0 {
				send, s.held.pending = s.held.pending, nil
			}
			s.held.mu.Unlock()
			for _, m := range send {
				s.broadcast(m, nil, nil)
				s.publishChange(m, nil)
			}
		})
	}
}
