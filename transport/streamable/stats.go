package streamable

import "sync/atomic"

// Stats are a Handler's counts, for metrics. The counters count since NewHandler.
type Stats struct {
	// Sessions is the number of legacy sessions this node holds now.
	Sessions int
	// Running is the number of requests running now (legacy ones, including those whose client left, and
	// 2026-07-28 ones).
	Running int64
	// Refused counts the requests refused by the handler's limits.
	Refused Refusals
}

// Refusals count requests refused by a Handler's limits, by limit.
type Refusals struct {
	// Sessions: initialize answered 503 because MaxSessions sessions were live.
	Sessions int64
	// ClientSessions: initialize answered 429 because its client address held MaxSessionsPerClient.
	ClientSessions int64
	// SessionRequests: a request answered 429 because its session ran MaxRequestsPerSession already.
	SessionRequests int64
	// InFlight: a 2026-07-28 request answered 503 because MaxInFlight were in flight.
	InFlight int64
	// Draining: a request answered 503 while the handler drained (Drain) or after it closed.
	Draining int64
	// Store: a message answered 503 because the session store, event store or bus failed.
	Store int64
}

// refusals are the counters behind Stats.Refused: each is incremented only where a request is refused.
type refusals struct {
	sessions, clientSessions, sessionRequests, inFlight, draining, store atomic.Int64
}

// Stats returns the handler's counts now.
func (h *Handler) Stats() Stats {
	h.mu.Lock()
	n := len(h.sessions)
	h.mu.Unlock()
	return Stats{
		Sessions: n,
		Running:  h.runningRequests(),
		Refused: Refusals{
			Sessions:        h.refused.sessions.Load(),
			ClientSessions:  h.refused.clientSessions.Load(),
			SessionRequests: h.refused.sessionRequests.Load(),
			InFlight:        h.refused.inFlight.Load(),
			Draining:        h.refused.draining.Load(),
			Store:           h.refused.store.Load(),
		},
	}
}

// Draining reports whether Drain has begun: new requests are refused with 503 (readiness probes answer
// "not ready" from then on).
func (h *Handler) Draining() bool { return h.drain.on.Load() }
