package redis_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// renewNode is a node whose Redis sessions expire after ttl and whose handler renews the sessions it
// serves from its cache every renew.
func renewNode(t *testing.T, srv *redistest.Server, ttl, renew time.Duration) string {
	st, err := redis.Open(srv.URL(0), redis.Options{Prefix: "renew:", SessionTTL: ttl})
	if err != nil {
		t.Fatal(err)
	}
	s := server.New("renew", "1.0.0", &server.Options{KeyRing: st.Keys})
	server.Tool(s, "add", "Add two numbers", func(_ context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	h := s.Handler(&streamable.Options{Sessions: st.Sessions, Events: st.Events, SessionRenewInterval: renew})
	hs := httptest.NewServer(h)
	t.Cleanup(func() {
		hs.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = st.Close()
	})
	return hs.URL + "/mcp"
}

// TestSessionRenewedWhileServedFromCache: a node that serves a session from its cache renews it in Redis
// while it is used, so it outlives Redis's SessionTTL and another node still serves it; without renewal
// (the control) it expires in Redis while in use and the other node answers 404. A session deleted on
// the other node is ended by the caching node at its next renewal.
func TestSessionRenewedWhileServedFromCache(t *testing.T) {
	const ttl = 400 * time.Millisecond
	for _, tc := range []struct {
		name  string
		renew time.Duration
		want  int // B's answer after A used the session past the TTL
	}{
		{"renewed", ttl / 4, http.StatusOK},
		{"not renewed", -1, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := redistest.Start(t)
			a, b := renewNode(t, srv, ttl, tc.renew), renewNode(t, srv, ttl, tc.renew)
			sid := initialize(t, a)
			for range 12 { // 1.2 s of use on A, three TTLs
				if status, _, body := rawPost(t, http.MethodPost, a, sid, addBody); status != http.StatusOK {
					t.Fatalf("A: %d %s", status, body)
				}
				time.Sleep(ttl / 4)
			}
			status, _, body := rawPost(t, http.MethodPost, b, sid, addBody)
			if status != tc.want {
				t.Fatalf("B after A used the session for three TTLs: %d %s, want %d", status, body, tc.want)
			}
			if tc.want != http.StatusOK {
				return
			}
			if status, _, body := rawPost(t, http.MethodDelete, b, sid, ""); status != http.StatusNoContent {
				t.Fatalf("DELETE on B: %d %s", status, body)
			}
			time.Sleep(ttl / 4)
			if status, _, body := rawPost(t, http.MethodPost, a, sid, addBody); status != http.StatusNotFound {
				t.Fatalf("A after B deleted the session and a renewal interval passed: %d %s, want 404", status, body)
			}
		})
	}
}

// initialize opens a legacy session on url and returns its id.
func initialize(t *testing.T, url string) string {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(initBody))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	sid := resp.Header.Get("Mcp-Session-Id")
	if resp.StatusCode != http.StatusOK || sid == "" {
		t.Fatalf("initialize: %d, session %q", resp.StatusCode, sid)
	}
	if status, _, body := rawPost(t, http.MethodPost, url, sid, initedBody); status != http.StatusAccepted {
		t.Fatalf("initialized: %d %s", status, body)
	}
	return sid
}
