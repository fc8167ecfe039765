package server_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// scopedServer has one tool, resource, template and prompt needing scopes, and one of each needing none.
func scopedServer(opts *server.Options) (*server.Server, *atomic.Int32) {
	s := server.New("scoped", "1", opts)
	ran := new(atomic.Int32)
	server.Tool(s, "read_user", "", func(ctx context.Context, _ noArgs) (string, error) { ran.Add(1); return "user", nil })
	server.Tool(s, "delete_user", "", func(ctx context.Context, _ noArgs) (string, error) { ran.Add(1); return "deleted", nil })
	server.Tool(s, "open", "", func(ctx context.Context, _ noArgs) (string, error) { ran.Add(1); return "open", nil })
	server.Resource(s, "admin://report", "", func(ctx context.Context) (string, error) { ran.Add(1); return "report", nil })
	server.Resource(s, "users://{id}", "", func(ctx context.Context, id string) (string, error) { ran.Add(1); return "user " + id, nil })
	server.Prompt(s, "audit", "", func(ctx context.Context, _ noArgs) (string, error) { ran.Add(1); return "audit", nil })
	server.Prompt(s, "hello", "", func(ctx context.Context, _ noArgs) (string, error) { ran.Add(1); return "hello", nil })
	s.RequireToolScopes("read_user", "User.Read")
	s.RequireToolScopes("delete_user", "User.Read", "User.Write")
	s.RequireResourceScopes("admin://report", "Admin.Read")
	s.RequireResourceScopes("users://{id}", "User.Read")
	s.RequirePromptScopes("audit", "Admin.Read")
	return s, ran
}

func principal(sub string, scopes ...string) *auth.Principal {
	return &auth.Principal{Subject: sub, Issuer: "https://as.example", Scopes: scopes}
}

// modernAs sends a 2026-07-28 request to s as principal p (nil: unauthenticated).
func modernAs(t testing.TB, s *server.Server, p *auth.Principal, method, params string) (map[string]any, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if p != nil {
		ctx = auth.WithPrincipal(ctx, p)
	}
	body := "{" + taskMeta
	if params != "" {
		body += "," + params
	}
	raw, err := s.Stateless().HandleRequest(ctx, &jsonrpc.Message{ID: jsonrpc.Int64ID(1), Method: method, Params: jsontext.Value(body + "}")}, nopPeer{})
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("%s: %v in %s", method, err, raw)
	}
	return m, nil
}

// TestScopesPerRegistration: every kind of registration refuses a principal without its scopes before the
// handler runs (a JSON-RPC error naming the scopes), and serves one with them; unscoped items and
// unauthenticated requests are not checked.
func TestScopesPerRegistration(t *testing.T) {
	s, ran := scopedServer(nil)
	reader := principal("ann", "User.Read")
	admin := principal("root", "User.Read", "User.Write", "Admin.Read")
	cases := []struct {
		method, params string
		need           []string
	}{
		{"tools/call", `"name":"read_user","arguments":{}`, []string{"User.Read"}},
		{"tools/call", `"name":"delete_user","arguments":{}`, []string{"User.Read", "User.Write"}},
		{"resources/read", `"uri":"admin://report"`, []string{"Admin.Read"}},
		{"resources/read", `"uri":"users://42"`, []string{"User.Read"}},
		{"prompts/get", `"name":"audit"`, []string{"Admin.Read"}},
	}
	nobody := principal("eve")
	for _, c := range cases {
		before := ran.Load()
		_, err := modernAs(t, s, nobody, c.method, c.params)
		var e *jsonrpc.Error
		if !errors.As(err, &e) || e.Code != server.CodeInsufficientScope {
			t.Fatalf("%s %s without scopes: %v, want error %d", c.method, c.params, err, server.CodeInsufficientScope)
		}
		var data struct {
			Scopes []string `json:"scopes"`
		}
		if json.Unmarshal(e.Data, &data) != nil || fmt.Sprint(data.Scopes) != fmt.Sprint(c.need) {
			t.Errorf("%s %s: data %s, want scopes %v", c.method, c.params, e.Data, c.need)
		}
		if ran.Load() != before {
			t.Errorf("%s %s: the handler ran for a refused call", c.method, c.params)
		}
		if _, err := modernAs(t, s, admin, c.method, c.params); err != nil {
			t.Errorf("%s %s with every scope: %v", c.method, c.params, err)
		}
		if _, err := modernAs(t, s, nil, c.method, c.params); err != nil {
			t.Errorf("%s %s unauthenticated (no auth configured): %v", c.method, c.params, err)
		}
	}
	// One scope of two is not enough; unscoped items need none.
	if _, err := modernAs(t, s, reader, "tools/call", `"name":"delete_user","arguments":{}`); rpcCode(err) != server.CodeInsufficientScope {
		t.Errorf("delete_user with User.Read only: %v", err)
	}
	if _, err := modernAs(t, s, reader, "tools/call", `"name":"read_user","arguments":{}`); err != nil {
		t.Errorf("read_user with User.Read: %v", err)
	}
	for _, c := range [][2]string{{"tools/call", `"name":"open","arguments":{}`}, {"prompts/get", `"name":"hello"`}} {
		if _, err := modernAs(t, s, nobody, c[0], c[1]); err != nil {
			t.Errorf("%s %s (unscoped): %v", c[0], c[1], err)
		}
	}
}

