package store

import (
	"context"
	"errors"
	"time"
)

// Leases is an optional interface of an EventStore: it records which streams carry the response of a
// request still running on some node, so that a node serving a resume can tell a request whose node died
// (its lease expired and its response was never stored) from one still running elsewhere.
//
// A stream is leased by its first event (AppendLeased), kept by RefreshLeases, and released by its final
// event (AppendFinal). A stream holds at most one final event: after AppendFinal or AppendOrphaned
// succeeded, both refuse with ErrFinal, so that a late answer from a node thought dead cannot follow the
// error another node stored in its place.
type Leases interface {
	// AppendLeased is Append for the first event of a request's stream: it also records the request's
	// JSON-RPC id and takes the stream's lease for lease.TTL.
	AppendLeased(ctx context.Context, sessionID, streamID string, data []byte, lease Lease) (eventID string, err error)
	// AppendFinal appends the stream's last event (the response) and releases its lease; ErrFinal when the
	// stream already has one.
	AppendFinal(ctx context.Context, sessionID, streamID string, data []byte) (eventID string, err error)
	// RefreshLeases extends the leases of the given streams to ttl from now, in one operation. A lease
	// that expired or was released stays gone.
	RefreshLeases(ctx context.Context, streams []StreamRef, ttl time.Duration) error
	// StreamState reports what the store knows of a request's stream.
	StreamState(ctx context.Context, sessionID, streamID string) (StreamState, error)
	// AppendOrphaned appends data as the stream's final event only when the stream had a lease, that lease
	// is gone, and no final event is stored, all checked and done at once: of several callers at most one
	// succeeds. It returns ErrFinal when a final event is stored, ErrLeased when the lease is still held,
	// ErrNotFound when the stream never had a lease (or its record expired).
	AppendOrphaned(ctx context.Context, sessionID, streamID string, data []byte) (eventID string, err error)
}

// Lease is the record of a running request taken with the first event of its stream.
type Lease struct {
	// Node identifies the node running the request (for diagnostics).
	Node string
	// RequestID is the request's JSON-RPC id as JSON text (a number or a string), for the error another
	// node stores in place of the response when this one dies.
	RequestID string
	// TTL is how long the lease lasts unless refreshed.
	TTL time.Duration
}

// StreamRef names one stream of one session.
type StreamRef struct{ Session, Stream string }

// StreamState is what a Leases store knows of a request's stream.
type StreamState struct {
	// RequestID is the JSON id of the request whose response the stream carries; "" when the stream was
	// never leased (a GET stream, or a record already expired).
	RequestID string
	// Leased: a node holds the lease (the request runs, or its node died less than a TTL ago).
	Leased bool
	// Final: the stream's final event (the response, or the error stored in its place) is stored.
	Final bool
}

var (
	// ErrFinal means the stream's final event is already stored.
	ErrFinal = errors.New("store: the stream's final event is already stored")
	// ErrLeased means a node still holds the stream's lease.
	ErrLeased = errors.New("store: the stream's lease is held")
)
