package redis_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/redistest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store/redis"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// What the Redis store already gives several nodes without cross-node routing (docs/SCALING.md): a legacy
// session opened on one node is served by the others, and a 2026-07-28 requestState sealed on one node
// opens on another. Two nodes, each its own server and Store, behind a balancer that alternates between
// them on every HTTP request.

type addArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

type nameForm struct {
	Name string `json:"name"`
}

// newNode returns one node's handler; sharedRing gives it the Redis key ring, otherwise it keeps its own.
func newNode(t *testing.T, srv *redistest.Server, sharedRing bool) http.Handler {
	st, err := redis.Open(srv.URL(0), redis.Options{Prefix: "nodes:"})
	if err != nil {
		t.Fatal(err)
	}
	opts := &server.Options{}
	if sharedRing {
		opts.KeyRing = st.Keys
	}
	s := server.New("nodes", "1.0.0", opts)
	server.Tool(s, "add", "Add two numbers", func(_ context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "greet", "Ask the caller's name", func(ctx context.Context, _ struct{}) (string, error) {
		e, err := server.Elicit[nameForm](ctx, "Your name?")
		if err != nil {
			return "", err
		}
		return "hello " + e.Content.Name, nil
	})
	h := s.Handler(&streamable.Options{Sessions: st.Sessions, Events: st.Events})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		_ = st.Close()
	})
	return h
}

// balancer sends each request to the next node: no stickiness at all.
type balancer struct {
	nodes []http.Handler
	n     atomic.Int64
}

func (b *balancer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b.nodes[int(b.n.Add(1))%len(b.nodes)].ServeHTTP(w, r)
}

func connect(t *testing.T, url string, opts *client.Options) *client.Session {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := streamable.NewClient(url, &streamable.ClientOptions{EraCache: &streamable.EraCache{}})
	if err != nil {
		t.Fatal(err)
	}
	s, err := client.Connect(ctx, c, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func text(r *mcp.CallToolResult) string {
	var b strings.Builder
	for _, c := range r.Content {
		b.WriteString(c.Text)
	}
	return b.String()
}

func TestTwoNodesLegacySession(t *testing.T) {
	srv := redistest.Start(t)
	lb := &balancer{nodes: []http.Handler{newNode(t, srv, true), newNode(t, srv, true)}}
	hs := httptest.NewServer(lb)
	t.Cleanup(hs.Close) // after the client session closes (cleanups run last first): its GET stream holds a connection
	s := connect(t, hs.URL+"/mcp", &client.Options{ProtocolVersion: mcp.Version20251125})
	if s.Era() != mcp.EraLegacy {
		t.Fatalf("era %v", s.Era())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for i := range 6 { // alternating nodes: the session was opened on one, restored from Redis on the other
		r, err := s.CallTool(ctx, "add", addArgs{A: i, B: 1})
		if err != nil || r.IsError || text(r) != fmt.Sprint(i+1) {
			t.Fatalf("call %d: %+v %v", i, r, err)
		}
	}
}

func TestTwoNodesModernRequestState(t *testing.T) {
	answer := &client.Options{OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
		return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: jsontext.Value(`{"name":"Ada"}`)}, nil
	}}
	for _, shared := range []bool{true, false} {
		t.Run(fmt.Sprint("shared ring ", shared), func(t *testing.T) {
			srv := redistest.Start(t)
			lb := &balancer{nodes: []http.Handler{newNode(t, srv, shared), newNode(t, srv, shared)}}
			hs := httptest.NewServer(lb)
			t.Cleanup(hs.Close) // after the client session closes (cleanups run last first): its GET stream holds a connection
			s := connect(t, hs.URL+"/mcp", answer)
			if s.Era() != mcp.EraModern {
				t.Fatalf("era %v", s.Era())
			}
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// The first round is answered input_required with a requestState sealed by one node; the retry
			// lands on the other node, which opens it only when the nodes share the key ring.
			for i := range 3 {
				r, err := s.CallTool(ctx, "greet", struct{}{})
				ok := err == nil && !r.IsError && text(r) == "hello Ada"
				if shared && !ok {
					t.Fatalf("call %d with a shared ring: %+v %v", i, r, err)
				}
				if !shared && ok {
					t.Fatalf("call %d: a requestState opened on a node with another key ring", i)
				}
			}
		})
	}
}
