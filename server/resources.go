package server

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/auth"
	"github.com/mcpkit/mcpkit/internal/uritmpl"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// ResourceRequest is what a full-control resource handler receives: the URI being read and, for a
// template, the values of its variables.
type ResourceRequest struct {
	URI  string
	Vars map[string]string
}

// ResourceHandler is the full-control resource handler: it returns the contents itself.
type ResourceHandler func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error)

// ResourceFunc is the set of handler shapes Resource accepts. A string result is text (text/plain unless
// the definition says otherwise), a []byte result is a blob (application/octet-stream unless …). The
// string argument is the URI of a static resource or the single variable of a template; the map argument
// holds every variable of a template. The full-control shape is matched by its underlying type, so a
// ResourceHandler, a plain func literal of that signature, or any named type of it is accepted.
type ResourceFunc interface {
	func(context.Context) (string, error) |
		func(context.Context) ([]byte, error) |
		func(context.Context, string) (string, error) |
		func(context.Context, string) ([]byte, error) |
		func(context.Context, map[string]string) (string, error) |
		func(context.Context, map[string]string) ([]byte, error) |
		~func(context.Context, ResourceRequest) ([]mcp.ResourceContents, error)
}

// ErrResourceNotFound, returned (or wrapped) by a resource handler, answers the read with the era's
// resource-not-found error, e.g. when a template matches but the record does not exist.
var ErrResourceNotFound = errors.New("resource not found")

type resourceEntry struct {
	def  mcp.Resource
	read ResourceHandler
}

type templateEntry struct {
	def  mcp.ResourceTemplate
	tmpl *uritmpl.Template
	read ResourceHandler
}

// Resource registers a resource. A uri containing "{" is an RFC 6570 template (listed by
// resources/templates/list, matched on read); anything else is a static resource. The name is the URI;
// use AddResource or AddResourceTemplate to set name, title, MIME type and annotations.
func Resource[F ResourceFunc](s *Server, uri, description string, fn F) {
	if strings.Contains(uri, "{") {
		AddResourceTemplate(s, mcp.ResourceTemplate{URITemplate: uri, Name: uri, Description: description}, fn)
		return
	}
	AddResource(s, mcp.Resource{URI: uri, Name: uri, Description: description}, fn)
}

// AddResource registers a static resource with its whole definition.
func AddResource[F ResourceFunc](s *Server, def mcp.Resource, fn F) {
	if def.URI == "" {
		s.fail(fmt.Errorf("server: a resource needs a URI"))
		return
	}
	if def.Name == "" {
		def.Name = def.URI
	}
	h, mime, err := adaptResource(fn, nil)
	if err != nil {
		s.fail(fmt.Errorf("server: resource %q: %w", def.URI, err))
		return
	}
	if def.MimeType == "" {
		def.MimeType = mime
	}
	e := &resourceEntry{def: def, read: withMIME(h, def.MimeType)}
	s.mu.Lock()
	s.resources.put(def.URI, e)
	s.mu.Unlock()
	s.resourcesChanged()
}

// AddResourceTemplate registers a resource template with its whole definition.
func AddResourceTemplate[F ResourceFunc](s *Server, def mcp.ResourceTemplate, fn F) {
	t, err := uritmpl.Parse(def.URITemplate)
	if err != nil {
		s.fail(fmt.Errorf("server: resource template %q: %w", def.URITemplate, err))
		return
	}
	if def.Name == "" {
		def.Name = def.URITemplate
	}
	h, mime, err := adaptResource(fn, t.Varnames())
	if err != nil {
		s.fail(fmt.Errorf("server: resource template %q: %w", def.URITemplate, err))
		return
	}
	if def.MimeType == "" {
		def.MimeType = mime
	}
	e := &templateEntry{def: def, tmpl: t, read: withMIME(h, def.MimeType)}
	s.mu.Lock()
	s.templates.put(def.URITemplate, e)
	s.mu.Unlock()
	s.resourcesChanged()
}

// RemoveResources removes static resources and templates (by URI or template string).
func (s *Server) RemoveResources(uris ...string) {
	removed := false
	s.mu.Lock()
	for _, u := range uris {
		removed = s.resources.remove(u) || removed
		removed = s.templates.remove(u) || removed
	}
	s.mu.Unlock()
	if removed {
		s.resourcesChanged()
	}
}

