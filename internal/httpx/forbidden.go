package httpx

import (
	"errors"
	"net/http"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/jsonrpc"
)

// CodeInsufficientScope is the JSON-RPC error code of a request refused for lack of a scope (the body of
// the 403, and the error itself where no HTTP status can carry it). Its data is {"scopes": [...]}.
const CodeInsufficientScope = -32003

// ScopeError returns the JSON-RPC error of a refusal: code CodeInsufficientScope, data {"scopes": [...]}.
func ScopeError(e *auth.InsufficientScopeError) *jsonrpc.Error {
	data, _ := json.Marshal(struct {
		Scopes []string `json:"scopes"`
	}{e.Scopes})
	return &jsonrpc.Error{Code: CodeInsufficientScope, Message: "forbidden: " + e.Error(), Data: data}
}

// Forbid answers request id with 403 and the step-up challenge when err is an
// *auth.InsufficientScopeError, and reports whether it did. The challenge names resource_metadata from the
// request's context (auth.WithResourceMetadata), or fallback.
func Forbid(w http.ResponseWriter, r *http.Request, id jsonrpc.ID, err error, fallback string) bool {
	var e *auth.InsufficientScopeError
	if !errors.As(err, &e) {
		return false
	}
	meta := auth.ResourceMetadataFrom(r.Context())
	if meta == "" {
		meta = fallback
	}
	w.Header().Set("WWW-Authenticate", auth.Challenge("insufficient_scope", e.What+" needs more scope", e.Scopes, meta))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	_, _ = w.Write(jsonrpc.AppendError(nil, id, ScopeError(e)))
	return true
}

// ScopeChallenge returns the WWW-Authenticate value of a 403 for a JSON-RPC error of code
// CodeInsufficientScope (a handler that refused for lack of scope itself, after the transport's check), and
// false for any other error.
func ScopeChallenge(e *jsonrpc.Error, meta string) (string, bool) {
	if e == nil || e.Code != CodeInsufficientScope {
		return "", false
	}
	var data struct {
		Scopes []string `json:"scopes"`
	}
	_ = json.Unmarshal(e.Data, &data)
	return auth.Challenge("insufficient_scope", "the access token lacks a scope this request needs", data.Scopes, meta), true
}
