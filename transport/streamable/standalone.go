package streamable

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/store"
)

// The session's standalone stream (what its GET response carries) lives in the event log under a fixed id,
// so that every node appends to it and the node holding the GET follows it. Messages that the session's
// server code sends on any node (notifications, server-to-client requests) are appended there; the node
// holding the client's GET connection delivers them in log order, each once, including the ones it appended
// itself (follow.go).
const (
	// getStreamID is the session's standalone stream. Random stream ids are 12 characters: no collision.
	getStreamID = "get"
	// earlyStreamID keeps the messages sent while no node followed getStreamID, for the GET that opens next
	// (on any node). Each entry is "<sequence number in get> <message>".
	earlyStreamID = "early"
)

// isBroadcast reports whether method is a change every node sends to its own copy of a session (through
// server.Options.Bus): only the node holding the GET connection appends it, or the client would get one copy
// per node. A node without it keeps the latest few (ls.early) for a GET that opens there, as before.
func isBroadcast(method string) bool {
	switch method {
	case mcp.MethodNotificationToolsListChanged, mcp.MethodNotificationPromptsListChanged,
		mcp.MethodNotificationResourcesListChanged, mcp.MethodNotificationResourceUpdated:
		return true
	}
	return false
}

// notify sends a notification of the session's server code (sessionPeer.Notify).
func (ls *liveSession) notify(ctx context.Context, method string, msg []byte) error {
	if isBroadcast(method) {
		ls.mu.Lock()
		f := ls.get
		if f == nil && ls.getElsewhere == "" {
			// No GET stream here, nor anywhere as far as this node knows: keep it for the next one. When
			// another node holds it, that node appends the same broadcast (getbus.go).
			ls.keepEarlyLocked(msg)
		}
		ls.mu.Unlock()
		if f == nil {
			return nil
		}
		// After what waited in early: openGet appends those before it releases ls.mu.
		_, _, err := ls.appendGet(ctx, msg, f)
		return err
	}
	f := ls.getFollower()
	id, watchers, err := ls.appendGet(ctx, msg, f)
	if err != nil || f != nil {
		return err
	}
	if watchers == 0 {
		// No node follows the standalone stream now: keep it for the next GET, wherever it opens.
		_, seq, _ := store.ParseEventID(id)
		if _, err := ls.h.opts.Events.Append(ctx, ls.id, earlyStreamID, earlyEntry(seq, msg)); err != nil {
			return err
		}
	}
	return nil
}

// sendRequest sends a server-to-client request of the session's server code (sessionPeer.Call) to the
// node that follows the standalone stream. errNoStream when none does (the client has no GET open).
func (ls *liveSession) sendRequest(ctx context.Context, msg []byte) error {
	f := ls.getFollower()
	_, watchers, err := ls.appendGet(ctx, msg, f)
	if err != nil || f != nil {
		return err
	}
	if watchers == 0 {
		return errNoStream
	}
	return nil
}

// appendGet appends msg to the standalone stream and wakes f, its follower on this node (nil when none).
// When the append fails, f still delivers msg, without an id (not resumable), while its bounded queue has
// room. It returns the event's id and how many nodes watch the stream (appendWatched).
func (ls *liveSession) appendGet(ctx context.Context, msg []byte, f *follower) (string, int, error) {
	id, watchers, err := ls.h.appendWatched(ctx, ls.id, getStreamID, msg)
	if err != nil {
		if f != nil && f.deliverDirect(msg) {
			ls.h.log.Warn("streamable: recording a message of the standalone stream (delivered without an id)", "session", ls.id, "err", err)
			return "", 0, nil
		}
		return "", 0, err
	}
	if f != nil {
		f.wake()
	}
	return id, watchers, nil
}

// keepEarlyLocked keeps a notification for a GET stream that opens on this node (bounded: the oldest go).
func (ls *liveSession) keepEarlyLocked(msg []byte) {
	if len(ls.early) == maxEarly {
		ls.early = append(ls.early[:0], ls.early[1:]...)
		if !ls.earlyDropped {
			ls.earlyDropped = true // said once per session: the client is told nothing, so the log says it
			ls.h.log.Warn("streamable: a session without a GET stream missed notifications (the oldest of more than 16 are dropped; it re-learns on its next list)", "session", ls.id)
		}
	}
	ls.early = append(ls.early, msg)
}

