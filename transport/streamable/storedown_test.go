package streamable_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// errDown is what a store that cannot be reached answers (Redis down, for instance).
var errDown = errors.New("test store: connection refused")

// flakyStore is a session store and event log, shared by several handlers like one Redis, that fails
// every call while down is set.
type flakyStore struct {
	down     atomic.Bool
	sessions *store.MemorySessionStore
	events   *store.MemoryEventStore
}

func newFlakyStore() *flakyStore {
	return &flakyStore{sessions: store.NewMemorySessionStore(store.MemorySessionOptions{}), events: store.NewMemoryEventStore(store.MemoryEventOptions{})}
}

func (f *flakyStore) check() error {
	if f.down.Load() {
		return errDown
	}
	return nil
}

type flakySessions struct{ *flakyStore }

func (f flakySessions) Create(ctx context.Context, s *store.SessionState) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.sessions.Create(ctx, s)
}
func (f flakySessions) Load(ctx context.Context, id string) (*store.SessionState, error) {
	if err := f.check(); err != nil {
		return nil, err
	}
	return f.sessions.Load(ctx, id)
}
func (f flakySessions) Save(ctx context.Context, s *store.SessionState) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.sessions.Save(ctx, s)
}
func (f flakySessions) Delete(ctx context.Context, id string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.sessions.Delete(ctx, id)
}

type flakyEvents struct{ *flakyStore }

func (f flakyEvents) Append(ctx context.Context, sid, stream string, data []byte) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	return f.events.Append(ctx, sid, stream, data)
}
func (f flakyEvents) Replay(ctx context.Context, sid, last string, fn func(string, []byte) error) (string, error) {
	if err := f.check(); err != nil {
		return "", err
	}
	return f.events.Replay(ctx, sid, last, fn)
}
func (f flakyEvents) DeleteStream(ctx context.Context, sid, stream string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.events.DeleteStream(ctx, sid, stream)
}
func (f flakyEvents) DeleteSession(ctx context.Context, sid string) error {
	if err := f.check(); err != nil {
		return err
	}
	return f.events.DeleteSession(ctx, sid)
}

func addServer() *server.Server {
	s := server.New("t", "1", nil)
	server.Tool(s, "add", "", func(_ context.Context, in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	return s
}

// TestStoreDownIsNotSessionGone: while the shared store fails, a node that must load a session answers
// 503 with Retry-After and a JSON-RPC error — POST, GET, DELETE, a resume, an initialize — never 404 (which
// tells a legacy client its session is gone) nor 500; the node holding the session and 2026-07-28 calls
// that need no state go on working; once the store answers again the session works on every node.
func TestStoreDownIsNotSessionGone(t *testing.T) {
	fs := newFlakyStore()
	opts := &streamable.Options{Sessions: flakySessions{fs}, Events: flakyEvents{fs}}
	a, b := newEnv(t, addServer(), opts), newEnv(t, addServer(), opts)
	sid := a.initialize(mcp.Version20251125)
	session := []string{"Mcp-Session-Id: " + sid, "MCP-Protocol-Version: " + mcp.Version20251125}
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"A":2,"B":3}}}`

	fs.down.Store(true)
	want503 := func(what string, resp *http.Response) {
		t.Helper()
		m := readJSON(t, resp)
		if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") == "" || code(m) == 0 {
			t.Errorf("%s with the store down: %d, Retry-After %q, %v; want 503, Retry-After and a JSON-RPC error",
				what, resp.StatusCode, resp.Header.Get("Retry-After"), m)
		}
	}
	want503("POST on another node", b.post(call, session...))
	want503("GET on another node", b.do(context.Background(), http.MethodGet, "", append(session, "Accept: text/event-stream")...))
	want503("resume on the holding node", a.do(context.Background(), http.MethodGet, "",
		append(session, "Accept: text/event-stream", "Last-Event-ID: "+store.EventID("s1", 1))...))
	want503("initialize", b.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	want503("DELETE on another node", b.do(context.Background(), http.MethodDelete, "", session...))
	if resp := a.post(call, session...); resp.StatusCode != http.StatusOK {
		t.Errorf("POST on the holding node with the store down: %d %v", resp.StatusCode, readJSON(t, resp))
	} else {
		resp.Body.Close()
	}
	// A change to the session that cannot be stored is an error (the client sends it again), not a success
	// that another node would not know about.
	setLevel := `{"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"debug"}}`
	if resp := a.post(setLevel, session...); resp.StatusCode != http.StatusOK {
		t.Errorf("setLevel on the holding node with the store down: %d", resp.StatusCode)
		resp.Body.Close()
	} else if m := readJSON(t, resp); code(m) != -32000 {
		t.Errorf("setLevel on the holding node with the store down: %v, want a -32000 error", m)
	}
	modern := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"add","arguments":{"A":2,"B":3},` + modernMeta + `}}`
	if resp := b.post(modern, modernHeaders("tools/call", "add")...); resp.StatusCode != http.StatusOK {
		t.Errorf("2026-07-28 call with the store down: %d %v", resp.StatusCode, readJSON(t, resp))
	} else {
		resp.Body.Close()
	}

	fs.down.Store(false)
	if resp := b.post(call, session...); resp.StatusCode != http.StatusOK {
		t.Errorf("POST on another node, store back: %d %v", resp.StatusCode, readJSON(t, resp))
	} else {
		resp.Body.Close()
	}
	if m := readJSON(t, a.post(setLevel, session...)); code(m) != 0 {
		t.Errorf("setLevel, store back: %v", m)
	}
	if resp := b.post(call, "Mcp-Session-Id: nosuchsession", "MCP-Protocol-Version: "+mcp.Version20251125); resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown session: %d, want 404", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
}

// TestRenewalEndsSessionDeletedElsewhere: the node holding a session in its cache renews it in the store
// once per SessionRenewInterval; a session deleted on another node is then ended on this one (404).
func TestRenewalEndsSessionDeletedElsewhere(t *testing.T) {
	fs := newFlakyStore()
	opts := &streamable.Options{Sessions: flakySessions{fs}, Events: flakyEvents{fs}, SessionRenewInterval: 50 * time.Millisecond}
	a, b := newEnv(t, addServer(), opts), newEnv(t, addServer(), opts)
	sid := a.initialize(mcp.Version20251125)
	session := []string{"Mcp-Session-Id: " + sid, "MCP-Protocol-Version: " + mcp.Version20251125}
	call := `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"add","arguments":{"A":2,"B":3}}}`
	if resp := b.do(context.Background(), http.MethodDelete, "", session...); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("DELETE on B: %d", resp.StatusCode)
	} else {
		resp.Body.Close()
	}
	time.Sleep(60 * time.Millisecond)
	if resp := a.post(call, session...); resp.StatusCode != http.StatusNotFound {
		t.Errorf("A, a renewal interval after B deleted the session: %d %v, want 404", resp.StatusCode, readJSON(t, resp))
	} else {
		resp.Body.Close()
	}
}
