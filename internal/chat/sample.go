package chat

import (
	"context"
	"fmt"
	"strings"

	"github.com/openai/openai-go/v3"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

// codeUserRejected is the JSON-RPC error code of a sampling request the user refused (the spec's
// example uses -1).
const codeUserRejected = -1

// sample answers server's sampling request with the chat's model, once Options.Approve agrees. It is a
// separate, text-only exchange: the conversation's history is neither sent nor changed. Requests with
// tools, or with content other than text, are refused with an error.
func (c *Chat) sample(ctx context.Context, server string, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	refuse := func(why string) error {
		c.emit(Event{Kind: EventSampling, Server: server, Text: why, IsError: true})
		return &jsonrpc.Error{Code: codeUserRejected, Message: why}
	}
	if len(p.Tools) > 0 {
		return nil, refuse("sampling with tools is not supported by mcpkit chat")
	}
	var msgs []openai.ChatCompletionMessageParamUnion
	if p.SystemPrompt != "" {
		msgs = append(msgs, openai.SystemMessage(p.SystemPrompt))
	}
	for i, m := range p.Messages {
		var parts []string
		for _, b := range m.Content.Blocks {
			if b.Type != mcp.ContentTypeText {
				return nil, refuse(fmt.Sprintf("sampling message %d has %s content: mcpkit chat sends text only", i+1, b.Type))
			}
			parts = append(parts, b.Text)
		}
		text := strings.Join(parts, "\n")
		if m.Role == mcp.RoleAssistant {
			msgs = append(msgs, openai.AssistantMessage(text))
		} else {
			msgs = append(msgs, openai.UserMessage(text))
		}
	}
	ok := false
	if c.opts.Approve != nil {
		var err error
		if ok, err = c.opts.Approve(ctx, server, p); err != nil {
			return nil, err
		}
	}
	if !ok {
		return nil, refuse("the user declined the sampling request")
	}
	params := openai.ChatCompletionNewParams{Model: c.opts.Model, Messages: msgs}
	if p.MaxTokens > 0 {
		params.MaxTokens = openai.Int(p.MaxTokens)
	}
	if p.Temperature != nil {
		params.Temperature = openai.Float(*p.Temperature)
	}
	if len(p.StopSequences) > 0 {
		params.Stop = openai.ChatCompletionNewParamsStopUnion{OfStringArray: p.StopSequences}
	}
	comp, err := c.client.Chat.Completions.New(ctx, params)
	if err != nil {
		c.emit(Event{Kind: EventSampling, Server: server, Text: err.Error(), IsError: true})
		return nil, fmt.Errorf("the model: %w", err)
	}
	if len(comp.Choices) == 0 {
		return nil, refuse("the model's answer has no choices")
	}
	ch := comp.Choices[0]
	model := comp.Model
	if model == "" {
		model = c.opts.Model
	}
	c.emit(Event{Kind: EventSampling, Server: server, Text: ch.Message.Content})
	return &mcp.CreateMessageResult{
		Role:       mcp.RoleAssistant,
		Content:    mcp.SamplingBlock(mcp.TextContent(ch.Message.Content)),
		Model:      model,
		StopReason: stopReason(ch.FinishReason),
	}, nil
}

// stopReason maps a chat completion's finish_reason to MCP's stopReason.
func stopReason(finish string) string {
	switch finish {
	case "stop":
		return mcp.StopReasonEndTurn
	case "length":
		return mcp.StopReasonMaxTokens
	case "tool_calls", "function_call":
		return mcp.StopReasonToolUse
	}
	return finish
}
