package streamable

// QueuedBytes reports the bytes of events waiting to be written to clients, all sessions (tests).
func QueuedBytes(h *Handler) int64 { return h.queued.Load() }
