package server_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// eraClients are the ways a client can meet the server: negotiated (modern), each legacy version pinned.
var eraClients = []struct {
	name    string
	version string
	era     mcp.Era
}{
	{"negotiated", "", mcp.EraModern},
	{"modern pinned", mcp.Version20260728, mcp.EraModern},
	{"2025-11-25", mcp.Version20251125, mcp.EraLegacy},
	{"2025-06-18", mcp.Version20250618, mcp.EraLegacy},
	{"2025-03-26", mcp.Version20250326, mcp.EraLegacy},
	{"2024-11-05", mcp.Version20241105, mcp.EraLegacy},
}

func TestDemoInEveryEra(t *testing.T) {
	for _, ec := range eraClients {
		t.Run(ec.name, func(t *testing.T) {
			ctx := context.Background()
			sess := connect(t, demo.New(), &client.Options{ProtocolVersion: ec.version})
			if sess.Era() != ec.era {
				t.Fatalf("era = %v, want %v", sess.Era(), ec.era)
			}
			if sess.ServerInfo().Name != "mcpkit-demo" {
				t.Errorf("server info = %+v", sess.ServerInfo())
			}

			var names []string
			for tool, err := range sess.Tools(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				names = append(names, tool.Name)
			}
			if fmt.Sprint(names) != "[add book_trip create_product echo multiply]" {
				t.Errorf("tools = %v (want sorted names)", names)
			}

			res, err := sess.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError || len(res.Content) != 1 || res.Content[0].Text != "15" {
				t.Errorf("add = %+v", res)
			}
			wantStructured := mcp.HasStructuredContent(sess.ProtocolVersion())
			if got := len(res.StructuredContent) > 0; got != wantStructured {
				t.Errorf("structuredContent present = %v, want %v (version %s)", got, wantStructured, sess.ProtocolVersion())
			}
			if wantStructured && string(res.StructuredContent) != `{"result":15}` {
				t.Errorf("structuredContent = %s", res.StructuredContent)
			}

			res, err = sess.CallTool(ctx, "add", map[string]any{"a": "five", "b": 10})
			if err != nil {
				t.Fatal(err)
			}
			if !res.IsError || !contains(res.Content[0].Text, "a") || !contains(res.Content[0].Text, "integer") {
				t.Errorf("wrong type: %+v", res)
			}

			if _, err := sess.CallTool(ctx, "nope", nil); rpcCode(err) != mcp.CodeInvalidParams {
				t.Errorf("unknown tool: %v", err)
			}

			rr, err := sess.ReadResource(ctx, "greeting://Alice")
			if err != nil || len(rr.Contents) != 1 || rr.Contents[0].Text != "Hello, Alice!" {
				t.Errorf("greeting = %+v, %v", rr, err)
			}
			rr, err = sess.ReadResource(ctx, "command://ping")
			if err != nil || rr.Contents[0].Text != "Pong" || rr.Contents[0].MimeType != "text/plain" {
				t.Errorf("ping resource = %+v, %v", rr, err)
			}
			_, err = sess.ReadResource(ctx, "nothing://here")
			wantCode := int64(mcp.CodeResourceNotFound)
			if ec.era == mcp.EraModern {
				wantCode = mcp.CodeInvalidParams
			}
			if rpcCode(err) != wantCode {
				t.Errorf("missing resource: %v, want code %d", err, wantCode)
			}

			pr, err := sess.GetPrompt(ctx, "review_code", map[string]string{"code": "x := 1"})
			if err != nil || len(pr.Messages) != 1 || pr.Messages[0].Content.Text != "Please review this code:\n\nx := 1" {
				t.Errorf("prompt = %+v, %v", pr, err)
			}
			if _, err := sess.GetPrompt(ctx, "review_code", nil); rpcCode(err) != mcp.CodeInvalidParams {
				t.Errorf("prompt without its required argument: %v", err)
			}
			if err := sess.Ping(ctx); err != nil {
				t.Errorf("ping: %v", err)
			}
		})
	}
}