// appendWatched appends to a stream and reports how many nodes watch it (0 for a store that cannot tell:
// this node then counts its own followers only).
func (h *Handler) appendWatched(ctx context.Context, sessionID, streamID string, data []byte) (string, int, error) {
	if w, ok := h.opts.Events.(store.EventWatcher); ok {
		return w.AppendWatched(ctx, sessionID, streamID, data)
	}
	id, err := h.opts.Events.Append(ctx, sessionID, streamID, data)
	return id, 0, err
}

func earlyEntry(seq uint64, msg []byte) []byte {
	b := strconv.AppendUint([]byte("#"), seq, 10)
	b = append(b, ' ')
	return append(b, msg...)
}

// parseEarly splits an entry of the early stream; ok false for a malformed one.
func parseEarly(data []byte) (seq uint64, msg []byte, ok bool) {
	if len(data) < 2 || data[0] != '#' {
		return 0, nil, false
	}
	for i := 1; i < len(data); i++ {
		if data[i] == ' ' {
			seq, err := strconv.ParseUint(string(data[1:i]), 10, 64)
			return seq, data[i+1:], err == nil
		}
	}
	return 0, nil, false
}

// openGet serves a GET without Last-Event-ID: the session's standalone stream from now on, preceded by what
// was sent while no GET followed it — the messages kept in the log's early stream by any node, and the
// broadcasts kept by this node — at most maxEarly, oldest first.
func (h *Handler) openGet(w http.ResponseWriter, r *http.Request, ls *liveSession) {
	ctx := r.Context()
	ls.mu.Lock()
	if ls.get != nil || ls.opening {
		ls.mu.Unlock()
		httpError(w, http.StatusConflict, jsonrpc.ID{}, mcp.CodeInvalidRequest, "the session already has a GET stream open")
		return
	}
	ls.opening = true // until the follower is in place, broadcasts keep waiting in ls.early
	ls.mu.Unlock()
	opened := false
	defer func() {
		if !opened {
			ls.mu.Lock()
			ls.opening = false
			ls.mu.Unlock()
		}
	}()
	// The priming event first (it also marks where this GET starts following), then the watch: a message
	// appended in between counted no watcher, so it is in the early stream too, and is taken from there only
	// when it precedes the priming event (after it, following delivers it).
	primeID, err := h.opts.Events.Append(ctx, ls.id, getStreamID, nil)
	if err != nil {
		h.unavailable(w, jsonrpc.ID{}, ls.id, &storeError{op: "opening the standalone stream", err: err})
		return
	}
	_, prime, _ := store.ParseEventID(primeID)
	f, err := h.newFollower(ctx, ls, getStreamID, prime, false)
	if err != nil {
		h.sessionError(w, jsonrpc.ID{}, ls.id, err)
		return
	}
	defer f.close()
	var early [][]byte
	kept := false
	_, err = h.opts.Events.Replay(ctx, ls.id, store.EventID(earlyStreamID, 0), func(_ string, data []byte) error {
		kept = true
		if seq, msg, ok := parseEarly(data); ok && seq < prime {
			early = append(early, msg)
		}
		return nil
	})
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		h.log.Warn("streamable: reading the messages kept for the next GET stream", "session", ls.id, "err", err)
	}
	if kept {
		if derr := h.opts.Events.DeleteStream(ctx, ls.id, earlyStreamID); derr != nil {
			h.log.Debug("streamable: forgetting the messages kept for the next GET stream", "session", ls.id, "err", derr)
		}
	}
	sse := h.newSSE(w)
	f.sse = sse
	f.start = func() { sse.Start(func(hd http.Header) { hd.Set(headerSessionID, ls.id) }) }
	f.begin()
	if sse.Event(primeID, nil, h.opts.RetryMs) != nil {
		return
	}
	ls.mu.Lock()
	ls.opening, ls.get = false, f
	opened = true
	// Deliver what waited, before any newer broadcast: notify holds ls.mu while appending too.
	early = append(early, ls.early...)
	ls.early = nil
	if len(early) > maxEarly {
		early = early[len(early)-maxEarly:]
	}
	for _, msg := range early {
		_, _, _ = ls.appendGet(ctx, msg, f)
	}
	ls.openedGetLocked()
	ls.mu.Unlock()
	defer ls.leaveGet(f)
	h.reloadGETHolder(ls)
	if len(early) > 0 {
		if done, err := f.drain(ctx); done || err != nil {
			return
		}
	}
	f.run(r)
}

