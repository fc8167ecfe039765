package streamable

import (
	"context"
	"slices"
	"time"

	"github.com/mcpkit/mcpkit/store"
)

// Where a legacy session's GET stream is, told to the other nodes holding the session (docs/SCALING.md,
// "Following streams"). Broadcasts (list_changed, resources/updated) reach every node's copy of a session;
// only the node holding the GET connection appends them to the session's standalone stream, and a node
// without it keeps the latest few (ls.early) for a GET stream that opens there. Kept while another node
// holds the GET, such a copy is delivered a second time by a GET opening (or resumed) here later. So, with
// a Bus, the node where a GET stream starts publishes "get-opened" on the session's topic, and the node where
// it ends (the client left, the session ended or the node closed; not when a newer connection on the same
// node took it over) publishes "get-closed". A node that hears "get-opened" remembers the opener and drops
// its early copies (the opener delivers the broadcasts from then on); "get-closed" from that node forgets
// it. A node keeps broadcasts in early only while it knows of no GET stream anywhere.
//
// A copy restored after the GET stream opened elsewhere knows of none: it keeps copies (a duplicate, never a
// miss, if the client's next GET opens there). Envelopes are at most once: a lost "get-opened" leaves
// copies (duplicates), a lost "get-closed" leaves a node keeping nothing until the next announcement (a
// broadcast missed by a GET that opens there; each is idempotent and the next one brings the client up to
// date).

// Envelope kinds announcing the session's GET stream.
const (
	kindGetOpened = "get-opened"
	kindGetClosed = "get-closed"
)

// announceTimeout bounds one announcement's PUBLISH.
const announceTimeout = 5 * time.Second

// openedGetLocked records that this node now holds the session's GET stream (its follower is in place) and
// announces it. ls.mu is held.
func (ls *liveSession) openedGetLocked() {
	ls.getElsewhere = "" // the latest opener holds it: an older holder's get-closed no longer matters here
	ls.announceLocked(kindGetOpened)
}

// announceLocked queues an announcement of the GET stream for publication, in order, off the stream's
// path: one goroutine per session publishes while some wait. What waits is kept to its net effect on the
// other nodes (heardGet): whether a get-opened is among it (they drop their early copies) and the last
// kind, so at most get-opened then get-closed wait however often a client reconnects while the bus is
// slow. Without a Bus it does nothing. ls.mu is held.
func (ls *liveSession) announceLocked(kind string) {
	h := ls.h
	if h.opts.Bus == nil {
		return
	}
	opened := kind == kindGetClosed && slices.Contains(ls.announces, kindGetOpened)
	ls.announces = ls.announces[:0]
	if opened {
		ls.announces = append(ls.announces, kindGetOpened)
	}
	ls.announces = append(ls.announces, kind)
	if ls.announcing {
		return
	}
	ls.announcing = true
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		for {
			ls.mu.Lock()
			if len(ls.announces) == 0 {
				ls.announcing = false
				ls.mu.Unlock()
				return
			}
			kind := ls.announces[0]
			ls.announces = ls.announces[1:]
			ls.mu.Unlock()
			// Not h.ctx alone: a node that closes still tells the others that its GET streams ended.
			ctx, cancel := context.WithTimeout(context.WithoutCancel(h.ctx), announceTimeout)
			if err := h.publish(ctx, ls.id, envelope{Kind: kind}); err != nil {
				h.log.Debug("streamable: announcing the session's GET stream to the other nodes", "session", ls.id, "kind", kind, "err", err)
			}
			cancel()
		}
	}()
}

// heardGet acts on another node's announcement of the session's GET stream.
func (ls *liveSession) heardGet(kind, node string) {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	switch kind {
	case kindGetOpened:
		ls.getElsewhere = node
		ls.early = nil // the opener delivers the broadcasts from now on, and delivered those kept here
	case kindGetClosed:
		if ls.getElsewhere == node {
			ls.getElsewhere = ""
		}
	}
}

// hasEarly reports whether this node keeps broadcasts for the session's next GET stream.
func (ls *liveSession) hasEarly() bool {
	ls.mu.Lock()
	defer ls.mu.Unlock()
	return len(ls.early) > 0
}

// replayedBroadcasts returns the messages of the standalone stream after seq after (those a resume from there
// delivers). A copy kept here that is among them is not delivered again: the GET holder appended the same
// broadcast, which reached this node after the holder's "get-closed" (the changes topic and the session's
// topic are not ordered with each other). Each broadcast is idempotent and the replayed one reaches the
// client after the kept copy's change was made, so skipping the copy loses nothing. Nil when the log cannot
// be read: every copy is delivered (a duplicate rather than a miss).
func (h *Handler) replayedBroadcasts(ctx context.Context, ls *liveSession, after uint64) map[string]bool {
	seen := map[string]bool{}
	_, err := h.opts.Events.Replay(ctx, ls.id, store.EventID(getStreamID, after), func(_ string, data []byte) error {
		if len(data) > 0 && data[0] == '{' {
			seen[string(data)] = true
		}
		return nil
	})
	if err != nil {
		h.log.Debug("streamable: reading the resumed GET stream's events, to skip the copies kept here", "session", ls.id, "err", err)
		return nil
	}
	return seen
}
