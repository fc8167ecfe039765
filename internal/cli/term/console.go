package term

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/mcpkit/mcpkit/mcp"
)

// Console writes to a verb's stderr: progress as a bar redrawn in place on a terminal (or a plain line
// per update elsewhere), and every other line after erasing the bar, which is drawn again at the next
// update. It is safe for concurrent use; it implements io.Writer for the traffic trace and the forms.
type Console struct {
	mu    sync.Mutex
	w     io.Writer
	bar   bool // draw bars: w is a terminal and progress is wanted as a bar
	quiet bool // print no progress at all
	width int
	shown bool // a bar is on the screen now
}

// ConsoleOptions configure a Console. The zero value prints plain progress lines.
type ConsoleOptions struct {
	// Bar draws progress as a bar redrawn in place (set it only when the writer is a terminal).
	Bar bool
	// Quiet prints no progress at all.
	Quiet bool
	// Width is the terminal's width; 0 means 80.
	Width int
}

// NewConsole returns a Console writing to w.
func NewConsole(w io.Writer, o ConsoleOptions) *Console {
	if o.Width <= 0 {
		o.Width = 80
	}
	return &Console{w: w, bar: o.Bar, quiet: o.Quiet, width: o.Width}
}

// Write erases the bar and writes p.
func (c *Console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.erase()
	return c.w.Write(p)
}

// Printf erases the bar and prints.
func (c *Console) Printf(format string, args ...any) {
	fmt.Fprintf(c, format, args...)
}

// Clear erases the bar, if one is shown: call it before the verb ends or prints its result.
func (c *Console) Clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.erase()
}

func (c *Console) erase() {
	if c.shown {
		io.WriteString(c.w, "\r\x1b[K")
		c.shown = false
	}
}

// Progress shows a progress notification: the bar redrawn, or a line "progress 3/10 30% message".
func (c *Console) Progress(p *mcp.ProgressParams) {
	if c.quiet {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.bar {
		fmt.Fprintf(c.w, "progress %s\n", ProgressText(p))
		return
	}
	io.WriteString(c.w, "\r\x1b[K"+Bar(p, c.width-1))
	c.shown = true
}

// ProgressText is a progress notification in words: "3/10 30% message", or "3 message" with no total.
func ProgressText(p *mcp.ProgressParams) string {
	var b strings.Builder
	if p.Total != nil && *p.Total > 0 {
		fmt.Fprintf(&b, "%s/%s %d%%", num(p.Progress), num(*p.Total), percent(p))
	} else {
		b.WriteString(num(p.Progress))
	}
	if p.Message != "" {
		b.WriteString(" " + p.Message)
	}
	return b.String()
}

// barCells is the width of the bar itself.
const barCells = 30

// Bar draws a progress notification in at most width columns: "[#########.....................]  30%
// 3/10 message" with a total, "[  <=>  ] 3 message" (a marker that moves with the progress) without one.
func Bar(p *mcp.ProgressParams, width int) string {
	var s string
	if p.Total != nil && *p.Total > 0 {
		full := int(float64(barCells) * min(p.Progress / *p.Total, 1))
		s = fmt.Sprintf("[%s%s] %3d%% %s/%s", strings.Repeat("#", full), strings.Repeat(".", barCells-full),
			percent(p), num(p.Progress), num(*p.Total))
	} else {
		pos := int(p.Progress) % (barCells - 2)
		s = fmt.Sprintf("[%s<=>%s] %s", strings.Repeat(" ", pos), strings.Repeat(" ", barCells-3-pos), num(p.Progress))
	}
	if p.Message != "" {
		s += " " + p.Message
	}
	return clip(s, width)
}

func percent(p *mcp.ProgressParams) int {
	return int(100 * min(p.Progress / *p.Total, 1))
}

func num(f float64) string {
	if f == float64(int64(f)) {
		return fmt.Sprintf("%d", int64(f))
	}
	return fmt.Sprintf("%g", f)
}

// clip cuts s to width runes (a control character or newline in a message would break the bar: they
// become spaces).
func clip(s string, width int) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if width > 0 && utf8.RuneCountInString(s) > width {
		r := []rune(s)
		return string(r[:width-1]) + "…"
	}
	return s
}