// resumeGet serves a GET with a Last-Event-ID of the standalone stream, on any node: the events after it,
// then the stream as it goes on. It takes the stream over from a connection still open on this node.
func (h *Handler) resumeGet(w http.ResponseWriter, r *http.Request, ls *liveSession, after uint64) {
	f, err := h.newFollower(r.Context(), ls, getStreamID, after, false)
	if err != nil {
		h.sessionError(w, jsonrpc.ID{}, ls.id, err)
		return
	}
	defer f.close()
	if !h.firstReplay(w, r, ls, f) {
		return
	}
	// What was kept for the next GET stream is in the standalone stream after the client's last event:
	// delivered by this replay, it must not be delivered again by the next new GET stream.
	if err := h.opts.Events.DeleteStream(r.Context(), ls.id, earlyStreamID); err != nil {
		h.log.Debug("streamable: forgetting the messages kept for the next GET stream", "session", ls.id, "err", err)
	}
	// After the replay, what this node kept while no GET stream was open anywhere (as far as it knew),
	// except the copies the replay delivered too (getbus.go, replayedBroadcasts).
	var replayed map[string]bool
	if ls.hasEarly() {
		replayed = h.replayedBroadcasts(r.Context(), ls, after)
	}
	ls.mu.Lock()
	if old := ls.get; old != nil {
		old.end()
	}
	ls.get = f
	early := ls.early
	ls.early = nil
	for _, msg := range early {
		if !replayed[string(msg)] {
			_, _, _ = ls.appendGet(r.Context(), msg, f)
		}
	}
	ls.openedGetLocked()
	ls.mu.Unlock()
	defer ls.leaveGet(f)
	h.reloadGETHolder(ls)
	f.run(r)
}

// resumeElsewhere serves a GET with a Last-Event-ID of a POST stream that is not open on this node (its
// request runs on another node, or has finished): the events after it, then the events the running node
// appends, until the response, which ends the stream as a finished POST stream ends.
func (h *Handler) resumeElsewhere(w http.ResponseWriter, r *http.Request, ls *liveSession, streamID string, after uint64) {
	f, err := h.newFollower(r.Context(), ls, streamID, after, true)
	if err != nil {
		h.sessionError(w, jsonrpc.ID{}, ls.id, err)
		return
	}
	defer f.close()
	h.firstReplay(w, r, ls, f)
}

// firstReplay writes the events after the resume point: 410 when they are no longer all held, 503 when the
// log cannot be read. A POST stream whose response was among them is done; otherwise the follower's run
// goes on. It reports whether to follow.
func (h *Handler) firstReplay(w http.ResponseWriter, r *http.Request, ls *liveSession, f *follower) bool {
	sse := h.newSSE(w)
	f.sse = sse
	f.start = func() { sse.Start(func(hd http.Header) { hd.Set(headerSessionID, ls.id) }) }
	done, err := f.drain(r.Context())
	switch {
	case err != nil && !f.started && errors.Is(err, store.ErrNotFound):
		h.gone(w)
		return false
	case err != nil && !f.started:
		h.unavailable(w, jsonrpc.ID{}, ls.id, &storeError{op: "replaying events for a resume", err: err})
		return false
	case err != nil || done:
		f.begin()
		return false
	}
	f.begin()
	if f.post {
		h.followerCaughtUp(r.Context(), f)
		f.run(r)
		return false
	}
	return true
}

// leaveGet is the end of a GET connection that followed the standalone stream: the session has no GET
// stream on this node any more, unless a newer connection took it over.
func (ls *liveSession) leaveGet(f *follower) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.get == f {
		ls.get = nil
		ls.announceLocked(kindGetClosed)
	}
}

// getFollower returns the follower of the standalone stream on this node, nil when none.
func (ls *liveSession) getFollower() *follower {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return ls.get
}

// addFollower registers f so that the session's end stops it; false when the session has ended.
func (ls *liveSession) addFollower(f *follower) bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	if ls.closed {
		return false
	}
	if ls.followers == nil {
		ls.followers = make(map[*follower]struct{})
	}
	ls.followers[f] = struct{}{}
	return true
}

func (ls *liveSession) removeFollower(f *follower) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	delete(ls.followers, f)
}
