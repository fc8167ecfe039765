package server_test

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

const mrtrMeta = `"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{"elicitation":{},"sampling":{},"roots":{}}}`

type noArgs struct{}

type nameForm struct {
	Name string `json:"name"`
}

// mrtrServer has a tool that asks twice (two rounds), one that asks three questions in one round, and a
// counter of handler runs.
func mrtrServer(opts *server.Options) (*server.Server, *atomic.Int32) {
	s := server.New("mrtr", "1", opts)
	runs := new(atomic.Int32)
	server.Tool(s, "two_rounds", "", func(ctx context.Context, _ noArgs) (string, error) {
		runs.Add(1)
		a, err := server.Elicit[nameForm](ctx, "first?")
		if err != nil {
			return "", err
		}
		b, err := server.Elicit[nameForm](ctx, "second?")
		if err != nil {
			return "", err
		}
		return a.Content.Name + "+" + b.Content.Name, nil
	})
	server.Tool(s, "three_at_once", "", func(ctx context.Context, _ noArgs) (string, error) {
		raw, err := server.Ask(ctx,
			server.ElicitationInput("who", &mcp.ElicitParams{Message: "name?", RequestedSchema: []byte(`{"type":"object","properties":{"name":{"type":"string"}}}`)}),
			server.SamplingInput("llm", &mcp.CreateMessageParams{Messages: []mcp.SamplingMessage{{Role: mcp.RoleUser, Content: mcp.SamplingBlock(mcp.TextContent("hi"))}}, MaxTokens: 5}),
			server.RootsInput("roots"))
		if err != nil {
			return "", err
		}
		return fmt.Sprintf("%d answers", len(raw)), nil
	})
	server.Tool(s, "list_tools_asks", "", func(ctx context.Context, _ noArgs) (string, error) { return "", nil })
	s.CompletePromptArgument("p", "a", func(ctx context.Context, value string, args map[string]string) ([]string, error) {
		_, err := server.Roots(ctx)
		return nil, err
	})
	server.Prompt(s, "p", "", func(ctx context.Context, in struct {
		A string `json:"a"`
	}) (string, error) {
		return "x", nil
	})
	return s, runs
}

