package term

import (
	"strings"
	"testing"

	"github.com/mcpkit/mcpkit/mcp"
)

func total(f float64) *float64 { return &f }

func TestBar(t *testing.T) {
	for _, tc := range []struct {
		p     mcp.ProgressParams
		width int
		want  string
	}{
		{mcp.ProgressParams{Progress: 3, Total: total(10), Message: "3/10"}, 80, "[#########.....................]  30% 3/10 3/10"},
		{mcp.ProgressParams{Progress: 10, Total: total(10)}, 80, "[##############################] 100% 10/10"},
		{mcp.ProgressParams{Progress: 12, Total: total(10)}, 80, "[##############################] 100% 12/10"},
		{mcp.ProgressParams{Progress: 0.5, Total: total(2)}, 80, "[#######.......................]  25% 0.5/2"},
		{mcp.ProgressParams{Progress: 2}, 80, "[  <=>                         ] 2"},
		{mcp.ProgressParams{Progress: 1, Total: total(4), Message: "a very long message\nwith a newline"}, 50, "[#######.......................]  25% 1/4 a very …"},
	} {
		if got := Bar(&tc.p, tc.width); got != tc.want {
			t.Errorf("Bar(%+v, %d) =\n%q, want\n%q", tc.p, tc.width, got, tc.want)
		}
	}
}

// TestConsoleBar: on a terminal the bar is redrawn in place, and a line written between two updates
// erases it first, so lines never end up behind a bar.
func TestConsoleBar(t *testing.T) {
	var b strings.Builder
	c := NewConsole(&b, ConsoleOptions{Bar: true, Width: 80})
	c.Progress(&mcp.ProgressParams{Progress: 1, Total: total(2)})
	c.Printf("[info] half way\n")
	c.Progress(&mcp.ProgressParams{Progress: 2, Total: total(2)})
	c.Clear()
	c.Clear() // nothing shown: nothing erased
	want := "\r\x1b[K[###############...............]  50% 1/2" +
		"\r\x1b[K[info] half way\n" +
		"\r\x1b[K[##############################] 100% 2/2" +
		"\r\x1b[K"
	if b.String() != want {
		t.Errorf("console wrote\n%q, want\n%q", b.String(), want)
	}
}

func TestConsoleLines(t *testing.T) {
	var b strings.Builder
	c := NewConsole(&b, ConsoleOptions{})
	c.Progress(&mcp.ProgressParams{Progress: 1, Total: total(3), Message: "file 1/3"})
	c.Progress(&mcp.ProgressParams{Progress: 7})
	c.Clear()
	if want := "progress 1/3 33% file 1/3\nprogress 7\n"; b.String() != want {
		t.Errorf("console wrote %q, want %q", b.String(), want)
	}
	b.Reset()
	NewConsole(&b, ConsoleOptions{Quiet: true}).Progress(&mcp.ProgressParams{Progress: 1})
	if b.Len() != 0 {
		t.Errorf("quiet console wrote %q", b.String())
	}
}
