package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// Sample asks the client's LLM for a message (sampling/createMessage): messages, model preferences, a
// system prompt, maxTokens, stop sequences, and tools with toolChoice when the client declares
// sampling.tools. It works in both eras: see Ask and ErrInputRequired.
func Sample(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if p == nil || len(p.Messages) == 0 {
		return nil, errors.New("mcp: Sample needs at least one message")
	}
	if p.MaxTokens <= 0 {
		return nil, errors.New("mcp: Sample needs maxTokens > 0")
	}
	raw, err := Ask(ctx, SamplingInput("", p))
	if err != nil {
		return nil, err
	}
	var res mcp.CreateMessageResult
	if err := json.Unmarshal(raw[0], &res); err != nil {
		return nil, fmt.Errorf("mcp: decoding sampling result: %w", err)
	}
	return &res, nil
}

// SampleText is Sample with one user message of text; it returns the text of the reply (empty when the
// reply is not text).
func SampleText(ctx context.Context, prompt string, maxTokens int64) (string, error) {
	res, err := Sample(ctx, &mcp.CreateMessageParams{
		Messages:  []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.SamplingBlock(mcp.TextContent(prompt))}},
		MaxTokens: maxTokens,
	})
	if err != nil {
		return "", err
	}
	for _, b := range res.Content.Blocks {
		if b.Type == mcp.ContentTypeText {
			return b.Text, nil
		}
	}
	return "", nil
}

// Roots asks the client for its roots (roots/list). It works in both eras: see Ask and ErrInputRequired.
func Roots(ctx context.Context) ([]mcp.Root, error) {
	raw, err := Ask(ctx, RootsInput(""))
	if err != nil {
		return nil, err
	}
	var res mcp.ListRootsResult
	if err := json.Unmarshal(raw[0], &res); err != nil {
		return nil, fmt.Errorf("mcp: decoding roots: %w", err)
	}
	return res.Roots, nil
}