// TestScopesLegacySession: a legacy session (an in-memory stream, as stdio) gets the refusal as a JSON-RPC
// error; the principal comes from middleware, as it would from the environment over stdio.
func TestScopesLegacySession(t *testing.T) {
	var who atomic.Pointer[auth.Principal]
	who.Store(principal("eve"))
	s, ran := scopedServer(&server.Options{Middleware: []server.Middleware{func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			return next(auth.WithPrincipal(ctx, who.Load()), r)
		}
	}}})
	w := rawPeer(t, s)
	legacyInit(w, "2025-06-18")
	m := w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_user","arguments":{}}}`)
	if errCode(m) != server.CodeInsufficientScope || !strings.Contains(errMessage(m), "User.Write") {
		t.Fatalf("legacy call without scope: %v", m)
	}
	m = w.roundTrip(`{"jsonrpc":"2.0","id":3,"method":"resources/subscribe","params":{"uri":"admin://report"}}`)
	if errCode(m) != server.CodeInsufficientScope {
		t.Fatalf("subscribe without scope: %v", m)
	}
	if ran.Load() != 0 {
		t.Fatalf("handlers ran %d times for refused calls", ran.Load())
	}
	who.Store(principal("eve", "User.Read", "User.Write"))
	if m := w.roundTrip(`{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"delete_user","arguments":{}}}`); errCode(m) != 0 {
		t.Fatalf("after step-up: %v", m)
	}
}

// TestHideForbidden: with Options.HideForbidden the lists leave out what the principal may not use (and
// are private); without it, or without a principal, they show everything.
func TestHideForbidden(t *testing.T) {
	names := func(m map[string]any, key, field string) string {
		var out []string
		for _, x := range m[key].([]any) {
			out = append(out, x.(map[string]any)[field].(string))
		}
		return strings.Join(out, ",")
	}
	hiding, _ := scopedServer(&server.Options{HideForbidden: true})
	showing, _ := scopedServer(nil)
	reader := principal("ann", "User.Read")
	for _, c := range []struct {
		s         *server.Server
		p         *auth.Principal
		tools     string
		resources string
		templates string
		prompts   string
		scope     string
	}{
		{hiding, reader, "open,read_user", "", "users://{id}", "hello", "private"},
		{hiding, principal("root", "User.Read", "User.Write", "Admin.Read"), "delete_user,open,read_user", "admin://report", "users://{id}", "audit,hello", "private"},
		{hiding, nil, "delete_user,open,read_user", "admin://report", "users://{id}", "audit,hello", "public"},
		{showing, reader, "delete_user,open,read_user", "admin://report", "users://{id}", "audit,hello", "public"},
	} {
		m, err := modernAs(t, c.s, c.p, "tools/list", "")
		if err != nil {
			t.Fatal(err)
		}
		if got := names(m, "tools", "name"); got != c.tools {
			t.Errorf("tools/list as %v: %s, want %s", c.p, got, c.tools)
		}
		if m["cacheScope"] != c.scope {
			t.Errorf("tools/list as %v: cacheScope %v, want %s", c.p, m["cacheScope"], c.scope)
		}
		m, _ = modernAs(t, c.s, c.p, "resources/list", "")
		if got := names(m, "resources", "uri"); got != c.resources {
			t.Errorf("resources/list as %v: %s, want %s", c.p, got, c.resources)
		}
		m, _ = modernAs(t, c.s, c.p, "resources/templates/list", "")
		if got := names(m, "resourceTemplates", "uriTemplate"); got != c.templates {
			t.Errorf("resources/templates/list as %v: %s, want %s", c.p, got, c.templates)
		}
		m, _ = modernAs(t, c.s, c.p, "prompts/list", "")
		if got := names(m, "prompts", "name"); got != c.prompts {
			t.Errorf("prompts/list as %v: %s, want %s", c.p, got, c.prompts)
		}
	}
}

// TestRequestStateBoundToAuthPrincipal: with the default Options.Principal (auth.PrincipalKey), a
// requestState sealed for principal A is refused when B presents it, and opens for A with a new token
// (same issuer and subject, other scopes).
func TestRequestStateBoundToAuthPrincipal(t *testing.T) {
	s, _ := mrtrServer(nil)
	a, b := principal("alice"), principal("bob")
	m, err := modernAs(t, s, a, "tools/call", `"name":"two_rounds","arguments":{}`)
	if err != nil || m["resultType"] != "input_required" {
		t.Fatalf("first round: %v %v", m, err)
	}
	st := m["requestState"].(string)
	retry := fmt.Sprintf(`"name":"two_rounds","arguments":{},"inputResponses":{"elicit-1":{"action":"decline"}},"requestState":%q`, st)
	if _, err := modernAs(t, s, b, "tools/call", retry); rpcCode(err) != mcp.CodeInvalidParams {
		t.Fatalf("B replaying A's requestState: %v, want -32602", err)
	}
	if _, err := modernAs(t, s, nil, "tools/call", retry); rpcCode(err) != mcp.CodeInvalidParams {
		t.Fatalf("an unauthenticated request replaying A's requestState: %v, want -32602", err)
	}
	if m, err := modernAs(t, s, principal("alice", "more"), "tools/call", retry); err != nil || m["resultType"] != "input_required" {
		t.Fatalf("A with a refreshed token: %v %v", m, err)
	}
}

