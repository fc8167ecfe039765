package sse

import (
	"net/http"
	"sync/atomic"
)

// Stats are a Handler's counts, for metrics. The counters count since NewHandler.
type Stats struct {
	// Sessions is the number of open sessions (each holds one /sse stream).
	Sessions int
	// Refused counts the requests refused by the handler's limits.
	Refused Refusals
}

// Refusals count requests refused by a Handler's limits, by limit.
type Refusals struct {
	// Streams: a GET answered 503 because MaxSessions streams were open, or the handler was closing.
	Streams int64
	// ClientStreams: a GET answered 429 because its client address held MaxSessionsPerClient streams.
	ClientStreams int64
	// SessionRequests: a request's POST answered 429 (or, forwarded from another node, the overload error
	// on the stream) because its session had MaxRequestsPerSession in flight.
	SessionRequests int64
}

// refusals are the counters behind Stats.Refused: each is incremented only where a request is refused.
type refusals struct {
	streams, clientStreams, sessionRequests atomic.Int64
}

// countRefusal counts a GET refused by admit with status.
func (h *Handler) countRefusal(status int) {
	if status == http.StatusTooManyRequests {
		h.refused.clientStreams.Add(1)
		return
	}
	h.refused.streams.Add(1)
}

// Stats returns the handler's counts now.
func (h *Handler) Stats() Stats {
	return Stats{
		Sessions: h.Sessions(),
		Refused: Refusals{
			Streams:         h.refused.streams.Load(),
			ClientStreams:   h.refused.clientStreams.Load(),
			SessionRequests: h.refused.sessionRequests.Load(),
		},
	}
}
