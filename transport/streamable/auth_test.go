package streamable_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// fakeAuth stands in for the auth middleware: "Authorization: Bearer sub[:scope,scope…]" becomes a
// principal of that subject and scopes (any suffix after '#' is a token generation: the same principal
// with another token); no header, no principal. With meta, it names the resource metadata URL too.
func fakeAuth(next http.Handler, meta string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok, _, _ = strings.Cut(tok, "#")
			sub, scopes, _ := strings.Cut(tok, ":")
			p := &auth.Principal{Subject: sub, Issuer: "https://as.example"}
			if scopes != "" {
				p.Scopes = strings.Split(scopes, ",")
			}
			ctx = auth.WithPrincipal(ctx, p)
		}
		if meta != "" {
			ctx = auth.WithResourceMetadata(ctx, meta)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// authEnv serves s through fakeAuth.
func authEnv(t *testing.T, s *server.Server, opts *streamable.Options, meta string) *env {
	t.Helper()
	h := streamable.NewHandler(s, opts)
	ts := httptest.NewServer(fakeAuth(h, meta))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
	})
	return &env{t: t, h: h, ts: ts, url: ts.URL}
}

func scopedServer(t *testing.T) *server.Server {
	s := server.New("scoped", "1", nil)
	server.Tool(s, "delete_user", "", func(ctx context.Context, _ struct{}) (string, error) { return "deleted", nil })
	server.Tool(s, "whoami", "", func(ctx context.Context, _ struct{}) (string, error) {
		if p, ok := auth.PrincipalFrom(ctx); ok {
			return p.Subject, nil
		}
		return "anonymous", nil
	})
	s.RequireToolScopes("delete_user", "User.Read", "User.Write")
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	return s
}

const metaURL = "https://mcp.example/.well-known/oauth-protected-resource/mcp"