// TestTasksOfAnotherPrincipal: with the default Options.Principal, a 2026-07-28 task belongs to the
// principal that created it: another principal's tasks/get, tasks/cancel and tasks/update read it as not
// found.
func TestTasksOfAnotherPrincipal(t *testing.T) {
	tt := &taskTools{gate: make(chan struct{})}
	defer close(tt.gate)
	s := newTaskServer(t, nil, tt)
	a, b := principal("alice"), principal("bob")
	m, err := modernAs(t, s, a, "tools/call", `"name":"sleepy","arguments":{}`)
	if err != nil || m["resultType"] != "task" {
		t.Fatalf("create: %v %v", m, err)
	}
	id := m["taskId"].(string)
	for _, method := range []string{"tasks/get", "tasks/cancel"} {
		if _, err := modernAs(t, s, b, method, `"taskId":"`+id+`"`); rpcCode(err) != mcp.CodeInvalidParams {
			t.Errorf("B %s of A's task: %v, want not found (-32602)", method, err)
		}
		if _, err := modernAs(t, s, nil, method, `"taskId":"`+id+`"`); rpcCode(err) != mcp.CodeInvalidParams {
			t.Errorf("unauthenticated %s of A's task: %v, want not found (-32602)", method, err)
		}
	}
	if m, err := modernAs(t, s, principal("alice", "x"), "tasks/get", `"taskId":"`+id+`"`); err != nil || m["taskId"] != id {
		t.Fatalf("A (refreshed token) tasks/get: %v %v", m, err)
	}
}

// TestListenOverStreamOfAnotherPrincipal: on a stream connection (stdio), subscriptions/listen leaves
// another principal's task ids out of its filter and acknowledgement, and refuses a resource
// subscription without the resource's scopes.
func TestListenOverStreamOfAnotherPrincipal(t *testing.T) {
	var who atomic.Pointer[auth.Principal]
	who.Store(principal("alice"))
	tt := &taskTools{gate: make(chan struct{})}
	defer close(tt.gate)
	s := newTaskServer(t, &server.Options{Middleware: []server.Middleware{func(next server.Handler) server.Handler {
		return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
			return next(auth.WithPrincipal(ctx, who.Load()), r)
		}
	}}}, tt)
	server.Resource(s, "admin://report", "", func(ctx context.Context) (string, error) { return "r", nil })
	s.RequireResourceScopes("admin://report", "Admin.Read")
	w := rawPeer(t, s)
	created := result(t, w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"sleepy","arguments":{},`+taskMeta+`}}`))
	id, _ := created["taskId"].(string)
	if id == "" {
		t.Fatalf("tools/call: %v", created)
	}
	who.Store(principal("bob"))
	m := w.roundTrip(`{"jsonrpc":"2.0","id":2,"method":"subscriptions/listen","params":{"notifications":{"resourceSubscriptions":["admin://report"]},` + taskMeta + `}}`)
	if errCode(m) != server.CodeInsufficientScope {
		t.Fatalf("listen to a scoped resource without the scope: %v", m)
	}
	w.send(`{"jsonrpc":"2.0","id":3,"method":"subscriptions/listen","params":{"notifications":{"taskIds":["` + id + `"]},` + taskMeta + `}}`)
	ack := w.recvRaw()
	if !strings.Contains(ack, "acknowledged") || strings.Contains(ack, id) {
		t.Fatalf("bob's listen acknowledgement: %s", ack)
	}
}

// TestHandlerScopeErrorIsProtocolError: an *auth.InsufficientScopeError a handler returns is the -32003
// protocol error (not an isError result the model would read).
func TestHandlerScopeErrorIsProtocolError(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "grant", "", func(ctx context.Context, _ noArgs) (string, error) {
		return "", fmt.Errorf("checking claims: %w", &auth.InsufficientScopeError{Scopes: []string{"Admin.Write"}, What: "tool grant"})
	})
	_, err := modernAs(t, s, principal("ann"), "tools/call", `"name":"grant","arguments":{}`)
	var e *jsonrpc.Error
	if !errors.As(err, &e) || e.Code != server.CodeInsufficientScope || !strings.Contains(string(e.Data), "Admin.Write") {
		t.Fatalf("got %v, want -32003 naming Admin.Write", err)
	}
}
