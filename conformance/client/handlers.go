package main

import (
	"context"
	"fmt"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// fixtureOptions are the session options of every scenario: a client that answers whatever the server
// asks (elicitation/create during a legacy call, the input requests of a 2026-07-28 input_required result,
// sampling/createMessage, roots/list), and so declares the elicitation, sampling and roots capabilities.
func fixtureOptions() *client.Options {
	return &client.Options{
		OnElicit: acceptWithDefaults,
		OnSample: cannedSample,
		Roots:    []mcp.Root{},
	}
}

// acceptWithDefaults accepts an elicitation as a user would who submits a form pre-filled with the
// requested schema's defaults (SEP-1034): the content holds the default of every property that has one.
func acceptWithDefaults(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if p.Mode == "url" {
		return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
	}
	content, err := schemaDefaults(p.RequestedSchema)
	if err != nil {
		return nil, fmt.Errorf("requestedSchema: %w", err)
	}
	return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: content}, nil
}

// cannedSample answers a sampling request with a fixed assistant message: no scenario of the pinned suite
// scores the reply's text.
func cannedSample(context.Context, *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	return &mcp.CreateMessageResult{
		Role:       mcp.RoleAssistant,
		Content:    mcp.SamplingBlock(mcp.TextContent("This is a reply from the mcpkit conformance client.")),
		Model:      "mcpkit-conformance",
		StopReason: mcp.StopReasonEndTurn,
	}, nil
}
