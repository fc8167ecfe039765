package hostconfig

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestLocations(t *testing.T) {
	paths := func(p Place) string {
		var out []string
		for _, l := range Locations(p) {
			out = append(out, l.Host+"|"+l.Scope+"|"+filepath.ToSlash(l.Path))
		}
		return strings.Join(out, "\n")
	}
	base := "Claude Code|project|/p/.mcp.json\nCursor|project|/p/.cursor/mcp.json\nVS Code|project|/p/.vscode/mcp.json\nVS Code|project|/p/.vscode/settings.json\nClaude Code|user|/h/.claude.json\n"
	for goos, want := range map[string]string{
		"linux":   base + "Claude Desktop|user|/h/.config/Claude/claude_desktop_config.json\nCursor|user|/h/.cursor/mcp.json\nVS Code|user|/h/.config/Code/User/mcp.json\nVS Code|user|/h/.config/Code/User/settings.json",
		"darwin":  base + "Claude Desktop|user|/h/Library/Application Support/Claude/claude_desktop_config.json\nCursor|user|/h/.cursor/mcp.json\nVS Code|user|/h/Library/Application Support/Code/User/mcp.json\nVS Code|user|/h/Library/Application Support/Code/User/settings.json",
		"windows": base + "Claude Desktop|user|/ad/Claude/claude_desktop_config.json\nCursor|user|/h/.cursor/mcp.json\nVS Code|user|/ad/Code/User/mcp.json\nVS Code|user|/ad/Code/User/settings.json",
	} {
		if got := paths(Place{GOOS: goos, Home: "/h", Dir: "/p", AppData: "/ad", ConfigHome: "/h/.config"}); got != want {
			t.Errorf("%s:\n%s\nwant\n%s", goos, got, want)
		}
	}
	if got := paths(Place{GOOS: "linux", Home: "/h", Dir: "/p", ConfigHome: "/xdg"}); !strings.Contains(got, "/xdg/Claude/claude_desktop_config.json") || !strings.Contains(got, "/xdg/Code/User/mcp.json") {
		t.Errorf("XDG_CONFIG_HOME not honoured:\n%s", got)
	}
}

// TestFind: a project file is searched before the user files; files without servers are skipped; a
// broken file is reported when the name is found nowhere.
func TestFind(t *testing.T) {
	home, proj := t.TempDir(), t.TempDir()
	place := Place{GOOS: "linux", Home: home, Dir: proj}
	write(t, proj, ".vscode/settings.json", `{"editor.tabSize": 2}`)
	write(t, proj, ".mcp.json", `{"mcpServers": {"shared": {"command": "from-project"}}}`)
	write(t, home, ".claude.json", `{"mcpServers": {"shared": {"command": "from-user"}, "mine": {"command": "m"}}}`)
	write(t, home, ".cursor/mcp.json", `{"mcpServers": {"bad": {"command": 1}}}`)
	f, err := Find(place, "shared")
	if err != nil || f.Path != filepath.Join(proj, ".mcp.json") {
		t.Errorf("shared: %v %v", f, err)
	}
	if f, err := Find(place, "mine"); err != nil || f.Path != filepath.Join(home, ".claude.json") {
		t.Errorf("mine: %v %v", f, err)
	}
	_, err = Find(place, "absent")
	if err == nil || !strings.Contains(err.Error(), `no server "absent" in the usual config files (searched `+filepath.Join(proj, ".mcp.json")+", "+filepath.Join(home, ".claude.json")+")") ||
		!strings.Contains(err.Error(), `unreadable: `+filepath.Join(home, ".cursor", "mcp.json")+`: server "bad"`) {
		t.Errorf("err = %v", err)
	}
	found := Discover(place)
	if len(found) != 3 || found[2].Err == nil {
		t.Errorf("Discover: %+v", found)
	}
	if _, err := Find(Place{GOOS: "linux", Home: t.TempDir(), Dir: t.TempDir()}, "x"); err == nil || !strings.Contains(err.Error(), "none found with servers") {
		t.Errorf("err = %v", err)
	}
}
