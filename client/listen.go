package client

import (
	"context"
	"errors"
	"slices"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
)

// Listen receives change notifications until ctx ends, in either era, and delivers them to the Options
// callbacks (OnToolsChanged, OnPromptsChanged, OnResourcesChanged, OnResourceUpdated, and OnTaskStatus for
// the tasks of filter.TaskIDs, which also wake the TaskHandle.Wait of those tasks). ready, when not nil,
// is called once the subscription is in place, with what the server agreed to send.
//
// At 2026-07-28 it holds one subscriptions/listen request open (ending ctx cancels it: notifications/cancelled
// on stdio, closing the stream over HTTP). In a legacy session list_changed notifications arrive without
// asking (notifications/tasks/status too, when the server sends them), so it subscribes each URI of
// filter.ResourceSubscriptions with resources/subscribe and unsubscribes them when ctx ends. It returns nil when ctx ends or the server closes the subscription gracefully.
func (s *Session) Listen(ctx context.Context, filter mcp.SubscriptionFilter, ready func(acked mcp.SubscriptionFilter)) error {
	if s.era == mcp.EraModern {
		return s.listenModern(ctx, filter, ready)
	}
	var subscribed []string
	defer func() {
		if len(subscribed) == 0 {
			return
		}
		uctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		for _, uri := range subscribed {
			_ = s.Unsubscribe(uctx, uri)
		}
	}()
	for _, uri := range filter.ResourceSubscriptions {
		if err := s.Subscribe(ctx, uri); err != nil {
			return err
		}
		subscribed = append(subscribed, uri)
	}
	if ready != nil {
		ready(filter)
	}
	<-ctx.Done()
	return nil
}

func (s *Session) listenModern(ctx context.Context, filter mcp.SubscriptionFilter, ready func(mcp.SubscriptionFilter)) error {
	ack := make(chan mcp.SubscriptionFilter, 1)
	s.acksMu.Lock()
	s.acks = append(s.acks, ackWaiter{asked: filter, ch: ack})
	s.acksMu.Unlock()
	defer func() {
		s.acksMu.Lock()
		for i, w := range s.acks {
			if w.ch == ack {
				s.acks = append(s.acks[:i], s.acks[i+1:]...)
				break
			}
		}
		s.acksMu.Unlock()
	}()
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		// Task notifications need the tasks extension declared on the request.
		_, err := s.callRawAs(lctx, mcp.MethodSubscriptionsListen, &mcp.SubscriptionsListenParams{Notifications: filter},
			s.tasksOn || len(filter.TaskIDs) > 0)
		done <- err
	}()
	for {
		select {
		case acked := <-ack:
			if ready != nil {
				ready(acked)
			}
			ack = nil // once
		case err := <-done:
			if err == nil || errors.Is(err, context.Canceled) && ctx.Err() != nil {
				return nil // closed gracefully by the server, or ended by the caller
			}
			return err
		}
	}
}

// ackWaiter is a Listen waiting for its acknowledgement: what it asked for, and where to deliver it.
type ackWaiter struct {
	asked mcp.SubscriptionFilter
	ch    chan mcp.SubscriptionFilter
}

// acknowledged hands a notifications/subscriptions/acknowledged to the oldest Listen still waiting for one
// that asked for everything the acknowledgement grants (a server grants a subset of the request), so that
// concurrent Listens (a TaskHandle.Wait's among them) do not take each other's.
func (s *Session) acknowledged(f mcp.SubscriptionFilter) {
	s.acksMu.Lock()
	defer s.acksMu.Unlock()
	for i, w := range s.acks {
		if !grants(w.asked, f) {
			continue
		}
		select {
		case w.ch <- f:
			s.acks = append(s.acks[:i], s.acks[i+1:]...)
			return
		default:
		}
	}
}

// grants reports whether an acknowledged filter is within what a Listen asked for.
func grants(asked, acked mcp.SubscriptionFilter) bool {
	subset := func(got, want []string) bool {
		for _, x := range got {
			if !slices.Contains(want, x) {
				return false
			}
		}
		return true
	}
	return (!acked.ToolsListChanged || asked.ToolsListChanged) &&
		(!acked.PromptsListChanged || asked.PromptsListChanged) &&
		(!acked.ResourcesListChanged || asked.ResourcesListChanged) &&
		subset(acked.ResourceSubscriptions, asked.ResourceSubscriptions) &&
		subset(acked.TaskIDs, asked.TaskIDs)
}
