package llm

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

// Client is an OpenAI-compatible chat completions endpoint.
type Client struct {
	// BaseURL is the API's base, such as http://127.0.0.1:11434/v1; /chat/completions is appended.
	BaseURL string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// Model names the model to ask.
	Model string
	// HTTPClient sends the requests; nil uses one with a 2-minute timeout.
	HTTPClient *http.Client
}

// chatMessage is one message of a chat completions request or response.
type chatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

type chatRequest struct {
	Model       string        `json:"model"`
	Messages    []chatMessage `json:"messages"`
	MaxTokens   int64         `json:"max_tokens,omitzero"`
	Temperature *float64      `json:"temperature,omitzero"`
	Stop        []string      `json:"stop,omitzero"`
}

type chatResponse struct {
	Model   string `json:"model"`
	Choices []struct {
		Message      chatMessage `json:"message"`
		FinishReason string      `json:"finish_reason"`
	} `json:"choices"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// maxResponse bounds the response body read.
const maxResponse = 8 << 20

// Sample answers one sampling request.
func (c *Client) Sample(ctx context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	if len(p.Tools) > 0 {
		return nil, fmt.Errorf("sampling with tools is not supported by mcpkit's --llm-base-url client")
	}
	req := chatRequest{Model: c.Model, MaxTokens: p.MaxTokens, Temperature: p.Temperature, Stop: p.StopSequences}
	if p.SystemPrompt != "" {
		req.Messages = append(req.Messages, chatMessage{Role: "system", Content: p.SystemPrompt})
	}
	for i, m := range p.Messages {
		text, err := textOf(m.Content)
		if err != nil {
			return nil, fmt.Errorf("sampling message %d: %w", i+1, err)
		}
		req.Messages = append(req.Messages, chatMessage{Role: string(m.Role), Content: text})
	}
	body, err := json.Marshal(req)
	if err != nil {
		return nil, err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.BaseURL, "/")+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("--llm-base-url: %w", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if c.APIKey != "" {
		hr.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 2 * time.Minute}
	}
	resp, err := hc.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("the LLM endpoint: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("the LLM endpoint: reading the answer: %w", err)
	}
	var cr chatResponse
	jerr := json.Unmarshal(raw, &cr, json.RejectUnknownMembers(false))
	if resp.StatusCode != http.StatusOK {
		msg := strings.TrimSpace(string(raw))
		if jerr == nil && cr.Error != nil && cr.Error.Message != "" {
			msg = cr.Error.Message
		}
		if len(msg) > 300 {
			msg = msg[:300] + "…"
		}
		return nil, fmt.Errorf("the LLM endpoint answered %s: %s", resp.Status, msg)
	}
	if jerr != nil {
		return nil, fmt.Errorf("the LLM endpoint's answer is not a chat completion: %w", jerr)
	}
	if len(cr.Choices) == 0 {
		return nil, fmt.Errorf("the LLM endpoint's answer has no choices")
	}
	ch := cr.Choices[0]
	model := cr.Model
	if model == "" {
		model = c.Model
	}
	return &mcp.CreateMessageResult{
		Role:       mcp.RoleAssistant,
		Content:    mcp.SamplingBlock(mcp.TextContent(ch.Message.Content)),
		Model:      model,
		StopReason: stopReason(ch.FinishReason),
	}, nil
}

// textOf joins a message's text blocks; any other block is refused.
func textOf(c mcp.SamplingContent) (string, error) {
	var parts []string
	for _, b := range c.Blocks {
		if b.Type != mcp.ContentTypeText {
			return "", fmt.Errorf("%s content is not supported by mcpkit's --llm-base-url client (text only)", b.Type)
		}
		parts = append(parts, b.Text)
	}
	return strings.Join(parts, "\n"), nil
}

// stopReason maps a chat completion's finish_reason to MCP's.
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
