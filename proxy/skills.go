package proxy

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// Skills (the io.modelcontextprotocol/skills extension) cross the proxy when the upstream declares them:
// the proxy declares the upstream's extension settings in its own initialize and server/discover answers,
// and forwards skills/list, skills/get, resources/directory/read and resources/read of skill:// URIs (a
// skill's files other than SKILL.md are not in resources/list, so they are not copied entries). Without the
// extension upstream, these methods reach the proxy's server, which has no skills (-32601).

// upstreamSkills returns the upstream's skills extension settings, and whether it declares the extension.
func (p *Proxy) upstreamSkills() (jsontext.Value, bool) {
	up, err := p.upstream()
	if err != nil {
		return nil, false
	}
	raw, ok := up.ServerCapabilities().Extensions[mcp.ExtensionSkills]
	return raw, ok
}

// skillsMethod reports whether r is one of the methods forwarded for skills.
func skillsMethod(r *server.Request) bool {
	switch r.Method {
	case mcp.MethodSkillsList, mcp.MethodSkillsGet, mcp.MethodResourcesDirectoryRead:
		return true
	case mcp.MethodResourcesRead:
		var params struct {
			URI string `json:"uri"`
		}
		return json.Unmarshal(r.Params, &params) == nil && strings.HasPrefix(params.URI, mcp.SkillScheme+"://")
	}
	return false
}

// forwardSkills forwards a skills method (skillsMethod) to the upstream, which declares the extension,
// and answers with its result in the downstream request's era.
func (p *Proxy) forwardSkills(ctx context.Context, r *server.Request) (jsontext.Value, error) {
	var params map[string]jsontext.Value
	if err := json.Unmarshal(r.Params, &params); err != nil {
		return nil, &jsonrpc.Error{Code: mcp.CodeInvalidParams, Message: fmt.Sprintf("%s params: %v", r.Method, err)}
	}
	delete(params, "_meta") // forwardRaw sends the forwarded members
	raw, err := p.forwardRaw(ctx, r.Method, params)
	if err != nil {
		return nil, err
	}
	switch r.Method {
	case mcp.MethodSkillsList:
		return reencode(raw, r, p, func(res *mcp.ListSkillsResult) (*mcp.ResultFields, *mcp.CacheHints) {
			return &res.ResultFields, &res.CacheHints
		})
	case mcp.MethodSkillsGet:
		return reencode(raw, r, p, func(res *mcp.GetSkillResult) (*mcp.ResultFields, *mcp.CacheHints) {
			return &res.ResultFields, &res.CacheHints
		})
	case mcp.MethodResourcesDirectoryRead:
		return reencode(raw, r, p, func(res *mcp.ReadDirectoryResult) (*mcp.ResultFields, *mcp.CacheHints) {
			return &res.ResultFields, &res.CacheHints
		})
	default: // resources/read
		return reencode(raw, r, p, func(res *mcp.ReadResourceResult) (*mcp.ResultFields, *mcp.CacheHints) {
			return &res.ResultFields, nil
		})
	}
}

// reencode decodes an upstream result as T and encodes it for the downstream request's era: the
// upstream hop's own fields dropped (ownFields), resultType and serverInfo set at 2026-07-28, cache hints
// (2026-07-28 members) dropped for a legacy request.
func reencode[T any](raw jsontext.Value, r *server.Request, p *Proxy, fields func(*T) (*mcp.ResultFields, *mcp.CacheHints)) (jsontext.Value, error) {
	res := new(T)
	if err := json.Unmarshal(raw, res); err != nil {
		return nil, fmt.Errorf("proxy: upstream %s result: %w", r.Method, err)
	}
	f, hints := fields(res)
	ownFields(f)
	if r.Era == mcp.EraModern {
		info := p.srv.Info()
		f.ResultType = mcp.ResultComplete
		if f.Meta == nil {
			f.Meta = &mcp.ResultMeta{}
		}
		f.Meta.ServerInfo = &info
	} else if hints != nil {
		*hints = mcp.CacheHints{}
	}
	return json.Marshal(res)
}

// declareSkills adds the upstream's skills extension settings to the capabilities of an initialize or
// server/discover result of the proxy's server.
func declareSkills(result, settings jsontext.Value) (jsontext.Value, error) {
	var res map[string]jsontext.Value
	if err := json.Unmarshal(result, &res); err != nil {
		return nil, err
	}
	var caps map[string]jsontext.Value
	if err := json.Unmarshal(res["capabilities"], &caps); err != nil {
		return nil, err
	}
	exts := map[string]jsontext.Value{}
	if raw, ok := caps["extensions"]; ok {
		if err := json.Unmarshal(raw, &exts); err != nil {
			return nil, err
		}
	}
	exts[mcp.ExtensionSkills] = settings
	var err error
	if caps["extensions"], err = json.Marshal(exts); err != nil {
		return nil, err
	}
	if res["capabilities"], err = json.Marshal(caps); err != nil {
		return nil, err
	}
	return json.Marshal(res)
}
