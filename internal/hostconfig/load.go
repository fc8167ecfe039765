package hostconfig

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// ErrNoServers is wrapped by Load's error for a readable file that has no server list (no
// "mcpServers", "servers" or "mcp" object): a settings.json or ~/.claude.json without MCP servers.
var ErrNoServers = errors.New("no \"mcpServers\", \"servers\" or \"mcp\" object")

// LoadOptions says how to read a file. The zero value reads it for the current directory.
type LoadOptions struct {
	// Dir is the project directory: the default ${workspaceFolder}, and the project whose servers are
	// read from the "projects" object of Claude Code's ~/.claude.json. Empty is the current directory.
	Dir string
}

// Load reads the config file at path.
func Load(path string, opts LoadOptions) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, b, opts)
}

// Parse reads a config file's content; path names it in errors and places ${workspaceFolder}.
func Parse(path string, src []byte, opts LoadOptions) (*File, error) {
	if opts.Dir == "" {
		opts.Dir, _ = os.Getwd()
	}
	plain, err := StripJSONC(src)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var top map[string]jsontext.Value
	if err := json.Unmarshal(plain, &top); err != nil {
		return nil, fmt.Errorf("%s: not a JSON object: %w", path, err)
	}
	f := &File{Path: path, WorkspaceFolder: workspaceOf(path, opts.Dir)}
	var servers, inputs jsontext.Value
	switch {
	case top["mcpServers"] != nil:
		f.Format, servers = FormatMCPServers, top["mcpServers"]
	case top["servers"] != nil:
		f.Format, servers, inputs = FormatVSCode, top["servers"], top["inputs"]
	case top["mcp"] != nil:
		var mcp map[string]jsontext.Value
		if err := json.Unmarshal(top["mcp"], &mcp); err != nil {
			return nil, fmt.Errorf("%s: \"mcp\": not an object", path)
		}
		if mcp["servers"] == nil {
			return nil, fmt.Errorf("%s: \"mcp\" has no \"servers\" object: %w", path, ErrNoServers)
		}
		f.Format, servers, inputs = FormatVSCodeSettings, mcp["servers"], mcp["inputs"]
	case top["projects"] == nil:
		return nil, fmt.Errorf("%s: %w", path, ErrNoServers)
	}
	if servers != nil {
		if f.Servers, err = parseServers(path, servers); err != nil {
			return nil, err
		}
	}
	if p := top["projects"]; p != nil { // Claude Code's ~/.claude.json: servers of one project (local scope)
		local, err := projectServers(path, p, opts.Dir)
		if err != nil {
			return nil, err
		}
		if f.Format == "" && local == nil {
			return nil, fmt.Errorf("%s: %w", path, ErrNoServers)
		}
		f.Format = FormatMCPServers
		for _, s := range local { // the local scope overrides the user scope
			if old, ok := f.Server(s.Name); ok {
				*old = s
			} else {
				f.Servers = append(f.Servers, s)
			}
		}
	}
	if inputs != nil {
		if f.Inputs, err = parseInputs(path, inputs); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// workspaceOf is the parent of the .vscode or .cursor folder holding path, else dir.
func workspaceOf(path, dir string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return dir
	}
	parent := filepath.Dir(abs)
	switch filepath.Base(parent) {
	case ".vscode", ".cursor":
		return filepath.Dir(parent)
	}
	return dir
}

// projectServers reads projects[dir].mcpServers of ~/.claude.json; nil when dir has no entry.
func projectServers(path string, projects jsontext.Value, dir string) ([]Server, error) {
	var ps map[string]struct {
		MCPServers jsontext.Value `json:"mcpServers"`
	}
	if err := json.Unmarshal(projects, &ps, json.RejectUnknownMembers(false)); err != nil {
		return nil, fmt.Errorf("%s: \"projects\": %w", path, err)
	}
	p, ok := ps[dir]
	if !ok || p.MCPServers == nil {
		return nil, nil
	}
	return parseServers(path+": projects."+strconv.Quote(dir), p.MCPServers)
}

// members returns an object's members in order.
func members(v jsontext.Value) ([]string, []jsontext.Value, error) {
	d := jsontext.NewDecoder(bytes.NewReader(v))
	tok, err := d.ReadToken()
	if err != nil {
		return nil, nil, err
	}
	if tok.Kind() != '{' {
		return nil, nil, fmt.Errorf("not an object")
	}
	var names []string
	var vals []jsontext.Value
	for d.PeekKind() != '}' {
		tok, err := d.ReadToken()
		if err != nil {
			return nil, nil, err
		}
		name := tok.String() // before the next read voids tok
		val, err := d.ReadValue()
		if err != nil {
			return nil, nil, err
		}
		names = append(names, name)
		vals = append(vals, val.Clone())
	}
	return names, vals, nil
}

// parseServers reads a server list object, in order.
func parseServers(where string, v jsontext.Value) ([]Server, error) {
	names, vals, err := members(v)
	if err != nil {
		return nil, fmt.Errorf("%s: the server list: %w", where, err)
	}
	servers := make([]Server, 0, len(names))
	for i, name := range names {
		s, err := parseServer(name, vals[i])
		if err != nil {
			return nil, fmt.Errorf("%s: server %q: %w", where, name, err)
		}
		servers = append(servers, s)
	}
	return servers, nil
}

// parseServer reads one entry. Members other than command, args, env, envFile, cwd, url, headers, type
// and transport (disabled, alwaysAllow, timeout, dev, …) belong to the hosts and are ignored.
func parseServer(name string, v jsontext.Value) (Server, error) {
	s := Server{Name: name}
	var m map[string]jsontext.Value
	if err := json.Unmarshal(v, &m); err != nil {
		return s, fmt.Errorf("not an object")
	}
	var err error
	str := func(field string, dst *string) {
		if err == nil && m[field] != nil {
			if e := json.Unmarshal(m[field], dst); e != nil {
				err = fmt.Errorf("%q: want a string, got %s", field, m[field])
			}
		}
	}
	str("command", &s.Command)
	str("cwd", &s.Cwd)
	str("url", &s.URL)
	str("envFile", &s.EnvFile)
	var typ, transport string
	str("type", &typ)
	str("transport", &transport)
	if err != nil {
		return s, err
	}
	if m["args"] != nil {
		if e := json.Unmarshal(m["args"], &s.Args); e != nil {
			return s, fmt.Errorf("\"args\": want an array of strings, got %s", m["args"])
		}
	}
	if s.Env, err = stringMap(m, "env"); err != nil {
		return s, err
	}
	if s.Headers, err = stringMap(m, "headers"); err != nil {
		return s, err
	}
	s.Gateway = m["gateway"]
	field := "type"
	if typ == "" {
		typ, field = transport, "transport"
	}
	switch typ {
	case "":
	case "stdio", "http", "sse":
		s.Type = typ
	case "streamable-http", "streamableHttp", "streamable_http":
		s.Type = "http"
	default:
		return s, fmt.Errorf("%q: unknown transport %q (want stdio, http or sse)", field, typ)
	}
	switch {
	case s.Command == "" && s.URL == "":
		return s, fmt.Errorf("neither \"command\" nor \"url\" is set")
	case s.Command != "" && s.URL != "":
		return s, fmt.Errorf("both \"command\" and \"url\" are set")
	case s.Type == "stdio" && s.Command == "":
		return s, fmt.Errorf("\"type\" is stdio but \"command\" is not set")
	case (s.Type == "http" || s.Type == "sse") && s.URL == "":
		return s, fmt.Errorf("%q is %s but \"url\" is not set", field, s.Type)
	}
	return s, nil
}

// stringMap reads m[field] as an object of strings (numbers and booleans are written out as strings).
func stringMap(m map[string]jsontext.Value, field string) (map[string]string, error) {
	if m[field] == nil {
		return nil, nil
	}
	names, vals, err := members(m[field])
	if err != nil {
		return nil, fmt.Errorf("%q: want an object, got %s", field, m[field])
	}
	out := make(map[string]string, len(names))
	for i, k := range names {
		switch vals[i].Kind() {
		case '"':
			var s string
			_ = json.Unmarshal(vals[i], &s)
			out[k] = s
		case '0', 't', 'f':
			out[k] = string(vals[i])
		default:
			return nil, fmt.Errorf("%q: %q: want a string, got %s", field, k, vals[i])
		}
	}
	return out, nil
}

// parseInputs reads VS Code's "inputs" array.
func parseInputs(path string, v jsontext.Value) ([]Input, error) {
	var raw []map[string]jsontext.Value
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, fmt.Errorf("%s: \"inputs\": want an array of objects", path)
	}
	ins := make([]Input, 0, len(raw))
	for i, m := range raw {
		var in Input
		bad := func(field, want string) error {
			return fmt.Errorf("%s: inputs[%d]: %q: want %s, got %s", path, i, field, want, m[field])
		}
		for field, dst := range map[string]*string{"type": &in.Type, "id": &in.ID, "description": &in.Description, "default": &in.Default} {
			if m[field] != nil && json.Unmarshal(m[field], dst) != nil {
				return nil, bad(field, "a string")
			}
		}
		if m["password"] != nil && json.Unmarshal(m["password"], &in.Password) != nil {
			return nil, bad("password", "true or false")
		}
		if in.ID == "" {
			return nil, fmt.Errorf("%s: inputs[%d]: no \"id\"", path, i)
		}
		switch in.Type {
		case "promptString":
		case "pickString":
			opts, err := pickOptions(m["options"])
			if err != nil || len(opts) == 0 {
				return nil, fmt.Errorf("%s: input %q: pickString needs \"options\" (strings or {\"label\", \"value\"} objects)", path, in.ID)
			}
			in.Options = opts
		case "command":
			// VS Code runs an editor command for it: kept, and refused when a server uses it
		default:
			return nil, fmt.Errorf("%s: input %q: unknown \"type\" %q (want promptString or pickString)", path, in.ID, in.Type)
		}
		ins = append(ins, in)
	}
	return ins, nil
}

func pickOptions(v jsontext.Value) ([]string, error) {
	if v == nil {
		return nil, nil
	}
	var raw []jsontext.Value
	if err := json.Unmarshal(v, &raw); err != nil {
		return nil, err
	}
	opts := make([]string, 0, len(raw))
	for _, o := range raw {
		var s string
		if json.Unmarshal(o, &s) == nil {
			opts = append(opts, s)
			continue
		}
		var lv struct {
			Value string `json:"value"`
		}
		if err := json.Unmarshal(o, &lv); err != nil || strings.TrimSpace(lv.Value) == "" {
			return nil, fmt.Errorf("bad option %s", o)
		}
		opts = append(opts, lv.Value)
	}
	return opts, nil
}
