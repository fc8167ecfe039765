package store

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/go-json-experiment/json/jsontext"
)

// SessionState is the serialisable state of one legacy-era session.
type SessionState struct {
	ID                 string            `json:"id"`
	ProtocolVersion    string            `json:"protocolVersion,omitzero"`
	ClientInfo         jsontext.Value    `json:"clientInfo,omitzero"`
	ClientCapabilities jsontext.Value    `json:"clientCapabilities,omitzero"`
	Initialized        bool              `json:"initialized,omitzero"`
	LogLevel           string            `json:"logLevel,omitzero"`
	Subscriptions      []string          `json:"subscriptions,omitzero"`
	CreatedAt          time.Time         `json:"createdAt"`
	LastSeen           time.Time         `json:"lastSeen"`
	Values             map[string]string `json:"values,omitzero"`
	// Principal names the authenticated principal that opened the session (auth.Principal.Key; "" when
	// none): the transports serve the session to that principal only.
	Principal string `json:"principal,omitzero"`
}

// Clone returns a deep copy.
func (s *SessionState) Clone() *SessionState {
	c := *s
	c.ClientInfo = slices.Clone(s.ClientInfo)
	c.ClientCapabilities = slices.Clone(s.ClientCapabilities)
	c.Subscriptions = slices.Clone(s.Subscriptions)
	c.Values = maps.Clone(s.Values)
	return &c
}

// SessionStore keeps legacy sessions. Implementations are safe for concurrent use and expire sessions that
// have been idle longer than their configured timeout.
type SessionStore interface {
	// Create stores a new session: ErrExists when the id is taken, ErrLimit when no more sessions fit.
	Create(ctx context.Context, s *SessionState) error
	// Load returns a copy of the session and marks it as seen now; ErrNotFound when unknown or expired.
	Load(ctx context.Context, id string) (*SessionState, error)
	// Save replaces a session's state; ErrNotFound when it is gone.
	Save(ctx context.Context, s *SessionState) error
	// Delete removes a session. Deleting an unknown session is not an error.
	Delete(ctx context.Context, id string) error
}
