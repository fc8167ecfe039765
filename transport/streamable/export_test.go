package streamable

// QueuedBytes reports the bytes of events waiting to be written to clients, all sessions (tests).
func QueuedBytes(h *Handler) int64 { return h.queued.Load() }

// OpenStreams reports how many streams the handler tracks (tests).
func OpenStreams(h *Handler) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.open)
}

// LiveSessions reports how many legacy sessions the handler holds (tests).
func LiveSessions(h *Handler) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}
