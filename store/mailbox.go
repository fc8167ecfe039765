package store

import (
	"context"
	"sync"
	"sync/atomic"
)

// Mailbox is the subscriber side of a Bus implementation, shared by the memory and Redis buses: a bounded
// queue of messages that never blocks the publisher (past its size a message is dropped for this
// subscriber and counted), closed once. A Subscription embeds one and calls Shut from its Close.
type Mailbox struct {
	ch        chan []byte
	mu        sync.Mutex // orders Deliver against Shut
	shut      bool
	dropped   atomic.Int64
	stopWatch func() bool // unregisters the ctx watch of CloseWhenDone
}

// NewMailbox returns a mailbox that queues up to size messages (at least 1).
func NewMailbox(size int) *Mailbox {
	return &Mailbox{ch: make(chan []byte, max(size, 1))}
}

// Deliver queues msg for the subscriber, or drops and counts it when the queue is full or the mailbox
// is shut. It never blocks.
func (m *Mailbox) Deliver(msg []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.shut {
		return
	}
	select {
	case m.ch <- msg:
	default:
		m.dropped.Add(1)
	}
}

// C returns the channel the subscriber reads; it is closed by Shut.
func (m *Mailbox) C() <-chan []byte { return m.ch }

// Dropped returns how many messages this subscriber lost because its queue was full.
func (m *Mailbox) Dropped() int64 { return m.dropped.Load() }

// CloseWhenDone calls closeSub (the subscription's Close) when ctx ends, unless the mailbox is shut first.
// It starts no goroutine while waiting.
func (m *Mailbox) CloseWhenDone(ctx context.Context, closeSub func() error) {
	if ctx.Done() == nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { _ = closeSub() })
	m.mu.Lock()
	m.stopWatch = stop
	m.mu.Unlock()
}

// Shut closes the channel and stops the ctx watch. Call it once, from the subscription's Close.
func (m *Mailbox) Shut() {
	m.mu.Lock()
	m.shut = true
	close(m.ch)
	stop := m.stopWatch
	m.mu.Unlock()
	if stop != nil {
		stop()
	}
}