// adaptResource turns any ResourceFunc into a ResourceHandler, and says the default MIME type. vars is
// nil for a static resource.
func adaptResource[F ResourceFunc](fn F, vars []string) (ResourceHandler, string, error) {
	single := func(req ResourceRequest) (string, error) {
		if vars == nil {
			return req.URI, nil
		}
		if len(vars) != 1 {
			return "", fmt.Errorf("template has %d variables", len(vars))
		}
		return req.Vars[vars[0]], nil
	}
	if vars != nil && len(vars) != 1 {
		switch any(fn).(type) {
		case func(context.Context, string) (string, error), func(context.Context, string) ([]byte, error):
			return nil, "", fmt.Errorf("the template has %d variables (%v); a handler taking one string needs exactly one: take map[string]string instead", len(vars), vars)
		}
	}
	text := func(req ResourceRequest, s string) []mcp.ResourceContents {
		return []mcp.ResourceContents{mcp.TextResource(req.URI, "", s)}
	}
	blob := func(req ResourceRequest, b []byte) []mcp.ResourceContents {
		return []mcp.ResourceContents{mcp.BlobResource(req.URI, "", b)}
	}
	switch f := any(fn).(type) {
	case func(context.Context) (string, error):
		return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
			s, err := f(ctx)
			return text(req, s), err
		}, "text/plain", nil
	case func(context.Context) ([]byte, error):
		return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
			b, err := f(ctx)
			return blob(req, b), err
		}, "application/octet-stream", nil
	case func(context.Context, string) (string, error):
		return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
			arg, _ := single(req)
			s, err := f(ctx, arg)
			return text(req, s), err
		}, "text/plain", nil
	case func(context.Context, string) ([]byte, error):
		return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
			arg, _ := single(req)
			b, err := f(ctx, arg)
			return blob(req, b), err
		}, "application/octet-stream", nil
	case func(context.Context, map[string]string) (string, error):
		return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
			s, err := f(ctx, req.Vars)
			return text(req, s), err
		}, "text/plain", nil
	case func(context.Context, map[string]string) ([]byte, error):
		return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
			b, err := f(ctx, req.Vars)
			return blob(req, b), err
		}, "application/octet-stream", nil
	case ResourceHandler:
		return f, "", nil
	case func(context.Context, ResourceRequest) ([]mcp.ResourceContents, error):
		return f, "", nil
	}
	// Another named type of the full-control shape: the only other types ResourceFunc admits.
	if v := reflect.ValueOf(fn); v.Type().ConvertibleTo(resourceHandlerType) {
		return v.Convert(resourceHandlerType).Interface().(ResourceHandler), "", nil
	}
	return nil, "", fmt.Errorf("unsupported handler type %T", fn)
}

var resourceHandlerType = reflect.TypeFor[ResourceHandler]()

// withMIME fills in the definition's MIME type on contents that have none.
func withMIME(h ResourceHandler, mime string) ResourceHandler {
	if mime == "" {
		return h
	}
	return func(ctx context.Context, req ResourceRequest) ([]mcp.ResourceContents, error) {
		cs, err := h(ctx, req)
		for i := range cs {
			if cs[i].MimeType == "" {
				cs[i].MimeType = mime
			}
		}
		return cs, err
	}
}

func (s *Server) listResources(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.ListResourcesParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	s.mu.RLock()
	entries, next, err := s.resources.page(p.Cursor, s.opts.PageSize)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	res := mcp.ListResourcesResult{Resources: make([]mcp.Resource, len(entries)), NextCursor: next}
	hide := s.hiding(ctx)
	res.Resources = res.Resources[:0]
	for _, e := range entries {
		if !hide || s.allowed(ctx, scopeResource, e.def.URI) == nil {
			res.Resources = append(res.Resources, e.def)
		}
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), listScope(hide))
	return marshalResult(&res)
}

func (s *Server) listTemplates(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.ListResourceTemplatesParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	s.mu.RLock()
	entries, next, err := s.templates.page(p.Cursor, s.opts.PageSize)
	s.mu.RUnlock()
	if err != nil {
		return nil, err
	}
	res := mcp.ListResourceTemplatesResult{ResourceTemplates: make([]mcp.ResourceTemplate, len(entries)), NextCursor: next}
	hide := s.hiding(ctx)
	res.ResourceTemplates = res.ResourceTemplates[:0]
	for _, e := range entries {
		if !hide || s.allowed(ctx, scopeResource, e.def.URITemplate) == nil {
			res.ResourceTemplates = append(res.ResourceTemplates, e.def)
		}
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ListTTL.Milliseconds(), listScope(hide))
	return marshalResult(&res)
}

