package server

import (
	"bytes"
	"context"
	"fmt"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/jsonx"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport"
)

// methodSpec says in which eras a method exists and who serves it.
type methodSpec struct {
	legacy, modern bool
	// minVersion is the first legacy version that has the method ("" = all).
	minVersion string
	serve      func(s *Server, ctx context.Context, r *Request) (jsontext.Value, error)
}

// methods is the dispatch table. initialize is handled before it.
var methods = map[string]methodSpec{
	mcp.MethodInitialize:             {legacy: true, serve: (*Server).initialize},
	mcp.MethodPing:                   {legacy: true, serve: (*Server).ping},
	mcp.MethodDiscover:               {modern: true, serve: (*Server).discover},
	mcp.MethodSubscriptionsListen:    {modern: true, serve: (*Server).listen},
	mcp.MethodToolsList:              {legacy: true, modern: true, serve: (*Server).listTools},
	mcp.MethodToolsCall:              {legacy: true, modern: true, serve: (*Server).callTool},
	mcp.MethodResourcesList:          {legacy: true, modern: true, serve: (*Server).listResources},
	mcp.MethodResourcesTemplatesList: {legacy: true, modern: true, serve: (*Server).listTemplates},
	mcp.MethodResourcesRead:          {legacy: true, modern: true, serve: (*Server).readResource},
	mcp.MethodResourcesSubscribe:     {legacy: true, serve: (*Server).subscribe},
	mcp.MethodResourcesUnsubscribe:   {legacy: true, serve: (*Server).unsubscribe},
	// The skills extension (skills_serve.go): -32601 unless AddSkills registered skills.
	mcp.MethodSkillsList:             {legacy: true, modern: true, serve: (*Server).listSkills},
	mcp.MethodSkillsGet:              {legacy: true, modern: true, serve: (*Server).getSkill},
	mcp.MethodResourcesDirectoryRead: {legacy: true, modern: true, serve: (*Server).readDirectory},
	mcp.MethodPromptsList:            {legacy: true, modern: true, serve: (*Server).listPrompts},
	mcp.MethodPromptsGet:             {legacy: true, modern: true, serve: (*Server).getPrompt},
	mcp.MethodCompletionComplete:     {legacy: true, modern: true, minVersion: mcp.Version20250326, serve: (*Server).complete},
	mcp.MethodLoggingSetLevel:        {legacy: true, serve: (*Server).setLevel},
	mcp.MethodTasksGet:               {legacy: true, modern: true, minVersion: mcp.Version20251125, serve: (*Server).getTask},
	mcp.MethodTasksCancel:            {legacy: true, modern: true, minVersion: mcp.Version20251125, serve: (*Server).cancelTask},
	mcp.MethodTasksUpdate:            {modern: true, serve: (*Server).updateTask},
	mcp.MethodTasksResult:            {legacy: true, minVersion: mcp.Version20251125, serve: (*Server).taskResult},
	mcp.MethodTasksList:              {legacy: true, minVersion: mcp.Version20251125, serve: (*Server).listTasks},
}

// handle serves one inbound request for a connection or session. sess is the legacy session state of the
// connection (never nil for stream transports; the HTTP transport passes its own). It applies the era
// rules, then runs the middleware chain and the method.
func (s *Server) handle(ctx context.Context, sess *session, m *jsonrpc.Message, out transport.Peer) (jsontext.Value, error) {
	r := &Request{Method: m.Method, ID: m.ID, Params: m.Params, server: s, out: out, sess: sess}
	if obs := s.observer.Load(); obs != nil {
		if _, internal := out.(transport.Internal); !internal {
			return (*obs)(ctx, r)
		}
	}
	return s.admit(ctx, r)
}

// admit applies the era rules to r, then runs the middleware chain and the method. It is the innermost
// Handler of the observers (Observe).
func (s *Server) admit(ctx context.Context, r *Request) (jsontext.Value, error) {
	sess := r.sess
	r.sess = nil // set again below for legacy requests only
	meta, err := peekMeta(r.Params)
	if err != nil {
		return nil, err
	}
	r.Meta = meta

	if r.Method == mcp.MethodInitialize && sess != nil && !sess.isInitialized() {
		r.Era, r.sess, r.SessionID = mcp.EraLegacy, sess, sess.id
		return s.chain()(withRequest(ctx, r), r)
	}
	legacySession := sess != nil && sess.isInitialized()
	switch {
	case legacySession:
		// An initialized connection stays legacy, whatever _meta a request carries.
		if err := s.admitLegacy(r, sess); err != nil {
			return nil, err
		}
	case isModern(meta):
		if err := s.admitModern(r); err != nil {
			return nil, err
		}
	default:
		if r.Method == mcp.MethodPing {
			// ping is allowed before initialize.
			r.Era = mcp.EraLegacy
			return s.chain()(withRequest(ctx, r), r)
		}
		return nil, invalidParams("request has no io.modelcontextprotocol/protocolVersion and clientCapabilities in _meta " +
			"(required by protocol 2026-07-28) and the connection has not been initialized (send initialize first for " +
			"protocol 2025-11-25 and earlier)")
	}
	return s.chain()(withRequest(ctx, r), r)
}