func TestLogsAndProgressInBothEras(t *testing.T) {
	for _, ec := range eraClients {
		for _, level := range []mcp.LoggingLevel{"", mcp.LevelInfo, mcp.LevelWarning} {
			t.Run(fmt.Sprintf("%s/level=%q", ec.name, level), func(t *testing.T) {
				var mu sync.Mutex
				var logs []string
				sess := connect(t, demo.New(), &client.Options{
					ProtocolVersion: ec.version,
					LogLevel:        level,
					OnLog: func(ctx context.Context, p *mcp.LoggingMessageParams) {
						mu.Lock()
						logs = append(logs, string(p.Data))
						mu.Unlock()
					},
				})
				var progress []float64
				ctx := client.WithProgress(context.Background(), func(p *mcp.ProgressParams) {
					mu.Lock()
					progress = append(progress, p.Progress)
					mu.Unlock()
				})
				res, err := sess.CallTool(ctx, "echo", map[string]string{"message": "hi"})
				if err != nil || res.Content[0].Text != "Here's the file content: hi" {
					t.Fatalf("echo = %+v, %v", res, err)
				}
				// Notifications are written before the response on the same ordered stream, and a call
				// returns after the callbacks of the notifications before its result.
				mu.Lock()
				defer mu.Unlock()
				wantLogs := 3
				switch {
				case level == mcp.LevelWarning:
					wantLogs = 0
				case level == "" && ec.era == mcp.EraModern:
					wantLogs = 0 // a modern request without logLevel gets no notifications/message
				}
				if len(logs) != wantLogs {
					t.Errorf("got %d logs %v, want %d", len(logs), logs, wantLogs)
				}
				if wantLogs == 3 && logs[0] != `"Processing file 1/3"` {
					t.Errorf("first log = %s", logs[0])
				}
				if fmt.Sprint(progress) != "[1 2 3]" {
					t.Errorf("progress = %v", progress)
				}
			})
		}
	}
}

func TestPaginationAndListChanged(t *testing.T) {
	for _, ec := range eraClients[1:3] { // modern and 2025-11-25
		t.Run(ec.name, func(t *testing.T) {
			s := demo.New()
			changed := make(chan struct{}, 10)
			sess := connect(t, s, &client.Options{
				ProtocolVersion: ec.version,
				OnToolsChanged: func(context.Context) {
					select {
					case changed <- struct{}{}:
					default:
					}
				},
			})
			ctx := context.Background()
			page, err := sess.ListTools(ctx, "")
			if err != nil || len(page.Tools) != 5 || page.NextCursor != "" {
				t.Fatalf("first page = %+v, %v", page, err)
			}
			for i := range 250 {
				s.AddRawTool(mcp.Tool{Name: fmt.Sprintf("t%03d", i), InputSchema: []byte(`{"type":"object"}`)},
					func(ctx context.Context, args jsontext.Value) (*mcp.CallToolResult, error) { return nil, nil })
			}
			var n int
			for _, err := range sess.Tools(ctx) {
				if err != nil {
					t.Fatal(err)
				}
				n++
			}
			if n != 255 {
				t.Errorf("iterated %d tools, want 255", n)
			}
			page, err = sess.ListTools(ctx, "")
			if err != nil || len(page.Tools) != 100 || page.NextCursor == "" {
				t.Fatalf("paged list = %d tools, cursor %q, %v", len(page.Tools), page.NextCursor, err)
			}
			if _, err := sess.ListTools(ctx, "not-a-cursor"); rpcCode(err) != mcp.CodeInvalidParams {
				t.Errorf("bad cursor: %v", err)
			}
			if ec.era == mcp.EraLegacy {
				select {
				case <-changed:
				case <-time.After(5 * time.Second):
					t.Error("no notifications/tools/list_changed after adding tools")
				}
			}
		})
	}
}