// initializeAs opens a legacy session as the principal of token.
func (e *env) initializeAs(version, token string) string {
	e.t.Helper()
	resp := e.post(`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+version+`","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`,
		"Authorization: Bearer "+token)
	sid := resp.Header.Get("Mcp-Session-Id")
	readJSON(e.t, resp)
	if resp.StatusCode != 200 || sid == "" {
		e.t.Fatalf("initialize: %d, session %q", resp.StatusCode, sid)
	}
	r := e.post(`{"jsonrpc":"2.0","method":"notifications/initialized"}`, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: "+version, "Authorization: Bearer "+token)
	r.Body.Close()
	if r.StatusCode != http.StatusAccepted {
		e.t.Fatalf("notifications/initialized: %d", r.StatusCode)
	}
	return sid
}

func checkStepUp(t *testing.T, what string, resp *http.Response, id float64) {
	t.Helper()
	m := readJSON(t, resp)
	checkChallenge(t, what, resp, metaURL)
	if code(m) != server.CodeInsufficientScope || m["id"] != id {
		t.Fatalf("%s: body %v, want error %d for id %v", what, m, server.CodeInsufficientScope, id)
	}
}

// TestScopeStepUpBothEras: a call of a scoped tool by a principal without its scopes is answered 403 with
// the step-up challenge (the metadata URL from the context, or else Options.ResourceMetadataURL) in both
// eras and in a 2025-03-26 batch; with the scopes it is served.
func TestScopeStepUpBothEras(t *testing.T) {
	s := scopedServer(t)
	call := func(id string) string {
		return `{"jsonrpc":"2.0","id":` + id + `,"method":"tools/call","params":{"name":"delete_user","arguments":{}}}`
	}
	for _, viaOption := range []bool{false, true} {
		var e *env
		if viaOption {
			e = authEnv(t, s, &streamable.Options{ResourceMetadataURL: metaURL}, "")
		} else {
			e = authEnv(t, s, nil, metaURL)
		}
		// 2026-07-28
		modern := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"delete_user","arguments":{},"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}}}`
		hdrs := []string{"MCP-Protocol-Version: 2026-07-28", "Mcp-Method: tools/call", "Mcp-Name: delete_user"}
		checkStepUp(t, "modern", e.post(modern, append(hdrs, "Authorization: Bearer ann:User.Read")...), 7)
		if resp := e.post(modern, append(hdrs, "Authorization: Bearer ann:User.Read,User.Write")...); resp.StatusCode != 200 {
			t.Fatalf("modern with the scopes: %d %v", resp.StatusCode, readJSON(t, resp))
		} else {
			resp.Body.Close()
		}
		// legacy
		sid := e.initializeAs("2025-06-18", "ann:User.Read")
		checkStepUp(t, "legacy", e.post(call("2"), "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-06-18", "Authorization: Bearer ann:User.Read"), 2)
		resp := e.post(call("3"), "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-06-18", "Authorization: Bearer ann:User.Read,User.Write#2")
		if m := readJSON(t, resp); resp.StatusCode != 200 || code(m) != 0 {
			t.Fatalf("legacy after step-up (same principal, new token): %d %v", resp.StatusCode, m)
		}
		// a 2025-03-26 batch is refused whole
		bsid := e.initializeAs("2025-03-26", "ann:User.Read")
		resp = e.post(`[`+call("4")+`,{"jsonrpc":"2.0","id":5,"method":"ping"}]`, "Mcp-Session-Id: "+bsid, "MCP-Protocol-Version: 2025-03-26", "Authorization: Bearer ann:User.Read")
		if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="User.Read User.Write"`) {
			t.Fatalf("batch: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
		}
		resp.Body.Close()
	}
}

// TestSessionBoundToPrincipal: a legacy session belongs to the principal that initialized it. Another
// principal (or none) presenting its Mcp-Session-Id gets 404 for POST, GET and DELETE, on the node that
// opened it and on another node sharing the session store; the same principal with a new token goes on.
func TestSessionBoundToPrincipal(t *testing.T) {
	s := scopedServer(t)
	sessions := store.NewMemorySessionStore(store.MemorySessionOptions{})
	events := store.NewMemoryEventStore(store.MemoryEventOptions{})
	n1 := authEnv(t, s, &streamable.Options{Sessions: sessions, Events: events}, "")
	n2 := authEnv(t, s, &streamable.Options{Sessions: sessions, Events: events}, "")
	const v = "2025-06-18"
	sid := n1.initializeAs(v, "alice")
	whoami := `{"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`
	for _, n := range []*env{n1, n2} {
		for _, who := range []string{"Authorization: Bearer bob", "Authorization:"} {
			resp := n.post(whoami, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: "+v, who)
			readJSON(t, resp)
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("%s POST to alice's session on %s: %d, want 404", who, n.url, resp.StatusCode)
			}
			for _, method := range []string{http.MethodGet, http.MethodDelete} {
				resp := n.do(context.Background(), method, "", "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: "+v, "Accept: text/event-stream", who)
				resp.Body.Close()
				if resp.StatusCode != http.StatusNotFound {
					t.Fatalf("%s %s of alice's session on %s: %d, want 404", who, method, n.url, resp.StatusCode)
				}
			}
		}
		// alice, with a refreshed token, on either node
		resp := n.post(whoami, "Mcp-Session-Id: "+sid, "MCP-Protocol-Version: "+v, "Authorization: Bearer alice:more#2")
		m := readJSON(t, resp)
		if resp.StatusCode != 200 || !strings.Contains(strings.Join(texts(m), ""), "alice") {
			t.Fatalf("alice (new token) on %s: %d %v", n.url, resp.StatusCode, m)
		}
	}
	// An unauthenticated deployment binds nothing: a session opened without a principal serves requests
	// without one.
	plain := newEnv(t, s, nil)
	psid := plain.initialize(v)
	resp := plain.post(whoami, "Mcp-Session-Id: "+psid, "MCP-Protocol-Version: "+v)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("unauthenticated session: %d", resp.StatusCode)
	}
}

// texts returns the text contents of a tools/call response.
func texts(m map[string]any) []string {
	r, _ := m["result"].(map[string]any)
	c, _ := r["content"].([]any)
	var out []string
	for _, x := range c {
		if t, ok := x.(map[string]any)["text"].(string); ok {
			out = append(out, t)
		}
	}
	return out
}

// TestListenOfAnotherPrincipal: a subscriptions/listen stream gets the notifications of its own
// principal's tasks only (another's task ids are left out of its filter and acknowledgement, as tasks/get
// would not find them), and a resource subscription without the resource's scopes gets the step-up 403.
func TestListenOfAnotherPrincipal(t *testing.T) {
	s := server.New("t", "1", nil)
	server.TaskTool(s, "block", "", mcp.TaskOptional, func(ctx context.Context, in struct{}) (string, error) {
		<-ctx.Done()
		return "", ctx.Err()
	})
	server.Resource(s, "admin://report", "", func(ctx context.Context) (string, error) { return "r", nil })
	s.RequireResourceScopes("admin://report", "Admin.Read")
	t.Cleanup(func() { s.Close() })
	e := authEnv(t, s, nil, metaURL)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	as := func(tok string, h []string) []string { return append(h, "Authorization: Bearer "+tok) }
	created := readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"block","arguments":{},`+tasksMeta+`}}`,
		as("alice", modernHeaders("tools/call", "block"))...))
	res, _ := created["result"].(map[string]any)
	id, _ := res["taskId"].(string)
	if id == "" {
		t.Fatalf("tools/call: %v", created)
	}
	listen := `{"jsonrpc":"2.0","id":"l","method":"subscriptions/listen","params":{"notifications":{"taskIds":["` + id + `"]},` + tasksMeta + `}}`
	ack := func(tok string) string {
		resp := e.do(ctx, "POST", listen, as(tok, modernHeaders("subscriptions/listen"))...)
		defer resp.Body.Close()
		ev, err := newSSE(resp.Body).next()
		if err != nil || !strings.Contains(ev.data, "acknowledged") {
			t.Fatalf("listen as %s: %+v %v", tok, ev, err)
		}
		return ev.data
	}
	if got := ack("bob"); strings.Contains(got, id) {
		t.Errorf("bob's listen was granted alice's task: %s", got)
	}
	if got := ack("alice:x#2"); !strings.Contains(got, id) {
		t.Errorf("alice's listen was not granted her task: %s", got)
	}
	sub := `{"jsonrpc":"2.0","id":"r","method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["admin://report"]},` + modernMeta + `}}`
	resp := e.do(ctx, "POST", sub, as("bob", modernHeaders("subscriptions/listen"))...)
	readJSON(t, resp)
	if resp.StatusCode != http.StatusForbidden || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `scope="Admin.Read"`) {
		t.Errorf("listen to a scoped resource without the scope: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	readJSON(t, e.do(ctx, "POST", `{"jsonrpc":"2.0","id":3,"method":"tasks/cancel","params":{"taskId":"`+id+`",`+tasksMeta+`}}`,
		as("alice", modernHeaders("tasks/cancel", id))...))
}

