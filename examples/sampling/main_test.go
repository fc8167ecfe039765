package main

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/go-json-experiment/json"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// scripted is a client's sampling handler that answers reply and records what it was asked.
type scripted struct {
	reply string
	err   error
	asked atomic.Int32
	last  atomic.Pointer[mcp.CreateMessageParams]
}

func (s *scripted) sample(_ context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
	s.asked.Add(1)
	s.last.Store(p)
	if s.err != nil {
		return nil, s.err
	}
	return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "scripted",
		Content: mcp.SamplingBlock(mcp.TextContent(s.reply))}, nil
}

// prompt is the text of the sampling request's first message.
func prompt(t *testing.T, p *mcp.CreateMessageParams) string {
	t.Helper()
	if p == nil || len(p.Messages) == 0 || len(p.Messages[0].Content.Blocks) == 0 {
		t.Fatalf("no message in the sampling request: %+v", p)
	}
	return p.Messages[0].Content.Blocks[0].Text
}

// TestCreateProduct: the description is the client's LLM's answer to a prompt naming the product and
// its keywords, in both eras.
func TestCreateProduct(t *testing.T) {
	for _, version := range exampletest.Eras {
		t.Run(version, func(t *testing.T) {
			llm := &scripted{reply: "A mug that keeps coffee hot for hours."}
			sess := exampletest.Connect(t, New(), version, client.Options{OnSample: llm.sample})
			text, isErr := exampletest.Call(t, sess, "create_product", demo.ProductArgs{ProductName: "Thermo Mug", Keywords: "steel, hot"})
			if isErr {
				t.Fatalf("create_product: %s", text)
			}
			var p demo.Product
			if err := json.Unmarshal([]byte(text), &p); err != nil {
				t.Fatalf("create_product answered %q: %v", text, err)
			}
			if p.Name != "Thermo Mug" || p.Description != llm.reply || strings.Join(p.Keywords, ",") != "steel,hot" {
				t.Fatalf("create_product = %+v", p)
			}
			if got := prompt(t, llm.last.Load()); !strings.Contains(got, `"Thermo Mug"`) || !strings.Contains(got, "steel, hot") {
				t.Fatalf("prompt %q names neither the product nor its keywords", got)
			}
			if n := llm.asked.Load(); n != 1 {
				t.Fatalf("sampled %d times, want 1", n)
			}
		})
	}
}

// TestNPCGame: each character's line is sampled with its persona as system prompt and the player's words
// as the message, in both eras; the answer is prefixed with the character's name.
func TestNPCGame(t *testing.T) {
	for _, version := range exampletest.Eras {
		for key, npc := range NPCs {
			t.Run(version+"/"+key, func(t *testing.T) {
				llm := &scripted{reply: "  Riddles first, traveller.  "}
				sess := exampletest.Connect(t, New(), version, client.Options{OnSample: llm.sample})
				text, isErr := exampletest.Call(t, sess, "talk_to_npc", TalkArgs{NPC: key, Message: "Where is the crown?"})
				if want := npc.Name + ": Riddles first, traveller."; isErr || text != want {
					t.Fatalf("talk_to_npc = %q (isError %v), want %q", text, isErr, want)
				}
				p := llm.last.Load()
				if !strings.HasPrefix(p.SystemPrompt, npc.Persona) || p.MaxTokens != maxLineTokens {
					t.Fatalf("system prompt %q, maxTokens %d", p.SystemPrompt, p.MaxTokens)
				}
				if got := prompt(t, p); got != "The player says: Where is the crown?" {
					t.Fatalf("message %q", got)
				}
			})
		}
	}
}

// failure calls tool and returns why it failed: the text of a result with isError set, or the error of
// a call that failed; a call that succeeds fails t.
func failure(t *testing.T, sess *client.Session, tool string, args any) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
	defer cancel()
	res, err := sess.CallTool(ctx, tool, args)
	switch {
	case err != nil:
		return err.Error()
	case !res.IsError || len(res.Content) == 0:
		t.Fatalf("%s succeeded: %+v", tool, res)
	}
	return res.Content[0].Text
}

// TestSamplingRefused: a client that declines sampling (error -1, the specification's example), one that
// answers no text and one that cannot sample are told why — a result with isError set, or at 2026-07-28
// for the decline a failed call (the client has no error to send back in an input_required round) and
// for the missing capability the protocol error -32021; an unknown NPC is refused by the schema.
func TestSamplingRefused(t *testing.T) {
	for _, version := range exampletest.Eras {
		t.Run(version, func(t *testing.T) {
			declines := exampletest.Connect(t, New(), version, client.Options{OnSample: (&scripted{err: &jsonrpc.Error{Code: -1, Message: "the user declined"}}).sample})
			if why := failure(t, declines, "talk_to_npc", TalkArgs{NPC: "guard", Message: "Let me in"}); !strings.Contains(why, "-1") {
				t.Errorf("declined: %s", why)
			}
			silent := exampletest.Connect(t, New(), version, client.Options{OnSample: (&scripted{reply: " "}).sample})
			if text, isErr := exampletest.Call(t, silent, "talk_to_npc", TalkArgs{NPC: "guard", Message: "Let me in"}); !isErr || !strings.Contains(text, "Captain Hale says nothing") {
				t.Errorf("no text: %q (isError %v)", text, isErr)
			}
			unable := exampletest.Connect(t, New(), version, client.Options{})
			if why := failure(t, unable, "create_product", demo.ProductArgs{ProductName: "Mug"}); !strings.Contains(why, "sampling") {
				t.Errorf("no sampling capability: %s", why)
			}
			if why := failure(t, unable, "talk_to_npc", TalkArgs{NPC: "dragon", Message: "Hi"}); !strings.Contains(why, "npc") {
				t.Errorf("unknown NPC: %s", why)
			}
		})
	}
}

// TestHTTP: `sampling --addr …` asks the client's LLM over Streamable HTTP in both eras.
func TestHTTP(t *testing.T) {
	base := exampletest.StartHTTP(t, run)
	for _, version := range exampletest.Eras {
		llm := &scripted{reply: "Ten gold for the map."}
		sess := exampletest.ConnectHTTP(t, base, version, client.Options{OnSample: llm.sample})
		if text, isErr := exampletest.Call(t, sess, "talk_to_npc", TalkArgs{NPC: "merchant", Message: "How much?"}); isErr || text != "Grimble the merchant: Ten gold for the map." {
			t.Errorf("%s: %q (isError %v)", version, text, isErr)
		}
	}
}
