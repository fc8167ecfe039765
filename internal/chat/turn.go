package chat

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
	"github.com/openai/openai-go/v3"
)

// ErrMaxRounds is returned (wrapped) by Send when the model still asks for tools after
// Options.MaxRounds rounds.
var ErrMaxRounds = errors.New("the model still asks for tools")

// Send runs one turn: text goes to the model with the history and the tools; its tool calls run and
// their results go back to it until it answers without tool calls, which Send returns. After
// Options.MaxRounds model calls it stops with an error wrapping ErrMaxRounds; the history keeps what
// was said, so the next message continues the conversation. A failed model call leaves the history as
// it was before the turn.
func (c *Chat) Send(ctx context.Context, text string) (string, error) {
	c.turn.Lock()
	defer c.turn.Unlock()
	before := len(c.history)
	c.history = append(c.history, openai.UserMessage(text))
	answer, err := c.rounds(ctx)
	if err != nil {
		if !errors.Is(err, ErrMaxRounds) {
			c.history = c.history[:before]
		}
		c.emit(Event{Kind: EventError, Text: err.Error()})
		return "", err
	}
	c.emit(Event{Kind: EventAnswer, Text: answer})
	return answer, nil
}

// rounds calls the model until it answers, at most MaxRounds times.
func (c *Chat) rounds(ctx context.Context) (string, error) {
	tools := c.modelTools()
	for range c.opts.MaxRounds {
		comp, err := c.client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
			Model:    c.opts.Model,
			Messages: c.history,
			Tools:    tools,
		})
		if err != nil {
			return "", fmt.Errorf("the model: %w", err)
		}
		if len(comp.Choices) == 0 {
			return "", errors.New("the model's answer has no choices")
		}
		msg := comp.Choices[0].Message
		c.history = append(c.history, msg.ToParam())
		if len(msg.ToolCalls) == 0 {
			return msg.Content, nil
		}
		results := c.runCalls(ctx, msg.ToolCalls)
		for i, tc := range msg.ToolCalls {
			c.history = append(c.history, openai.ToolMessage(results[i], tc.ID))
		}
	}
	return "", fmt.Errorf("%w after %d rounds (--max-rounds %d): the turn is stopped; say how to go on, or raise --max-rounds",
		ErrMaxRounds, c.opts.MaxRounds, c.opts.MaxRounds)
}

// runCalls runs the model's tool calls in parallel and returns what the model is told of each.
func (c *Chat) runCalls(ctx context.Context, calls []openai.ChatCompletionMessageToolCallUnion) []string {
	results := make([]string, len(calls))
	var wg sync.WaitGroup
	for i, tc := range calls {
		wg.Go(func() { results[i] = c.runCall(ctx, tc) })
	}
	wg.Wait()
	return results
}

// runCall runs one tool call on the server that owns it. Every failure becomes text for the model: an
// unknown tool, arguments that are not a JSON object, a protocol error, an isError result.
func (c *Chat) runCall(ctx context.Context, tc openai.ChatCompletionMessageToolCallUnion) string {
	name, args := tc.Function.Name, tc.Function.Arguments
	if tc.Type == "custom" {
		name, args = tc.Custom.Name, tc.Custom.Input
	}
	c.mu.Lock()
	t, ok := c.byName[name]
	var sess *Server
	for _, s := range c.servers {
		if ok && s.Name == t.Server {
			sess = s
		}
	}
	c.mu.Unlock()
	c.emit(Event{Kind: EventToolCall, ID: tc.ID, Name: name, Server: t.Server, Tool: t.Tool.Name, Args: args})
	fail := func(msg string) string {
		c.emit(Event{Kind: EventToolResult, ID: tc.ID, Name: name, Text: msg, IsError: true})
		return msg
	}
	if !ok || sess == nil {
		return fail(fmt.Sprintf("Error: there is no tool named %q", name))
	}
	if args == "" {
		args = "{}"
	}
	v := jsontext.Value(args)
	if !v.IsValid() || v.Kind() != '{' {
		return fail(fmt.Sprintf("Error: the arguments of %s are not a JSON object: %s", name, args))
	}
	res, err := sess.Session.CallTool(ctx, t.Tool.Name, v)
	if err != nil {
		return fail(fmt.Sprintf("Error: calling %s on %s failed: %v", t.Tool.Name, t.Server, err))
	}
	text := ResultText(res)
	c.emit(Event{Kind: EventToolResult, ID: tc.ID, Name: name, Server: t.Server, Tool: t.Tool.Name, Text: text, IsError: res.IsError})
	return text
}