// findResource returns the handler for uri: a static resource first, then a skill file, then the first template (in
// template order) that matches.
func (s *Server) findResource(uri string) (h ResourceHandler, vars map[string]string, key string, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if e, ok := s.resources.get(uri); ok {
		return e.read, nil, uri, true
	}
	if h, ok := s.skillFileHandler(uri); ok {
		return h, nil, uri, true
	}
	for _, k := range s.templates.keys {
		e := s.templates.byKey[k]
		if vars, ok := e.tmpl.Match(uri); ok {
			return e.read, vars, k, true
		}
	}
	return nil, nil, "", false
}

func (s *Server) readResource(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.ReadResourceParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	if p.URI == "" {
		return nil, invalidParams("resources/read: uri is required")
	}
	h, vars, key, ok := s.findResource(p.URI)
	if !ok {
		return nil, resourceNotFound(r, p.URI)
	}
	if s.scoped.Load() {
		if err := s.allowed(ctx, scopeResource, key); err != nil {
			return nil, scopeError(err.(*auth.InsufficientScopeError))
		}
	}
	contents, err := h(ctx, ResourceRequest{URI: p.URI, Vars: vars})
	if err != nil {
		if errors.Is(err, ErrResourceNotFound) {
			return nil, resourceNotFound(r, p.URI)
		}
		if perr := asProtocolError(err); perr != nil {
			return nil, perr
		}
		if ierr := interactionError(mcp.MethodResourcesRead, err); ierr != nil {
			return nil, ierr
		}
		s.log.Error("mcp: reading resource failed", "uri", p.URI, "err", err)
		return nil, internalError()
	}
	res := mcp.ReadResourceResult{Contents: contents}
	if res.Contents == nil {
		res.Contents = []mcp.ResourceContents{}
	}
	r.finish(&res.ResultFields)
	r.cache(&res.CacheHints, s.opts.ReadTTL.Milliseconds(), s.opts.ReadCacheScope)
	return marshalResult(&res)
}

func (s *Server) subscribe(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.SubscribeParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	if p.URI == "" {
		return nil, invalidParams("resources/subscribe: uri is required")
	}
	if err := s.checkScope(ctx, scopeResource, p.URI); err != nil {
		return nil, err
	}
	r.sess.mu.Lock()
	defer r.sess.mu.Unlock()
	if r.sess.subs == nil {
		r.sess.subs = make(map[string]struct{})
	}
	if _, ok := r.sess.subs[p.URI]; !ok {
		if err := s.subscriptionRoom(r.sess.subs, p.URI); err != nil {
			return nil, err
		}
		r.sess.subs[p.URI] = struct{}{}
	}
	return emptyObject, nil
}

// maxSubscriptionBytes bounds the URIs of one session's subscriptions together (Options.MaxSubscriptions).
const maxSubscriptionBytes = 1 << 20

// subscriptionRoom says why subs cannot take uri: Options.MaxSubscriptions (default 1,000) URIs, or
// maxSubscriptionBytes of them.
func (s *Server) subscriptionRoom(subs map[string]struct{}, uri string) error {
	most := s.opts.MaxSubscriptions
	if most <= 0 {
		most = 1000
	}
	if len(subs) >= most {
		return &jsonrpc.Error{Code: jsonrpc.CodeOverloaded, Message: fmt.Sprintf(
			"resources/subscribe: this session is subscribed to %d resources, the most the server allows: unsubscribe from one first", len(subs))}
	}
	n := len(uri)
	for u := range subs {
		n += len(u)
	}
	if n > maxSubscriptionBytes {
		return &jsonrpc.Error{Code: jsonrpc.CodeOverloaded, Message: fmt.Sprintf(
			"resources/subscribe: this session's subscribed URIs would take %d bytes, more than the %d the server allows", n, maxSubscriptionBytes)}
	}
	return nil
}

func (s *Server) unsubscribe(ctx context.Context, r *Request) (jsontext.Value, error) {
	var p mcp.SubscribeParams
	if err := decodeParams(r.Params, &p); err != nil {
		return nil, err
	}
	r.sess.mu.Lock()
	delete(r.sess.subs, p.URI)
	r.sess.mu.Unlock()
	return emptyObject, nil
}

// ResourceUpdated tells every session subscribed to uri that the resource changed
// (notifications/resources/updated).
func (s *Server) ResourceUpdated(uri string) {
	p := &mcp.ResourceUpdatedParams{URI: uri}
	s.broadcast(mcp.MethodNotificationResourceUpdated, p, func(ss *session) bool { return ss.subscribed(uri) })
	s.publishChange(mcp.MethodNotificationResourceUpdated, p)
}
