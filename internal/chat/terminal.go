package chat

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/mcp"
)

// Terminal is the chat's prompt: it reads the user's messages and commands (/tools, /quit) line by
// line, prints the tool calls as they happen and the model's answers, and asks the user about sampling
// requests (y/n) and elicitation forms (package ask) on the same input.
type Terminal struct {
	// In is the user's input; Out where everything is printed.
	In  *ask.Lines
	Out io.Writer
	// Prompt is printed before each message is read; empty is "> ".
	Prompt string

	mu sync.Mutex // one question to the user at a time, and one printer
}

// Options returns o with the terminal's OnEvent, Approve and Elicit.
func (t *Terminal) Options(o Options) Options {
	o.OnEvent, o.Approve, o.Elicit = t.OnEvent, t.Approve, t.Elicit
	return o
}

// Short is the longest result text printed on one line; longer results are cut with "…".
const Short = 160

// short returns s on one line, at most n bytes long (cut on a rune boundary).
func short(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) <= n {
		return s
	}
	for n > 0 && !isRuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// OnEvent prints the tool calls and their results, and the sampling requests answered.
func (t *Terminal) OnEvent(e Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch e.Kind {
	case EventToolCall:
		fmt.Fprintf(t.Out, "  → %s %s\n", e.Name, short(e.Args, Short))
	case EventToolResult:
		mark := "←"
		if e.IsError {
			mark = "← ✗"
		}
		fmt.Fprintf(t.Out, "  %s %s: %s\n", mark, e.Name, short(e.Text, Short))
	case EventSampling:
		if e.IsError {
			fmt.Fprintf(t.Out, "  (sampling for %s refused: %s)\n", e.Server, e.Text)
		} else {
			fmt.Fprintf(t.Out, "  (sampling for %s answered: %s)\n", e.Server, short(e.Text, Short))
		}
	}
}

// Approve shows a server's sampling request and asks whether the model may answer it.
func (t *Terminal) Approve(ctx context.Context, server string, p *mcp.CreateMessageParams) (bool, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.Out, "\nThe server %s asks the model (sampling, up to %d tokens):\n", server, p.MaxTokens)
	if p.SystemPrompt != "" {
		fmt.Fprintf(t.Out, "  system: %s\n", short(p.SystemPrompt, 400))
	}
	for _, m := range p.Messages {
		var parts []string
		for _, b := range m.Content.Blocks {
			parts = append(parts, blockText(b))
		}
		fmt.Fprintf(t.Out, "  %s: %s\n", m.Role, short(strings.Join(parts, " "), 400))
	}
	for {
		fmt.Fprint(t.Out, "Send it to the model? [y/n]: ")
		s, err := t.In.Line(ctx)
		if errors.Is(err, io.EOF) {
			fmt.Fprintln(t.Out)
			return false, nil
		}
		if err != nil {
			return false, err
		}
		switch strings.ToLower(strings.TrimSpace(s)) {
		case "y", "yes":
			return true, nil
		case "n", "no":
			return false, nil
		}
	}
}

// Elicit asks the user the server's form (or URL) on the terminal.
func (t *Terminal) Elicit(ctx context.Context, server string, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.Out, "\n(%s asks)", server)
	a := &ask.Asker{In: t.In, Out: t.Out, Interactive: true}
	return a.Elicit(ctx, p)
}

// Run is the prompt: it reads a line, runs it as a turn of c (or a command) and prints the answer,
// until /quit, the end of the input or ctx ends. A failed turn is printed and the prompt goes on.
func (t *Terminal) Run(ctx context.Context, c *Chat) error {
	prompt := t.Prompt
	if prompt == "" {
		prompt = "> "
	}
	t.printf("mcpkit chat: %d servers, %d tools. /tools lists them, /quit ends.\n", len(c.Servers()), len(c.Tools()))
	for {
		t.printf("%s", prompt)
		line, err := t.In.Line(ctx)
		if errors.Is(err, io.EOF) {
			t.printf("\n")
			return nil
		}
		if err != nil {
			return err
		}
		line = strings.TrimSpace(line)
		switch {
		case line == "":
			continue
		case line == "/quit" || line == "/exit":
			return nil
		case line == "/tools":
			t.listTools(c)
			continue
		case strings.HasPrefix(line, "/"):
			t.printf("unknown command %s: /tools lists the tools, /quit ends\n", line)
			continue
		}
		answer, err := c.Send(ctx, line)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			t.printf("mcpkit chat: %v\n", err)
			continue
		}
		t.printf("%s\n", answer)
	}
}

// listTools prints the tools server by server.
func (t *Terminal) listTools(c *Chat) {
	tools := c.Tools()
	for _, s := range c.Servers() {
		t.printf("%s:\n", s.Name)
		for _, tl := range tools {
			if tl.Server == s.Name {
				t.printf("  %-40s %s\n", tl.Name, short(tl.Tool.Description, 80))
			}
		}
	}
}

func (t *Terminal) printf(format string, args ...any) {
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.Out, format, args...)
}
