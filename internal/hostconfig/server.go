package hostconfig

import (
	"net/url"
	"strings"

	"github.com/go-json-experiment/json/jsontext"
)

// Server is one server entry of a config file. Load keeps its strings as written; Resolve returns a
// copy with the variables substituted.
type Server struct {
	// Name is the entry's key.
	Name string
	// Type is the transport the entry names: "stdio", "http" or "sse" ("streamable-http" and
	// "streamableHttp" read as "http"), or "" when it names none.
	Type string
	// Command, Args, Env, EnvFile and Cwd start a stdio server. EnvFile (VS Code) is a file of
	// KEY=VALUE lines; Env overrides it.
	Command string
	Args    []string
	Env     map[string]string
	EnvFile string
	Cwd     string
	// URL and Headers reach an HTTP server.
	URL     string
	Headers map[string]string
	// Gateway is the entry's "gateway" member as written (nil when absent): `mcpkit gateway`'s settings
	// for this server (docs/GATEWAY.md); hosts ignore it. Resolve substitutes nothing in it.
	Gateway jsontext.Value
}

// Transport returns the transport the server uses: its Type; without one, "stdio" for a command, and
// for a URL "sse" when its path ends in /sse, else "http".
func (s *Server) Transport() string {
	switch {
	case s.Type != "":
		return s.Type
	case s.URL == "":
		return "stdio"
	}
	if u, err := url.Parse(s.URL); err == nil && strings.HasSuffix(strings.TrimRight(u.Path, "/"), "/sse") {
		return "sse"
	}
	return "http"
}

// Input is one entry of a VS Code file's "inputs": a value asked of the user when ${input:ID} is used.
type Input struct {
	// Type is "promptString" (free text) or "pickString" (one of Options).
	Type        string
	ID          string
	Description string
	// Password hides what is typed (promptString).
	Password bool
	Default  string
	// Options are the choices of a pickString.
	Options []string
}

// Format is the shape of a config file.
type Format string

// The formats Load reads.
const (
	// FormatMCPServers is Claude Desktop's, Claude Code's and Cursor's {"mcpServers": {…}}.
	FormatMCPServers Format = "mcpServers"
	// FormatVSCode is VS Code's mcp.json: {"servers": {…}, "inputs": […]}.
	FormatVSCode Format = "servers"
	// FormatVSCodeSettings is VS Code's settings.json: {"mcp": {"servers": {…}, "inputs": […]}}.
	FormatVSCodeSettings Format = "mcp.servers"
)

// File is what one config file holds.
type File struct {
	Path   string
	Format Format
	// Servers are in the order the file lists them.
	Servers []Server
	Inputs  []Input
	// WorkspaceFolder is the folder ${workspaceFolder} names: the parent of a .vscode or .cursor folder
	// holding the file, else the directory the file was loaded for (LoadOptions.Dir).
	WorkspaceFolder string
}

// Server returns the server called name.
func (f *File) Server(name string) (*Server, bool) {
	for i := range f.Servers {
		if f.Servers[i].Name == name {
			return &f.Servers[i], true
		}
	}
	return nil, false
}

// Names lists the servers' names in file order.
func (f *File) Names() []string {
	names := make([]string, len(f.Servers))
	for i, s := range f.Servers {
		names[i] = s.Name
	}
	return names
}
