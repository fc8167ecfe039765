package server

import (
	"slices"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// snapshot returns the session's state in the serialisable form a store.SessionStore keeps, so that another
// node (or this one after a restart) can carry the session on.
func (ss *session) snapshot() (*store.SessionState, error) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	st := &store.SessionState{
		ID:              ss.id,
		ProtocolVersion: ss.version,
		Initialized:     ss.initialized,
		LogLevel:        string(ss.level),
	}
	var err error
	if ss.clientInfo != nil {
		if st.ClientInfo, err = json.Marshal(ss.clientInfo); err != nil {
			return nil, err
		}
	}
	if ss.clientCaps != nil {
		if st.ClientCapabilities, err = json.Marshal(ss.clientCaps); err != nil {
			return nil, err
		}
	}
	for uri := range ss.subs {
		st.Subscriptions = append(st.Subscriptions, uri)
	}
	slices.Sort(st.Subscriptions)
	return st, nil
}

// restore loads a stored state into the session.
func (ss *session) restore(st *store.SessionState) error {
	var info *mcp.Implementation
	var caps *mcp.ClientCapabilities
	if len(st.ClientInfo) > 0 {
		info = new(mcp.Implementation)
		if err := json.Unmarshal(st.ClientInfo, info); err != nil {
			return err
		}
	}
	if len(st.ClientCapabilities) > 0 {
		caps = new(mcp.ClientCapabilities)
		if err := json.Unmarshal(st.ClientCapabilities, caps); err != nil {
			return err
		}
	}
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.id = st.ID
	ss.version = st.ProtocolVersion
	ss.initialized = st.Initialized
	ss.clientReady = st.Initialized
	ss.level = mcp.LoggingLevel(st.LogLevel)
	ss.clientInfo, ss.clientCaps = info, caps
	ss.subs = nil
	for _, uri := range st.Subscriptions {
		if ss.subs == nil {
			ss.subs = make(map[string]struct{})
		}
		ss.subs[uri] = struct{}{}
	}
	return nil
}