// checkChallenge checks a 403 step-up answer: Bearer, error="insufficient_scope", the tool's scopes and the
// metadata URL.
func checkChallenge(t *testing.T, what string, resp *http.Response, meta string) {
	t.Helper()
	c := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusForbidden || !strings.HasPrefix(c, "Bearer ") {
		t.Fatalf("%s: %d %q, want 403 with a Bearer challenge", what, resp.StatusCode, c)
	}
	for _, want := range []string{`error="insufficient_scope"`, `scope="User.Read User.Write"`, `resource_metadata="` + meta + `"`} {
		if !strings.Contains(c, want) {
			t.Fatalf("%s: challenge %q lacks %s", what, c, want)
		}
	}
}

// TestHandlerRefusesScope: a handler that refuses for lack of scope itself (returning an
// *auth.InsufficientScopeError after its own check) gets the same 403 step-up answer, in both eras, when its
// answer is JSON.
func TestHandlerRefusesScope(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "grant", "", func(ctx context.Context, _ struct{}) (string, error) {
		return "", &auth.InsufficientScopeError{Scopes: []string{"User.Read", "User.Write"}, What: "tool grant"}
	})
	e := authEnv(t, s, nil, metaURL)
	modern := `{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"grant","arguments":{},` + modernMeta + `}}`
	checkStepUp(t, "modern", e.post(modern, append(modernHeaders("tools/call", "grant"), "Authorization: Bearer ann")...), 7)
	sid := e.initializeAs("2025-06-18", "ann")
	checkStepUp(t, "legacy", e.post(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"grant","arguments":{}}}`,
		"Mcp-Session-Id: "+sid, "MCP-Protocol-Version: 2025-06-18", "Authorization: Bearer ann"), 2)
}
