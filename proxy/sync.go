package proxy

import (
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// kind is one of the lists copied from the upstream.
type kind int

const (
	kindTools kind = iota
	kindResources
	kindPrompts
)

// registered holds, per kind, the definitions last registered (as JSON, to see what changed), keyed by name
// or URI. Templates are keyed by their template string in resources, prefixed to keep them apart.
type registered struct {
	tools, resources, prompts map[string]string
}

// templateKeyPrefix keeps template keys apart from resource URIs in registered.resources.
const templateKeyPrefix = "\x00t:"

// refresh re-reads one list after the upstream said it changed.
func (p *Proxy) refresh(ctx context.Context, k kind) {
	up, err := p.upstream()
	if err != nil {
		return
	}
	if err := p.sync(ctx, up, k); err != nil {
		p.log.Warn("proxy: refreshing the upstream's list failed", "err", err)
	}
}

// sync copies one of the upstream's lists into the server: new or changed entries are registered, gone ones
// removed. Each registration tells the downstream clients (list_changed), as the server does for any change.
// A list the upstream does not declare is treated as empty.
func (p *Proxy) sync(ctx context.Context, up *client.Session, k kind) error {
	caps := up.ServerCapabilities()
	p.syncMu.Lock()
	defer p.syncMu.Unlock() // one sync at a time: the callbacks and Attach may overlap
	p.mu.Lock()
	detached := p.detached
	p.mu.Unlock()
	if detached {
		return nil
	}
	switch k {
	case kindTools:
		var tools []mcp.Tool
		if caps.Tools != nil {
			for t, err := range up.Tools(ctx) {
				if err != nil {
					return fmt.Errorf("proxy: tools/list: %w", err)
				}
				tools = append(tools, t)
			}
		}
		release := p.srv.HoldChanges() // one list_changed for the whole list
		defer release()
		next := map[string]string{}
		for _, t := range tools {
			if len(t.InputSchema) == 0 {
				t.InputSchema = jsontext.Value(`{"type":"object"}`)
			}
			upName := t.Name
			if t.Name = p.names.tool(upName); t.Name == "" {
				continue
			}
			key, def := t.Name, mustJSON(t)
			if p.reg.tools[key] != def {
				h := p.toolHandler(t, upName) // execution.taskSupport kept: tasks.go
				if !p.accept("tool", key, func(s *server.Server) { s.AddForwardedTool(t, h) }) {
					continue
				}
				p.srv.AddForwardedTool(t, h)
			}
			next[key] = def
		}
		if gone := goneKeys(p.reg.tools, next); len(gone) > 0 {
			p.srv.RemoveTools(gone...)
		}
		p.reg.tools = next
	case kindResources:
		var resources []mcp.Resource
		var templates []mcp.ResourceTemplate
		if caps.Resources != nil {
			for r, err := range up.Resources(ctx) {
				if err != nil {
					return fmt.Errorf("proxy: resources/list: %w", err)
				}
				resources = append(resources, r)
			}
			for t, err := range up.ResourceTemplates(ctx) {
				if err != nil {
					return fmt.Errorf("proxy: resources/templates/list: %w", err)
				}
				templates = append(templates, t)
			}
		}
		release := p.srv.HoldChanges() // one list_changed for the whole list
		defer release()
		next := map[string]string{}
		for _, r := range resources {
			if r.URI = p.names.uri(r.URI); r.URI == "" {
				continue
			}
			def := mustJSON(r)
			if p.reg.resources[r.URI] != def {
				if !p.accept("resource", r.URI, func(s *server.Server) { server.AddResource(s, r, p.readResource()) }) {
					continue
				}
				server.AddResource(p.srv, r, p.readResource())
			}
			next[r.URI] = def
		}
		for _, t := range templates {
			if t.URITemplate = p.names.uri(t.URITemplate); t.URITemplate == "" {
				continue
			}
			key, def := templateKeyPrefix+t.URITemplate, mustJSON(t)
			if p.reg.resources[key] != def {
				if !p.accept("resource template", t.URITemplate, func(s *server.Server) { server.AddResourceTemplate(s, t, p.readResource()) }) {
					continue
				}
				server.AddResourceTemplate(p.srv, t, p.readResource())
			}
			next[key] = def
		}
		if gone := untemplateKeys(goneKeys(p.reg.resources, next)); len(gone) > 0 {
			p.srv.RemoveResources(gone...)
		}
		p.reg.resources = next
	case kindPrompts:
		var prompts []mcp.Prompt
		if caps.Prompts != nil {
			for pr, err := range up.Prompts(ctx) {
				if err != nil {
					return fmt.Errorf("proxy: prompts/list: %w", err)
				}
				prompts = append(prompts, pr)
			}
		}
		release := p.srv.HoldChanges() // one list_changed for the whole list
		defer release()
		next := map[string]string{}
		for _, pr := range prompts {
			upName := pr.Name
			if pr.Name = p.names.prompt(upName); pr.Name == "" {
				continue
			}
			def := mustJSON(pr)
			if p.reg.prompts[pr.Name] != def {
				h := p.getPrompt(upName)
				if !p.accept("prompt", pr.Name, func(s *server.Server) { server.AddPrompt(s, pr, h) }) {
					continue
				}
				server.AddPrompt(p.srv, pr, h)
			}
			next[pr.Name] = def
		}
		if gone := goneKeys(p.reg.prompts, next); len(gone) > 0 {
			p.srv.RemovePrompts(gone...)
		}
		p.reg.prompts = next
	}
	if p.shared {
		return nil // accept kept the shared server free of errors
	}
	return p.srv.Err()
}

// accept says whether an entry may be registered: always on the proxy's own server (where a refused entry
// is reported by sync through Server.Err), and on a shared server only when a scratch server takes it
// (checkEntry): a refused one is skipped with a warning, so that one upstream's bad entry does not stop
// the server every upstream shares.
func (p *Proxy) accept(what, name string, register func(*server.Server)) bool {
	if !p.shared {
		return true
	}
	if err := checkEntry(register); err != nil {
		p.log.Warn("proxy: skipping an upstream entry the server refuses", "upstream", p.label, what, name, "err", err)
		return false
	}
	return true
}

// goneKeys returns the keys of old missing from next, sorted.
func goneKeys(old, next map[string]string) []string {
	var gone []string
	for k := range maps.Keys(old) {
		if _, ok := next[k]; !ok {
			gone = append(gone, k)
		}
	}
	slices.Sort(gone)
	return gone
}

// mustJSON encodes a definition for comparison; the protocol types always encode.
func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("unencodable %T: %v", v, err)
	}
	return string(b)
}
