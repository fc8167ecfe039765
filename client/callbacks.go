package client

import (
	"context"
)

// defaultMaxPendingCallbacks bounds the callbacks waiting to run when Options leave it zero.
const defaultMaxPendingCallbacks = 256

// later queues a notification callback: it runs after the callbacks queued before it, on the session's
// callback goroutine, never on the connection's read loop. When the queue is full the callback is
// dropped and counted (DroppedCallbacks), and logged at the 1st, 2nd, 4th, 8th, … drop (the log stays
// bounded too): the read loop never waits for a slow callback.
func (s *Session) later(method string, fn func(ctx context.Context)) {
	if ok, n := s.callbacks.Push(fn); !ok && n > 0 && n&(n-1) == 0 {
		s.log.Warn("mcp: callback queue full, dropping a notification's callback",
			"method", method, "limit", s.opts.MaxPendingCallbacks, "dropped", n)
	}
}

func (s *Session) laterIf(method string, fn func(ctx context.Context)) {
	if fn != nil {
		s.later(method, fn)
	}
}

// DroppedCallbacks returns how many notification callbacks were dropped because Options.MaxPendingCallbacks
// were already waiting (each drop is also logged at Warn).
func (s *Session) DroppedCallbacks() uint64 { return s.callbacks.Dropped() }
