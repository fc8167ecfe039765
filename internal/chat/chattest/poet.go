package chattest

import (
	"context"
	"fmt"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// GreetForm is the form the poet's greet tool asks for: a required name and a number of cups.
const GreetForm = `{"type":"object","properties":{"name":{"type":"string","title":"Your name"},"cups":{"type":"integer","title":"Cups of tea","minimum":1}},"required":["name"]}`

// Poet returns a server named poet whose tools ask the client: haiku (topic) samples the client's model
// with "Write a haiku about TOPIC" (60 tokens at most) and returns its text; greet elicits GreetForm and
// returns "Hello NAME, N cups", or the action when the form is not accepted.
func Poet() *server.Server {
	s := server.New("poet", "1", nil)
	type topic struct {
		Topic string `json:"topic" jsonschema:"what the haiku is about"`
	}
	server.Tool(s, "haiku", "Writes a haiku (asks the client's model)", func(ctx context.Context, a topic) (string, error) {
		res, err := server.Sample(ctx, &mcp.CreateMessageParams{MaxTokens: 60,
			Messages: []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.SamplingBlock(mcp.TextContent("Write a haiku about " + a.Topic))}}})
		if err != nil {
			return "", err
		}
		return res.Content.Blocks[0].Text, nil
	})
	server.Tool(s, "greet", "Greets the user (asks their name)", func(ctx context.Context, _ struct{}) (string, error) {
		res, err := server.ElicitWith(ctx, &mcp.ElicitParams{Message: "Who are you?", RequestedSchema: []byte(GreetForm)})
		if err != nil {
			return "", err
		}
		if res.Action != mcp.ElicitActionAccept {
			return string(res.Action), nil
		}
		var in struct {
			Name string `json:"name"`
			Cups int    `json:"cups"`
		}
		if err := json.Unmarshal(res.Content, &in); err != nil {
			return "", err
		}
		return fmt.Sprintf("Hello %s, %d cups", in.Name, in.Cups), nil
	})
	return s
}