func (s *Server) admitLegacy(r *Request, sess *session) error {
	r.Era = mcp.EraLegacy
	r.sess = sess
	r.SessionID = sess.id
	r.ProtocolVersion, r.ClientInfo, r.ClientCapabilities = sess.identity()
	spec, ok := methods[r.Method]
	if !ok || !spec.legacy || (spec.minVersion != "" && !mcp.AtLeast(r.ProtocolVersion, spec.minVersion)) {
		return methodNotFound(r.Method, r.ProtocolVersion)
	}
	return nil
}

func (s *Server) admitModern(r *Request) error {
	r.Era = mcp.EraModern
	v := r.Meta.ProtocolVersion
	if v == "" {
		return invalidParams("_meta is missing io.modelcontextprotocol/protocolVersion")
	}
	if mcp.EraOf(v) != mcp.EraModern || !s.supports(v) {
		return unsupportedVersion(v, s.servedVersions(mcp.EraModern))
	}
	if r.Meta.ClientCapabilities == nil {
		return invalidParams("_meta is missing io.modelcontextprotocol/clientCapabilities")
	}
	if r.Meta.LogLevel != "" && !r.Meta.LogLevel.Valid() {
		return invalidParams(fmt.Sprintf("_meta io.modelcontextprotocol/logLevel %q is not a log level", bounded(string(r.Meta.LogLevel))))
	}
	r.ProtocolVersion = v
	r.ClientInfo = r.Meta.ClientInfo
	r.ClientCapabilities = r.Meta.ClientCapabilities
	spec, ok := methods[r.Method]
	if !ok || !spec.modern {
		return methodNotFound(r.Method, v)
	}
	return nil
}

// dispatchMethod is the innermost Handler: it runs the method's implementation.
func (s *Server) dispatchMethod(ctx context.Context, r *Request) (jsontext.Value, error) {
	spec, ok := methods[r.Method]
	if !ok {
		return nil, methodNotFound(r.Method, r.ProtocolVersion)
	}
	if r.Era == mcp.EraModern && mcp.AllowsInputRequired(r.Method) {
		return s.serveInteractive(ctx, r, func(ctx context.Context, r *Request) (jsontext.Value, error) {
			return spec.serve(s, ctx, r)
		})
	}
	return spec.serve(s, ctx, r)
}

// handleNotification serves an inbound notification for a connection or session.
func (s *Server) handleNotification(ctx context.Context, sess *session, m *jsonrpc.Message) {
	switch m.Method {
	case mcp.MethodNotificationInitialized:
		if sess != nil {
			sess.markClientReady()
		}
	case mcp.MethodNotificationRootsListChanged:
		if sess != nil {
			sess.rootsChanged()
		}
	default:
		s.log.Debug("mcp: ignoring notification", "method", m.Method)
	}
}

// isModern reports whether a request's _meta marks it as a 2026-07-28-style request.
func isModern(m *mcp.RequestMeta) bool {
	return m != nil && (m.ProtocolVersion != "" || m.ClientCapabilities != nil)
}

var metaKey = []byte(`"_meta"`)

// peekMeta reads only params._meta. Most legacy requests have none, and skip the decode entirely.
func peekMeta(params jsontext.Value) (*mcp.RequestMeta, error) {
	if len(params) == 0 || !bytes.Contains(params, metaKey) {
		return nil, nil
	}
	var p struct {
		Meta *mcp.RequestMeta `json:"_meta"`
	}
	if err := json.Unmarshal(params, &p, decodeOpts); err != nil {
		return nil, invalidParams("params: " + trimJSONErr(err))
	}
	return p.Meta, nil
}

// decodeParams decodes a method's params into p; absent params decode as {}. A null member outside _meta
// is -32602: no member of the protocol's params is nullable, and the decoder would read it as the zero
// value (an initialize without clientInfo, a completion/complete without its argument).
func decodeParams(params jsontext.Value, p any) error {
	if err := unmarshalParams(params, p); err != nil {
		return err
	}
	if at, ok := jsonx.NullMember(params, "_meta"); ok {
		return invalidParams("params" + bounded(at) + ": null is not allowed here")
	}
	return nil
}

// unmarshalParams decodes params into p without the null check: for tools/call, whose only members are
// its name (an empty name is refused anyway), _meta, and the tool's arguments (nulls there are the tool's
// schema's business).
func unmarshalParams(params jsontext.Value, p any) error {
	if len(params) == 0 {
		return nil
	}
	if err := json.Unmarshal(params, p, decodeOpts); err != nil {
		return invalidParams("params: " + trimJSONErr(err))
	}
	return nil
}

// marshalResult encodes a result struct.
func marshalResult(v any) (jsontext.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("server: encoding result: %w", err)
	}
	return b, nil
}

// trimJSONErr returns a decoding error's text without the "json: " prefix, bounded (it may quote the
// caller's object names and values).
func trimJSONErr(err error) string {
	s := err.Error()
	s, _ = cutPrefix(s, "json: ")
	return boundedTo(s, maxErrText)
}

func cutPrefix(s, p string) (string, bool) {
	if len(s) >= len(p) && s[:len(p)] == p {
		return s[len(p):], true
	}
	return s, false
}
