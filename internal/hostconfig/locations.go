package hostconfig

import (
	"os"
	"path/filepath"
	"runtime"
)

// Location is a file a host reads its MCP servers from.
type Location struct {
	// Host is the application: "Claude Desktop", "Claude Code", "Cursor" or "VS Code".
	Host string
	// Scope is "project" (under the project directory) or "user".
	Scope string
	Path  string
}

// Place says where to look. The zero value is this process's: its OS, home, current directory and
// environment.
type Place struct {
	GOOS string
	Home string
	// Dir is the project directory.
	Dir string
	// AppData is Windows' %APPDATA%; ConfigHome is $XDG_CONFIG_HOME (default Home/.config).
	AppData, ConfigHome string
}

func (p Place) withDefaults() Place {
	if p.GOOS == "" {
		p.GOOS = runtime.GOOS
	}
	if p.Home == "" {
		p.Home, _ = os.UserHomeDir()
	}
	if p.Dir == "" {
		p.Dir, _ = os.Getwd()
	}
	if p.AppData == "" {
		p.AppData = os.Getenv("APPDATA")
	}
	if p.ConfigHome == "" {
		p.ConfigHome = os.Getenv("XDG_CONFIG_HOME")
	}
	if p.ConfigHome == "" {
		p.ConfigHome = filepath.Join(p.Home, ".config")
	}
	if p.AppData == "" {
		p.AppData = filepath.Join(p.Home, "AppData", "Roaming")
	}
	return p
}

// Locations lists the files hosts read, project files first, in the order a server name is looked up:
//
//	project  ./.mcp.json (Claude Code), ./.cursor/mcp.json (Cursor), ./.vscode/mcp.json and
//	         ./.vscode/settings.json (VS Code)
//	user     ~/.claude.json (Claude Code: user servers, and the local ones of this project),
//	         Claude Desktop's claude_desktop_config.json, ~/.cursor/mcp.json (Cursor), and VS Code's
//	         user mcp.json and settings.json
//
// The user folders of Claude Desktop and VS Code are, on macOS, ~/Library/Application Support/Claude
// and …/Code/User; on Windows %APPDATA%\Claude and %APPDATA%\Code\User; elsewhere
// $XDG_CONFIG_HOME/Claude and $XDG_CONFIG_HOME/Code/User ($XDG_CONFIG_HOME defaults to ~/.config).
func Locations(p Place) []Location {
	p = p.withDefaults()
	var appSupport string // the folder holding Claude's and Code's user folders
	switch p.GOOS {
	case "darwin":
		appSupport = filepath.Join(p.Home, "Library", "Application Support")
	case "windows":
		appSupport = p.AppData
	default:
		appSupport = p.ConfigHome
	}
	codeUser := filepath.Join(appSupport, "Code", "User")
	return []Location{
		{"Claude Code", "project", filepath.Join(p.Dir, ".mcp.json")},
		{"Cursor", "project", filepath.Join(p.Dir, ".cursor", "mcp.json")},
		{"VS Code", "project", filepath.Join(p.Dir, ".vscode", "mcp.json")},
		{"VS Code", "project", filepath.Join(p.Dir, ".vscode", "settings.json")},
		{"Claude Code", "user", filepath.Join(p.Home, ".claude.json")},
		{"Claude Desktop", "user", filepath.Join(appSupport, "Claude", "claude_desktop_config.json")},
		{"Cursor", "user", filepath.Join(p.Home, ".cursor", "mcp.json")},
		{"VS Code", "user", filepath.Join(codeUser, "mcp.json")},
		{"VS Code", "user", filepath.Join(codeUser, "settings.json")},
	}
}
