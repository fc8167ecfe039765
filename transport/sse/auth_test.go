package sse_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/syncbuf"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/store"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// fakeAuth stands in for the auth middleware: "Authorization: Bearer sub[:scope,scope…][#generation]"
// becomes a principal of that subject and scopes; no header, no principal.
func fakeAuth(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
			tok, _, _ = strings.Cut(tok, "#")
			sub, scopes, _ := strings.Cut(tok, ":")
			p := &auth.Principal{Subject: sub, Issuer: "https://as.example"}
			if scopes != "" {
				p.Scopes = strings.Split(scopes, ",")
			}
			r = r.WithContext(auth.WithPrincipal(r.Context(), p))
		}
		next.ServeHTTP(w, r)
	})
}

// authNode serves a server with a scoped tool behind fakeAuth; bus may be nil.
func authNode(t *testing.T, bus store.Bus, logs io.Writer) *httptest.Server {
	t.Helper()
	s := server.New("scoped", "1", nil)
	server.Tool(s, "delete_user", "", func(ctx context.Context, _ struct{}) (string, error) { return "deleted", nil })
	server.Tool(s, "whoami", "", func(ctx context.Context, _ struct{}) (string, error) {
		if p, ok := auth.PrincipalFrom(ctx); ok {
			return "I am " + p.Subject, nil
		}
		return "I am anonymous", nil
	})
	s.RequireToolScopes("delete_user", "User.Read", "User.Write")
	h := sse.NewHandler(s, &sse.Options{Bus: bus, ResourceMetadataURL: "https://mcp.example/.well-known/oauth-protected-resource",
		Logger: slog.New(slog.NewTextHandler(logs, nil))})
	mux := http.NewServeMux()
	mux.Handle("/sse", h.SSE())
	mux.Handle("/messages", h.Messages())
	ts := httptest.NewServer(fakeAuth(mux))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = h.Close(ctx)
		ts.CloseClientConnections()
		ts.Close()
		s.Close()
	})
	return ts
}

// streamAs opens /sse on ts as the principal of token.
func streamAs(t *testing.T, ts *httptest.Server, token string) (string, func() string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", ts.URL+"/sse", nil)
	req.Header.Set("Accept", "text/event-stream")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := ts.Client().Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET /sse: %v %v", resp, err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	buf := make([]byte, 0, 4096)
	next := func() string {
		for {
			if i := bytes.Index(buf, []byte("\n\n")); i >= 0 {
				ev := string(buf[:i])
				buf = buf[i+2:]
				for _, line := range strings.Split(ev, "\n") {
					if d, ok := strings.CutPrefix(line, "data: "); ok {
						return d
					}
				}
				continue
			}
			chunk := make([]byte, 4096)
			n, err := resp.Body.Read(chunk)
			if n == 0 && err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			buf = append(buf, chunk[:n]...)
		}
	}
	return next(), next
}

// postAs POSTs body to ts at endpoint as token ("" sends no Authorization).
func postAs(t *testing.T, ts *httptest.Server, endpoint, token, body string) *http.Response {
	t.Helper()
	req, _ := http.NewRequest("POST", ts.URL+endpoint, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := ts.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

func initAs(t *testing.T, ts *httptest.Server, endpoint, token string, next func() string) {
	t.Helper()
	if r := postAs(t, ts, endpoint, token, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`); r.StatusCode != 202 {
		t.Fatalf("initialize: %d", r.StatusCode)
	}
	next()
	postAs(t, ts, endpoint, token, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
}

const deleteCall = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"delete_user","arguments":{}}}`

// TestSSEScopeStepUp: /messages answers a call without the tool's scopes 403 with the step-up challenge
// (not 202 and an error on the stream); the same principal with a stepped-up token is served, with the
// new token's scopes (not those of the stream's GET).
func TestSSEScopeStepUp(t *testing.T) {
	ts := authNode(t, nil, io.Discard)
	endpoint, next := streamAs(t, ts, "ann:User.Read")
	initAs(t, ts, endpoint, "ann:User.Read", next)
	r := postAs(t, ts, endpoint, "ann:User.Read", deleteCall)
	c := r.Header.Get("WWW-Authenticate")
	if r.StatusCode != http.StatusForbidden || !strings.HasPrefix(c, "Bearer ") {
		t.Fatalf("call without scope: %d %q", r.StatusCode, c)
	}
	for _, want := range []string{`error="insufficient_scope"`, `scope="User.Read User.Write"`, `resource_metadata="https://mcp.example/.well-known/oauth-protected-resource"`} {
		if !strings.Contains(c, want) {
			t.Fatalf("challenge %q lacks %s", c, want)
		}
	}
	if r := postAs(t, ts, endpoint, "ann:User.Read,User.Write#2", deleteCall); r.StatusCode != http.StatusAccepted {
		t.Fatalf("after step-up: %d", r.StatusCode)
	}
	if got := next(); !strings.Contains(got, `"id":2`) || !strings.Contains(got, "deleted") {
		t.Fatalf("after step-up the stream carries %s", got)
	}
}

// TestSSESessionBoundToPrincipal: the session of the principal that opened the stream answers 404 to
// another principal's (or an unauthenticated) POST; the same principal with a new token is served. Across
// nodes, a POST of another principal forwarded to the holder is dropped there.
func TestSSESessionBoundToPrincipal(t *testing.T) {
	ts := authNode(t, nil, io.Discard)
	endpoint, next := streamAs(t, ts, "alice")
	initAs(t, ts, endpoint, "alice", next)
	whoami := `{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`
	for _, tok := range []string{"bob", ""} {
		if r := postAs(t, ts, endpoint, tok, whoami); r.StatusCode != http.StatusNotFound {
			t.Fatalf("POST as %q to alice's session: %d, want 404", tok, r.StatusCode)
		}
	}
	if r := postAs(t, ts, endpoint, "alice:x#2", whoami); r.StatusCode != http.StatusAccepted {
		t.Fatalf("alice with a new token: %d", r.StatusCode)
	}
	if got := next(); !strings.Contains(got, "I am alice") {
		t.Fatalf("alice's call answered %s", got)
	}

	// Two nodes on a bus: the stream on n1, POSTs through n2.
	bus := store.NewMemoryBus(store.MemoryBusOptions{})
	logs := &syncbuf.Buffer{}
	n1, n2 := authNode(t, bus, logs), authNode(t, bus, io.Discard)
	endpoint, next = streamAs(t, n1, "alice")
	initAs(t, n2, endpoint, "alice", next)
	if r := postAs(t, n2, endpoint, "bob", `{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`); r.StatusCode != http.StatusAccepted {
		t.Fatalf("bob through n2: %d (forwarded: 202)", r.StatusCode)
	}
	if r := postAs(t, n2, endpoint, "alice", `{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"whoami","arguments":{}}}`); r.StatusCode != http.StatusAccepted {
		t.Fatalf("alice through n2: %d", r.StatusCode)
	}
	// The holder handles forwarded messages in order: by the time alice's answer arrives, bob's message
	// was dropped (logged), and nothing answers it.
	if got := next(); !strings.Contains(got, `"id":6`) || !strings.Contains(got, "I am alice") {
		t.Fatalf("the stream carries %s, want alice's answer", got)
	}
	if !strings.Contains(logs.String(), "dropped a forwarded message of another principal") {
		t.Fatalf("bob's forwarded message was not dropped; holder's log:\n%s", logs.String())
	}
}