func call(w *wire, id int, tool, extra string) map[string]any {
	return w.roundTrip(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q,"arguments":{}%s,%s}}`, id, tool, extra, mrtrMeta))
}

func inputRequired(t *testing.T, m map[string]any) (map[string]any, string) {
	t.Helper()
	r := result(t, m)
	if r["resultType"] != "input_required" {
		t.Fatalf("want input_required, got %v", m)
	}
	reqs, _ := r["inputRequests"].(map[string]any)
	state, _ := r["requestState"].(string)
	if len(reqs) == 0 || state == "" {
		t.Fatalf("input_required without inputRequests or requestState: %v", r)
	}
	return reqs, state
}

const accept = `{"action":"accept","content":{"name":"%s"}}`

func TestMRTRTwoRounds(t *testing.T) {
	s, runs := mrtrServer(nil)
	w := rawPeer(t, s)
	reqs, st1 := inputRequired(t, call(w, 1, "two_rounds", ""))
	if len(reqs) != 1 || reqs["elicit-1"] == nil {
		t.Fatalf("round 1 asks %v", reqs)
	}
	r2 := call(w, 2, "two_rounds", fmt.Sprintf(`,"inputResponses":{"elicit-1":`+accept+`},"requestState":%q`, "ann", st1))
	reqs, st2 := inputRequired(t, r2)
	if len(reqs) != 1 || reqs["elicit-2"] == nil || st2 == st1 {
		t.Fatalf("round 2 asks %v", reqs)
	}
	// Round 3 answers only the new question: the first answer travels in the state.
	r3 := call(w, 3, "two_rounds", fmt.Sprintf(`,"inputResponses":{"elicit-2":`+accept+`,"extra":{"x":1}},"requestState":%q`, "bob", st2))
	res := result(t, r3)
	if res["resultType"] != "complete" || !strings.Contains(fmt.Sprint(res["content"]), "ann+bob") {
		t.Fatalf("round 3 = %v", r3)
	}
	if runs.Load() != 3 {
		t.Fatalf("handler ran %d times, want 3", runs.Load())
	}
	// A retry without the answer it needs is asked again, not failed.
	again := call(w, 4, "two_rounds", fmt.Sprintf(`,"inputResponses":{"wrong":`+accept+`},"requestState":%q`, "x", st1))
	if reqs, _ := inputRequired(t, again); reqs["elicit-1"] == nil {
		t.Fatalf("missing answer not asked again: %v", again)
	}
}

func TestMRTRSeveralInputsInOneRound(t *testing.T) {
	s, _ := mrtrServer(nil)
	w := rawPeer(t, s)
	reqs, st := inputRequired(t, call(w, 1, "three_at_once", ""))
	for _, k := range []string{"who", "llm", "roots"} {
		if reqs[k] == nil {
			t.Fatalf("missing %q in %v", k, reqs)
		}
	}
	answers := `{"who":{"action":"decline"},"llm":{"role":"assistant","content":{"type":"text","text":"yo"},"model":"m"},"roots":{"roots":[]}}`
	res := result(t, call(w, 2, "three_at_once", fmt.Sprintf(`,"inputResponses":%s,"requestState":%q`, answers, st)))
	if !strings.Contains(fmt.Sprint(res["content"]), "3 answers") {
		t.Fatalf("result %v", res)
	}
}

// TestMRTRStateRejected: tampered, foreign-request, expired and wrong-principal states are -32602.
func TestMRTRStateRejected(t *testing.T) {
	principal := new(atomic.Value)
	principal.Store("alice")
	s, _ := mrtrServer(&server.Options{
		RequestStateTTL: 300 * time.Millisecond,
		Principal:       func(context.Context) string { return principal.Load().(string) },
	})
	w := rawPeer(t, s)
	_, st := inputRequired(t, call(w, 1, "two_rounds", ""))
	answer := `,"inputResponses":{"elicit-1":{"action":"decline"}},"requestState":%q`
	flip := []byte(st)
	flip[len(flip)-3] ^= 1
	for name, m := range map[string]map[string]any{
		"tampered":      call(w, 2, "two_rounds", fmt.Sprintf(answer, string(flip))),
		"suffixed":      call(w, 3, "two_rounds", fmt.Sprintf(answer, st+"-TAMPERED")),
		"garbage":       call(w, 4, "two_rounds", fmt.Sprintf(answer, "not-a-state")),
		"other request": call(w, 5, "three_at_once", fmt.Sprintf(answer, st)),
		"other args":    w.roundTrip(fmt.Sprintf(`{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"two_rounds","arguments":{"x":1}`+answer+`,%s}}`, st, mrtrMeta)),
	} {
		if errCode(m) != mcp.CodeInvalidParams || !strings.Contains(errMessage(m), "requestState") {
			t.Errorf("%s: got %v, want -32602 about requestState", name, m)
		}
	}
	principal.Store("mallory")
	if m := call(w, 7, "two_rounds", fmt.Sprintf(answer, st)); errCode(m) != mcp.CodeInvalidParams {
		t.Errorf("other principal: got %v", m)
	}
	principal.Store("alice")
	if m := call(w, 8, "two_rounds", fmt.Sprintf(answer, st)); errCode(m) != 0 {
		t.Fatalf("the genuine state should still open: %v", m)
	}
	time.Sleep(350 * time.Millisecond)
	if m := call(w, 9, "two_rounds", fmt.Sprintf(answer, st)); errCode(m) != mcp.CodeInvalidParams {
		t.Errorf("expired: got %v", m)
	}
}

func TestMRTRBadInputResponses(t *testing.T) {
	s, _ := mrtrServer(nil)
	w := rawPeer(t, s)
	id := 0
	for name, extra := range map[string]string{
		"null":           `,"inputResponses":null`,
		"not an object":  `,"inputResponses":[1]`,
		"number answer":  `,"inputResponses":{"elicit-1":12345}`,
		"bad action":     `,"inputResponses":{"elicit-1":{"action":"maybe"}}`,
		"roots not list": `,"inputResponses":{"roots":{"roots":"x"}}`,
	} {
		tool := "two_rounds"
		if name == "roots not list" {
			tool = "three_at_once"
		}
		id++ // ids are never reused: the server may not have retired the last one yet
		m := call(w, id, tool, extra)
		if errCode(m) != mcp.CodeInvalidParams {
			t.Errorf("%s: got %v, want -32602", name, m)
		}
	}
}

// TestMRTROnlyOnInteractiveMethods: a completion handler that asks gets an error, and the request never
// answers input_required.
func TestMRTROnlyOnInteractiveMethods(t *testing.T) {
	s, _ := mrtrServer(nil)
	w := rawPeer(t, s)
	m := w.roundTrip(`{"jsonrpc":"2.0","id":1,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"p"},"argument":{"name":"a","value":""},` + mrtrMeta + `}}`)
	if r, ok := m["result"].(map[string]any); ok && r["resultType"] == "input_required" {
		t.Fatalf("completion answered input_required: %v", m)
	}
	if errCode(m) == 0 {
		t.Fatalf("want an error, got %v", m)
	}
}

func TestMRTRStateIsOpaque(t *testing.T) {
	s, _ := mrtrServer(nil)
	w := rawPeer(t, s)
	call(w, 1, "two_rounds", fmt.Sprintf(`,"inputResponses":{"elicit-1":`+accept+`}`, "secret-name"))
	_, st := inputRequired(t, call(w, 2, "two_rounds", fmt.Sprintf(`,"inputResponses":{"elicit-1":`+accept+`}`, "secret-name")))
	var raw string
	_ = json.Unmarshal([]byte(fmt.Sprintf("%q", st)), &raw)
	if strings.Contains(raw, "secret") || strings.Contains(raw, "elicit") {
		t.Fatalf("requestState leaks its content: %s", st)
	}
}

// TestLegacyAskTimeoutAndCancel: a legacy client that never answers does not hang the handler: the
// server's ClientRequestTimeout ends the question, and the tool reports it.
func TestLegacyAskTimeout(t *testing.T) {
	s := server.New("t", "1", &server.Options{ClientRequestTimeout: 200 * time.Millisecond})
	server.Tool(s, "ask", "", func(ctx context.Context, _ noArgs) (string, error) {
		_, err := server.Elicit[nameForm](ctx, "name?")
		return "answered", err
	})
	block := make(chan struct{})
	defer close(block)
	sess := connect(t, s, &client.Options{
		ProtocolVersion: mcp.Version20251125,
		OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			select {
			case <-block:
			case <-ctx.Done():
			}
			return nil, ctx.Err()
		},
	})
	start := time.Now()
	res, err := sess.CallTool(context.Background(), "ask", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.IsError || !strings.Contains(res.Content[0].Text, "elicitation/create") || time.Since(start) > 5*time.Second {
		t.Fatalf("res = %+v after %v", res, time.Since(start))
	}
}

func TestRootsChangedAndURLElicitation(t *testing.T) {
	changed := make(chan string, 1)
	s := server.New("t", "1", &server.Options{OnRootsChanged: func(ctx context.Context, id string) { changed <- "yes" }})
	server.Tool(s, "roots", "", func(ctx context.Context, _ noArgs) (string, error) {
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		return fmt.Sprint(len(roots), " ", roots[0].URI), nil
	})
	server.Tool(s, "needs_url", "", func(ctx context.Context, _ noArgs) (string, error) {
		return "", server.URLElicitationRequired(mcp.ElicitParams{Message: "Sign in", URL: "https://example.com/login", ElicitationID: "e1"})
	})
	sess := connect(t, s, &client.Options{ProtocolVersion: mcp.Version20251125, Roots: []mcp.Root{{URI: "file:///a"}}})
	ctx := context.Background()
	res, err := sess.CallTool(ctx, "roots", nil)
	if err != nil || res.Content[0].Text != "1 file:///a" {
		t.Fatalf("roots = %+v, %v", res, err)
	}
	if err := sess.SetRoots(ctx, []mcp.Root{{URI: "file:///b"}, {URI: "file:///c"}}); err != nil {
		t.Fatal(err)
	}
	select {
	case <-changed:
	case <-time.After(5 * time.Second):
		t.Fatal("no notifications/roots/list_changed")
	}
	if res, _ := sess.CallTool(ctx, "roots", nil); res.Content[0].Text != "2 file:///b" {
		t.Fatalf("roots after SetRoots = %+v", res)
	}
	_, err = sess.CallTool(ctx, "needs_url", nil)
	if rpcCode(err) != mcp.CodeURLElicitationRequired || !strings.Contains(err.Error(), "example.com/login") {
		t.Fatalf("err = %v", err)
	}
}

// TestElicitURLBothEras: URL-mode elicitation needs the client's elicitation.url capability; at 2026-07-28
// the elicitationId is left out of the input request (the schema has none).
func TestElicitURLBothEras(t *testing.T) {
	s := server.New("t", "1", nil)
	server.Tool(s, "connect", "", func(ctx context.Context, _ noArgs) (string, error) {
		action, err := server.ElicitURL(ctx, "Connect your account", "https://example.com/connect", "el-1")
		return string(action), err
	})
	for _, v := range []string{mcp.Version20251125, mcp.Version20260728} {
		var got *mcp.ElicitParams
		sess := connect(t, s, &client.Options{
			ProtocolVersion: v,
			Capabilities:    mcp.ClientCapabilities{Elicitation: &mcp.ElicitationCapability{URL: mcp.JSONObject{}}},
			OnElicit: func(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
				got = p
				return &mcp.ElicitResult{Action: mcp.ElicitActionAccept}, nil
			},
		})
		res, err := sess.CallTool(context.Background(), "connect", nil)
		if err != nil || res.IsError || res.Content[0].Text != "accept" {
			t.Fatalf("%s: %+v %v", v, res, err)
		}
		wantID := "el-1"
		if v == mcp.Version20260728 {
			wantID = ""
		}
		if got == nil || got.Mode != mcp.ElicitModeURL || got.URL != "https://example.com/connect" || got.ElicitationID != wantID {
			t.Fatalf("%s: the client saw %+v", v, got)
		}
		// A client without elicitation.url cannot be asked.
		plain := connect(t, s, &client.Options{ProtocolVersion: v, OnElicit: func(context.Context, *mcp.ElicitParams) (*mcp.ElicitResult, error) {
			t.Error("asked a client without elicitation.url")
			return nil, nil
		}})
		res, err = plain.CallTool(context.Background(), "connect", nil)
		if v == mcp.Version20260728 {
			if rpcCode(err) != mcp.CodeMissingRequiredClientCapability {
				t.Fatalf("%s: %v", v, err)
			}
		} else if err != nil || !res.IsError || !strings.Contains(res.Content[0].Text, "elicitation.url") {
			t.Fatalf("%s: %+v %v", v, res, err)
		}
	}
}
