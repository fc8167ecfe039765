package streamable

// QueuedBytes reports the bytes of events waiting to be written to clients, all sessions (tests).
func QueuedBytes(h *Handler) int64 { return h.queued.Load() }

// OpenStreams reports how many streams the handler tracks (tests).
func OpenStreams(h *Handler) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.open)
}

// StopLeaseRefresh makes the handler stop refreshing its leases, as a node that died would (tests).
func StopLeaseRefresh(h *Handler) { h.lease.stopped.Store(true) }

// LeaseRefreshes reports how many lease refreshes (store calls) the handler made (tests).
func LeaseRefreshes(h *Handler) int64 { return h.lease.refreshes.Load() }

// LiveSessions reports how many legacy sessions the handler holds (tests).
func LiveSessions(h *Handler) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.sessions)
}

// GETHeldElsewhere reports whether h's copy of session sid knows of a GET stream held on another node (tests).
func GETHeldElsewhere(h *Handler, sid string) bool {
	ls := sessionOf(h, sid)
	if ls == nil {
		return false
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.getElsewhere != ""
}

// EarlyCount reports how many broadcasts h's copy of session sid keeps for a GET stream opening there (tests).
func EarlyCount(h *Handler, sid string) int {
	ls := sessionOf(h, sid)
	if ls == nil {
		return 0
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.early)
}

// HoldsGET reports whether h follows session sid's GET stream (tests).
func HoldsGET(h *Handler, sid string) bool {
	ls := sessionOf(h, sid)
	return ls != nil && ls.getFollower() != nil
}

// PendingAnnounces reports how many announcements of session sid's GET stream wait to be published on h (tests).
func PendingAnnounces(h *Handler, sid string) int {
	ls := sessionOf(h, sid)
	if ls == nil {
		return 0
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.announces)
}

// Stale reports whether h's copy of session sid is marked changed on another node, not yet reloaded (tests).
func Stale(h *Handler, sid string) bool {
	ls := sessionOf(h, sid)
	return ls != nil && ls.stale.Load()
}

// sessionOf returns h's copy of session sid, nil when it holds none.
func sessionOf(h *Handler, sid string) *liveSession {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.sessions[sid]
}

// AnnouncesPublished reports whether every announcement of session sid's GET stream on h has been
// published (none waits, and no goroutine is publishing one) (tests).
func AnnouncesPublished(h *Handler, sid string) bool {
	ls := sessionOf(h, sid)
	if ls == nil {
		return true
	}
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.announces) == 0 && !ls.announcing
}
