package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/internal/ssetest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestProgressBothEras: a progress notification per file, in order, then "Files processed: 3", in both
// eras in process.
func TestProgressBothEras(t *testing.T) {
	for _, version := range exampletest.Eras {
		t.Run(version, func(t *testing.T) {
			sess := exampletest.Connect(t, New(Options{Pace: func(context.Context, int) error { return nil }}), version, client.Options{})
			var mu sync.Mutex
			var got []float64
			ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
			defer cancel()
			res, err := sess.CallTool(client.WithProgress(ctx, func(p *mcp.ProgressParams) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, p.Progress)
			}), "process_files", ProcessArgs{})
			if err != nil {
				t.Fatal(err)
			}
			if res.IsError || res.Content[0].Text != "Files processed: 3" {
				t.Fatalf("result %+v", res)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(got) != 3 || got[0] != 1 || got[1] != 2 || got[2] != 3 {
				t.Fatalf("progress %v, want [1 2 3]", got)
			}
		})
	}
}

// raw is a hand-written Streamable HTTP client of one legacy session.
type raw struct {
	t   *testing.T
	url string
	sid string
}

// do sends one request and returns the response; ctx governs its body.
func (c *raw) do(ctx context.Context, method, body string, header ...string) *http.Response {
	c.t.Helper()
	req, err := http.NewRequestWithContext(ctx, method, c.url, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Accept", "application/json, text/event-stream")
	req.Header.Set("Content-Type", "application/json")
	if c.sid != "" {
		req.Header.Set("Mcp-Session-Id", c.sid)
		req.Header.Set("MCP-Protocol-Version", mcp.Version20251125)
	}
	for _, h := range header {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	return resp
}

// message is what the test reads of a JSON-RPC message.
type message struct {
	ID     *int   `json:"id"`
	Method string `json:"method"`
	Params struct {
		Progress float64 `json:"progress"`
	} `json:"params"`
	Result *mcp.CallToolResult `json:"result"`
}

// TestResumeOverStreamableHTTP: the book's interrupt-and-resume, by hand over the wire. A legacy client
// calls process_files with a progress token and reads the SSE response until the first file's progress;
// then it disconnects while the tool is held before file 2. The tool goes on; the client comes back with
// GET and Last-Event-ID and gets files 2 and 3 and "Files processed: 3" — nothing twice, nothing lost.
func TestResumeOverStreamableHTTP(t *testing.T) {
	release := make(chan struct{})
	started := make(chan struct{}, 1)
	base := exampletest.StartHTTP(t, func(ctx context.Context, f exampleserve.Flags) error {
		return run(ctx, f, Options{Pace: func(ctx context.Context, file int) error {
			if file != 2 {
				return nil
			}
			started <- struct{}{}
			select {
			case <-release:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}})
	})
	c := &raw{t: t, url: base + "/mcp"}
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
	defer cancel()

	resp := c.do(ctx, http.MethodPost, `{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"`+mcp.Version20251125+`","capabilities":{},"clientInfo":{"name":"raw","version":"0"}}}`)
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if c.sid = resp.Header.Get("Mcp-Session-Id"); resp.StatusCode != http.StatusOK || c.sid == "" {
		t.Fatalf("initialize: %s, session %q", resp.Status, c.sid)
	}
	resp = c.do(ctx, http.MethodPost, `{"jsonrpc":"2.0","method":"notifications/initialized"}`)
	resp.Body.Close()

	// The call, read until file 1's progress, then the connection dropped.
	callCtx, hangUp := context.WithCancel(ctx)
	resp = c.do(callCtx, http.MethodPost, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"process_files","arguments":{},"_meta":{"progressToken":"p"}}}`)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		t.Fatalf("tools/call answered %s %s, want an SSE stream", resp.Status, ct)
	}
	var all []message
	first := ssetest.NewReader(resp.Body)
	var lastID string
	for lastID == "" {
		ev, err := first.Next()
		if err != nil {
			t.Fatalf("before the first progress: %v", err)
		}
		var m message
		if ev.Data == "" || json.Unmarshal([]byte(ev.Data), &m) != nil {
			continue // the priming event
		}
		all = append(all, m)
		if m.Method == "notifications/progress" && m.Params.Progress == 1 {
			lastID = ev.ID
		}
	}
	<-started // the tool holds before file 2: the stream is cut mid-call
	hangUp()
	resp.Body.Close()
	close(release)
	if lastID == "" {
		t.Fatal("the progress event carries no id to resume from")
	}

	// The resume.
	resp = c.do(ctx, http.MethodGet, "", "Last-Event-ID: "+lastID, "Accept: text/event-stream")
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("resume: %s %s", resp.Status, b)
	}
	again := ssetest.NewReader(resp.Body)
	for done := false; !done; {
		ev, err := again.Next()
		if err != nil {
			t.Fatalf("resumed stream ended before the result: %v", err)
		}
		var m message
		if ev.Data == "" || json.Unmarshal([]byte(ev.Data), &m) != nil {
			continue
		}
		all = append(all, m)
		done = m.ID != nil && *m.ID == 2
	}

	var progress []float64
	results := 0
	for _, m := range all {
		switch {
		case m.Method == "notifications/progress":
			progress = append(progress, m.Params.Progress)
		case m.Result != nil:
			results++
			if len(m.Result.Content) != 1 || m.Result.Content[0].Text != "Files processed: 3" {
				t.Errorf("result %+v", m.Result)
			}
		}
	}
	if results != 1 || len(progress) != 3 || progress[0] != 1 || progress[1] != 2 || progress[2] != 3 {
		t.Fatalf("read %d results and progress %v over both connections, want 1 and [1 2 3]", results, progress)
	}
}
