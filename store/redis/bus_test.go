package redis

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/store"
)

// receive waits for one message on sub.
func receive(t *testing.T, sub store.Subscription) string {
	t.Helper()
	select {
	case m, ok := <-sub.C():
		if !ok {
			t.Fatal("subscription ended")
		}
		return string(m)
	case <-time.After(5 * time.Second):
		t.Fatal("no message within 5s")
	}
	return ""
}

// TestBusOneSubscriptionPerTopic: a node subscribes a topic once in Redis whatever its local subscribers,
// unsubscribes with the last, and a topic subscribed again at once after that still receives.
func TestBusOneSubscriptionPerTopic(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	raw := rawClient(t, srv)
	st := newStore(t, srv, Options{Prefix: "one:"})
	numsub := func() int64 { return raw.PubSubNumSub(ctx, "one:b:t").Val()["one:b:t"] }
	var subs []store.Subscription
	for range 3 {
		s, err := st.Bus.Subscribe(ctx, "t")
		if err != nil {
			t.Fatal(err)
		}
		subs = append(subs, s)
	}
	if n := numsub(); n != 1 {
		t.Errorf("3 local subscribers hold %d Redis subscriptions, want 1", n)
	}
	_ = st.Bus.Publish(ctx, "t", []byte("m"))
	for _, s := range subs {
		if got := receive(t, s); got != "m" {
			t.Errorf("got %q", got)
		}
	}
	for _, s := range subs {
		_ = s.Close()
	}
	again, err := st.Bus.Subscribe(ctx, "t") // its SUBSCRIBE follows the UNSUBSCRIBE on the connection
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	_ = st.Bus.Publish(ctx, "t", []byte("after"))
	if got := receive(t, again); got != "after" {
		t.Errorf("got %q after subscribing again", got)
	}
	_ = again.Close()
	for range 500 { // the UNSUBSCRIBE is queued, not awaited
		if numsub() == 0 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if n := numsub(); n != 0 {
		t.Errorf("after the last local subscriber closed: %d Redis subscriptions", n)
	}
}

func TestBusDropsForSlowSubscriber(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	st := newStore(t, srv, Options{BusBuffer: 2})
	sub, err := st.Bus.Subscribe(ctx, "t")
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	for range 5 {
		_ = st.Bus.Publish(ctx, "t", []byte("x"))
	}
	// Pub/sub delivers in order on one connection: once the marker's drop is counted, all five were handled.
	_ = st.Bus.Publish(ctx, "t", []byte("marker"))
	s := sub.(*Subscription)
	for range 5000 {
		if s.Dropped() == 4 {
			break
		}
		time.Sleep(time.Millisecond)
	}
	if d := s.Dropped(); d != 4 {
		t.Errorf("dropped %d, want 4 (queue of 2, 6 messages)", d)
	}
}

// TestBusJoinersWaitForConfirmation: subscribers of one topic arriving together all return only once Redis
// confirmed the topic's SUBSCRIBE, so each gets the message it publishes right after its Subscribe returned.
func TestBusJoinersWaitForConfirmation(t *testing.T) {
	ctx := context.Background()
	srv := redistest.Start(t)
	for round := range 20 {
		st := newStore(t, srv, Options{})
		topic := fmt.Sprint("join", round)
		const n = 4
		type joined struct {
			sub store.Subscription
			own string
		}
		subs := make(chan joined, n)
		for i := range n {
			go func() {
				s, err := st.Bus.Subscribe(ctx, topic)
				if err != nil {
					t.Error(err)
					subs <- joined{}
					return
				}
				own := fmt.Sprint(i)
				if err := st.Bus.Publish(ctx, topic, []byte(own)); err != nil {
					t.Error(err)
				}
				subs <- joined{s, own}
			}()
		}
		for range n {
			j := <-subs
			if j.sub == nil {
				continue
			}
			// Messages published before this subscriber joined may be missing; its own may not.
			for {
				if got := receive(t, j.sub); got == j.own {
					break
				}
			}
			j.sub.Close()
		}
	}
}
