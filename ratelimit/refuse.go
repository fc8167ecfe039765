package ratelimit

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport"
)

// maxPeek bounds how much of a refused POST's body is read to find whether it carries a request, and its
// id (the transports' default body limit).
const maxPeek = 4 << 20

// Wrap limits the requests of next (an MCP endpoint; server.HTTPOptions.WrapEndpoint): a GET or POST takes a token
// from its caller's bucket (Options.HTTPKey). Without one, a POST carrying a response or notifications
// (answers to the server's questions, cancellations) still passes, so that requests already admitted can
// finish; any other request is answered 429 with Retry-After and a JSON-RPC -32000 error for its id. DELETE
// (ending a session frees the server) and OPTIONS pass without a token.
func (l *Limiter) Wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost && r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		ok, wait := l.Allow(l.httpKey(r))
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		var id jsonrpc.ID
		if r.Method == http.MethodPost && r.Body != nil {
			body, err := io.ReadAll(io.LimitReader(r.Body, maxPeek))
			if err == nil && !jsonrpc.IsBatch(body) {
				if m, err := jsonrpc.DecodeMessage(body); err == nil {
					if m.IsResponse() || m.IsNotification() {
						l.refused.Add(-1) // not refused after all
						r.Body = readCloser{io.MultiReader(bytes.NewReader(body), r.Body), r.Body}
						next.ServeHTTP(w, r)
						return
					}
					id = m.ID
				}
			}
		}
		w.Header().Set("Retry-After", strconv.FormatInt(retrySeconds(wait), 10))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write(jsonrpc.AppendError(nil, id, refusal(wait)))
	})
}

// Middleware limits the requests a server serves (Server.Use), for the transports Wrap does not cover
// (stdio): past the limit a request is answered with the JSON-RPC error -32000, data {"retryAfter": s}.
func (l *Limiter) Middleware(next server.Handler) server.Handler {
	return func(ctx context.Context, r *server.Request) (jsontext.Value, error) {
		if ok, wait := l.Allow(l.key(ctx, r)); !ok {
			return nil, refusal(wait)
		}
		return next(ctx, r)
	}
}

// refusal is the JSON-RPC error of a request past the limit.
func refusal(wait time.Duration) *jsonrpc.Error {
	s := retrySeconds(wait)
	return &jsonrpc.Error{Code: jsonrpc.CodeOverloaded,
		Message: "rate limit exceeded: retry after " + strconv.FormatInt(s, 10) + " s",
		Data:    jsontext.Value(`{"retryAfter":` + strconv.FormatInt(s, 10) + `}`)}
}

// httpKey is the default Options.HTTPKey: the principal, else the client's IP address.
func httpKey(r *http.Request) string {
	if k := auth.PrincipalKey(r.Context()); k != "" {
		return "p:" + k
	}
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return "a:" + host
	}
	return "a:" + r.RemoteAddr
}

// requestKey is the default Options.Key.
func requestKey(ctx context.Context, r *server.Request) string {
	if k := auth.PrincipalKey(ctx); k != "" {
		return "p:" + k
	}
	if a := transport.ClientAddr(ctx); a != "" {
		return "a:" + a
	}
	if r.SessionID != "" {
		return "s:" + r.SessionID
	}
	return "-"
}

// readCloser reads the peeked bytes, then the rest, and closes the original body.
type readCloser struct {
	io.Reader
	io.Closer
}
