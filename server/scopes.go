package server

import (
	"context"
	"maps"
	"slices"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/internal/httpx"
	"github.com/mcpkit/mcpkit/internal/jsonx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// This file is authorization by scope: what a tool, resource or prompt needs, checked before its handler
// runs (docs/AUTH.md, "Scopes and binding").

// scopeKind names the registry a scope declaration belongs to.
type scopeKind uint8

const (
	scopeTool scopeKind = iota + 1
	scopeResource
	scopePrompt
)

type scopeKey struct {
	kind scopeKind
	name string
}

// RequireToolScopes declares the OAuth scopes a call of tool name needs (all of them). A caller whose
// principal (auth.PrincipalFrom) lacks one is refused before the handler runs: over HTTP with 403 and
// WWW-Authenticate error="insufficient_scope" naming the scopes, elsewhere with a JSON-RPC error. Requests
// without a principal (no authentication configured) are not checked. The declaration may come before or
// after the tool's registration and survives its replacement; a call with no scopes removes it.
func (s *Server) RequireToolScopes(name string, scopes ...string) {
	s.requireScopes(scopeTool, name, scopes)
}

// RequireResourceScopes declares the scopes resources/read (and resources/subscribe) of a resource needs:
// uriOrTemplate is a static resource's URI, or a resource template's URI template (every URI it matches).
// The rules of RequireToolScopes apply.
func (s *Server) RequireResourceScopes(uriOrTemplate string, scopes ...string) {
	s.requireScopes(scopeResource, uriOrTemplate, scopes)
}

// RequirePromptScopes declares the scopes prompts/get of prompt name needs. The rules of
// RequireToolScopes apply.
func (s *Server) RequirePromptScopes(name string, scopes ...string) {
	s.requireScopes(scopePrompt, name, scopes)
}

func (s *Server) requireScopes(kind scopeKind, name string, scopes []string) {
	k := scopeKey{kind, name}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := make(map[scopeKey][]string)
	if old := s.scopes.Load(); old != nil {
		maps.Copy(m, *old)
	}
	if len(scopes) == 0 {
		delete(m, k)
	} else {
		m[k] = slices.Clone(scopes)
	}
	s.scopes.Store(&m)
	s.scoped.Store(len(m) > 0)
}

// scopesOf returns the scopes declared for an item ("" kind: none). It takes no lock: declarations
// replace the map (copy on write), a request reads the one it finds.
func (s *Server) scopesOf(kind scopeKind, name string) []string {
	m := s.scopes.Load()
	if m == nil {
		return nil
	}
	return (*m)[scopeKey{kind, name}]
}

// resourceScopeName returns the name resource uri's scopes are declared under: the URI of the static
// resource serving it, or the template matching it first (the order resources/read uses).
func (s *Server) resourceScopeName(uri string) string {
	_, _, key, ok := s.findResource(uri)
	if !ok {
		return uri
	}
	return key
}

// allowed returns nil when ctx's principal may use an item (a resource by the name its scopes are declared
// under), the refusal otherwise. Without a principal, or without declared scopes, everything is allowed.
func (s *Server) allowed(ctx context.Context, kind scopeKind, name string) error {
	if !s.scoped.Load() {
		return nil
	}
	p, ok := auth.PrincipalFrom(ctx)
	if !ok {
		return nil
	}
	need := s.scopesOf(kind, name)
	if len(need) == 0 || p.HasScopes(need...) {
		return nil
	}
	return &auth.InsufficientScopeError{Scopes: slices.Clone(need), What: kindName(kind) + " " + bounded(name)}
}

func kindName(k scopeKind) string {
	switch k {
	case scopeTool:
		return "tool"
	case scopeResource:
		return "resource"
	default:
		return "prompt"
	}
}

// CodeInsufficientScope is the JSON-RPC error code of a request refused for lack of a scope where no
// HTTP status can say so (stdio, in-memory), and the body of the HTTP 403. Its data is {"scopes": [...]}:
// every scope the request needs.
const CodeInsufficientScope = httpx.CodeInsufficientScope

// scopeError turns a refusal into the JSON-RPC error a non-HTTP client gets.
func scopeError(e *auth.InsufficientScopeError) *jsonrpc.Error { return httpx.ScopeError(e) }

// checkScope refuses, as the JSON-RPC error, a request whose principal lacks a scope an item needs (a
// resource by its URI). The methods call it once they know the item, before its handler runs.
func (s *Server) checkScope(ctx context.Context, kind scopeKind, name string) error {
	if !s.scoped.Load() {
		return nil
	}
	if kind == scopeResource {
		name = s.resourceScopeName(name)
	}
	if err := s.allowed(ctx, kind, name); err != nil {
		return scopeError(err.(*auth.InsufficientScopeError))
	}
	return nil
}

// authorize returns the refusal of a request whose principal lacks a needed scope, nil otherwise: the
// transports' check before they answer. It is cheap when nothing is scoped or nobody authenticated, and
// reads only the params' top-level name or uri.
func (s *Server) authorize(ctx context.Context, method string, params jsontext.Value) *auth.InsufficientScopeError {
	if !s.scoped.Load() {
		return nil
	}
	if _, ok := auth.PrincipalFrom(ctx); !ok {
		return nil
	}
	var kind scopeKind
	member := "name"
	switch method {
	case mcp.MethodToolsCall:
		kind = scopeTool
	case mcp.MethodResourcesRead, mcp.MethodResourcesSubscribe:
		kind, member = scopeResource, "uri"
	case mcp.MethodPromptsGet:
		kind = scopePrompt
	default:
		return nil
	}
	name, ok := leadingString(params, member)
	if !ok {
		if name, ok = jsonx.StringMember(params, member); !ok {
			return nil // malformed: the method itself refuses it
		}
	}
	if kind == scopeResource {
		name = s.resourceScopeName(name)
	}
	if err := s.allowed(ctx, kind, name); err != nil {
		e, _ := err.(*auth.InsufficientScopeError)
		return e
	}
	return nil
}

// leadingString returns the value of obj's first member when that member is named member and its value a
// plain string (no escape, no control character, ASCII): `{"name":"get_user",…` as clients write a
// tools/call, read without a JSON decoder. ok is false for anything else, which the caller decodes. It may
// accept what a decoder would refuse later in obj; authorize is only the transports' early answer, and the
// method checks the scope again with the name it decodes (checkScope).
func leadingString(obj []byte, member string) (string, bool) {
	i := skipSpace(obj, 0)
	if i >= len(obj) || obj[i] != '{' {
		return "", false
	}
	i = skipSpace(obj, i+1)
	if len(obj)-i < len(member)+2 || obj[i] != '"' || string(obj[i+1:i+1+len(member)]) != member || obj[i+1+len(member)] != '"' {
		return "", false
	}
	i = skipSpace(obj, i+2+len(member))
	if i >= len(obj) || obj[i] != ':' {
		return "", false
	}
	i = skipSpace(obj, i+1)
	if i >= len(obj) || obj[i] != '"' {
		return "", false
	}
	start := i + 1
	for j := start; j < len(obj); j++ {
		switch c := obj[j]; {
		case c == '"':
			return string(obj[start:j]), true
		case c == '\\' || c < 0x20 || c >= 0x80:
			return "", false
		}
	}
	return "", false
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// hiding reports whether a list answered to ctx leaves out what its principal may not use
// (Options.HideForbidden, scopes declared, a principal).
func (s *Server) hiding(ctx context.Context) bool {
	if !s.opts.HideForbidden || !s.scoped.Load() {
		return false
	}
	_, ok := auth.PrincipalFrom(ctx)
	return ok
}

// listScope is the cacheScope of a list: public, unless it was filtered for its principal.
func listScope(hidden bool) mcp.CacheScope {
	if hidden {
		return mcp.CacheScopePrivate
	}
	return mcp.CacheScopePublic
}

// Authorize implements transport.Authorizer for a legacy session.
func (ss *session) Authorize(ctx context.Context, m *jsonrpc.Message) error {
	return ss.srv.authorizeMessage(ctx, m)
}

// Authorize implements transport.Authorizer for requests outside sessions.
func (st statelessSession) Authorize(ctx context.Context, m *jsonrpc.Message) error {
	return st.s.authorizeMessage(ctx, m)
}

func (s *Server) authorizeMessage(ctx context.Context, m *jsonrpc.Message) error {
	if !m.IsRequest() {
		return nil
	}
	if e := s.authorize(ctx, m.Method, m.Params); e != nil {
		return e
	}
	return nil
}

// warnUnenforced logs, once, that scopes are declared while the server is served where no authentication
// puts a principal in requests: the scopes then stop nothing.
func (s *Server) warnUnenforced(how string) {
	if !s.scoped.Load() {
		return
	}
	s.unenforced.Do(func() {
		s.log.Warn("mcp: tools, resources or prompts require scopes, but the server is served over " + how +
			": requests carry no authenticated principal, so the scopes are not enforced")
	})
}
