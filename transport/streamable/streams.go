package streamable

// liveStream finds a stream of the session that is open on this node: its standalone GET stream, or a
// POST stream still being written.
func (h *Handler) liveStream(ls *liveSession, streamID string) *stream {
	h.mu.Lock()
	st := h.open[streamKey{ls.id, streamID}]
	h.mu.Unlock()
	return st
}

type streamKey struct{ session, stream string }

// track records an open stream until it ends.
func (h *Handler) track(st *stream) {
	h.mu.Lock()
	if h.open == nil {
		h.open = make(map[streamKey]*stream)
	}
	h.open[streamKey{st.session, st.id}] = st
	h.mu.Unlock()
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		select {
		case <-st.doneCh:
		case <-h.ctx.Done():
		}
		h.mu.Lock()
		delete(h.open, streamKey{st.session, st.id})
		h.mu.Unlock()
	}()
}
