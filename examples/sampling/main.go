// Command sampling shows a server asking the client's LLM (sampling/createMessage) from inside a tool:
// the book's create_product (the LLM writes a product description from a name and keywords; the demo's
// tool) and its NPC game (talk_to_npc: each non-player character's lines are sampled with the character
// as system prompt). The same handlers serve a legacy session (server-to-client requests) and 2026-07-28
// (input_required rounds).
//
//	go run ./examples/sampling             # Streamable HTTP at http://127.0.0.1:8000/mcp
//	go run ./examples/sampling --stdio     # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// NPC is a non-player character of the game.
type NPC struct {
	// Name is what the character is called in the game.
	Name string
	// Persona is the system prompt its lines are sampled with.
	Persona string
}

// NPCs are the game's characters, by the key talk_to_npc takes.
var NPCs = map[string]NPC{
	"merchant": {"Grimble the merchant", "You are Grimble, a greedy but honest merchant in a fantasy village market. You sell potions, rope and maps, and you haggle."},
	"guard":    {"Captain Hale", "You are Captain Hale, the stern guard of the village gate. You let no one through after dark and you distrust strangers."},
	"wizard":   {"Old Maren", "You are Old Maren, a forgetful wizard who speaks in riddles and knows where the lost crown is hidden."},
}

// TalkArgs are the arguments of talk_to_npc.
type TalkArgs struct {
	NPC     string `json:"npc" jsonschema:"description=who to talk to,enum=merchant|guard|wizard"`
	Message string `json:"message" jsonschema:"description=what the player says,minLength=1"`
}

// maxLineTokens bounds an NPC's line.
const maxLineTokens = 150

// addGame registers talk_to_npc.
func addGame(s *server.Server) {
	server.Tool(s, "talk_to_npc", "Say something to a character of the game (merchant, guard or wizard); the client's LLM answers in character",
		func(ctx context.Context, in TalkArgs) (string, error) {
			npc, ok := NPCs[in.NPC]
			if !ok {
				return "", fmt.Errorf("no character %q here: talk to the merchant, the guard or the wizard", in.NPC)
			}
			res, err := server.Sample(ctx, &mcp.CreateMessageParams{
				SystemPrompt: npc.Persona + " Stay in character and answer in one or two sentences.",
				Messages: []mcp.SamplingMessage{{Role: mcp.RoleUser,
					Content: mcp.SamplingBlock(mcp.TextContent("The player says: " + in.Message))}},
				MaxTokens: maxLineTokens,
			})
			if err != nil {
				return "", err
			}
			var line []string
			for _, b := range res.Content.Blocks {
				if b.Type == mcp.ContentTypeText && strings.TrimSpace(b.Text) != "" {
					line = append(line, strings.TrimSpace(b.Text))
				}
			}
			if line == nil {
				return "", errors.New(npc.Name + " says nothing: the client's LLM answered no text")
			}
			return npc.Name + ": " + strings.Join(line, " "), nil
		})
}

// New returns the sampling server.
func New() *server.Server {
	s := server.New("sampling", "0.1.0", &server.Options{Instructions: "create_product asks your LLM for a product description; talk_to_npc asks it for a game character's lines."})
	demo.AddCreateProduct(s)
	addGame(s)
	return s
}

// run serves New until ctx ends.
var run = exampleserve.Runner(New)

func main() { exampleserve.Main("sampling", run) }
