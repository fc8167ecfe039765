package interop

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// firstLine collects a process's output and signals when its first line is complete.
type firstLine struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	ready chan struct{} // closed once buf holds a newline
}

func (w *firstLine) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	had := bytes.IndexByte(w.buf.Bytes(), '\n') >= 0
	w.buf.Write(p)
	if !had && bytes.IndexByte(w.buf.Bytes(), '\n') >= 0 {
		close(w.ready)
	}
	return len(p), nil
}

func (w *firstLine) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

// wireRecorder is an http.RoundTripper that counts how the client answered server questions: POSTed
// JSON-RPC responses (legacy server-to-client requests) and calls retried with inputResponses
// (2026-07-28 input_required rounds).
type wireRecorder struct {
	responses, retries atomic.Int32
}

func (w *wireRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var m struct {
			Method string         `json:"method"`
			Result jsontext.Value `json:"result"`
			Params struct {
				InputResponses jsontext.Value `json:"inputResponses"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &m) == nil {
			switch {
			case m.Method == "" && len(m.Result) > 0:
				w.responses.Add(1)
			case len(m.Params.InputResponses) > 0:
				w.retries.Add(1)
			}
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// startNodeServer runs interop/node/<script> (tsserver.mjs: a TypeScript SDK v2 server; taskserver.mjs: a
// 2025-11-25 server with tasks, written with @modelcontextprotocol/sdk 1.32.2) on a free 127.0.0.1 port
// and returns its endpoint. The process is killed when the test ends.
func startNodeServer(t *testing.T, node, script string) string {
	t.Helper()
	path, _ := filepath.Abs(filepath.Join("node", script))
	cmd := exec.Command(node, path, "0")
	out := &firstLine{ready: make(chan struct{})}
	var stderr bytes.Buffer // shown when the test fails
	cmd.Stdout, cmd.Stderr = out, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("%s said:\n%s%s", script, out.String(), stderr.String())
		}
	})
	select {
	case <-out.ready:
	case <-exited:
		t.Fatalf("%s exited before listening:\n%s", script, stderr.String())
	case <-time.After(30 * time.Second):
		t.Fatalf("%s printed no port within 30s", script)
	}
	port, _, _ := strings.Cut(out.String(), "\n")
	return "http://127.0.0.1:" + strings.TrimSpace(port) + "/mcp"
}

// TestClientAgainstTsServer drives a server written with @modelcontextprotocol/server 2.4.0 (both eras on
// one endpoint: a sessionful legacy wiring beside createMcpHandler) with mcpkit's Streamable HTTP client
// pinned to 2025-11-25 and 2025-03-26, negotiating, and pinned to 2026-07-28: tools, a call with log and
// progress notifications, a resource template, a prompt, and tools that ask the client for a form and a
// sampled message (server-to-client requests in a legacy session, input_required rounds at 2026-07-28).
func TestClientAgainstTsServer(t *testing.T) {
	node := peers(t)
	endpoint := startNodeServer(t, node, "tsserver.mjs")
	for _, tt := range []struct {
		name, pin, wantVersion string
		wantEra                mcp.Era
	}{
		{"pin-2025-11-25", mcp.Version20251125, mcp.Version20251125, mcp.EraLegacy},
		{"pin-2025-03-26", mcp.Version20250326, mcp.Version20250326, mcp.EraLegacy},
		{"auto", "", mcp.Version20260728, mcp.EraModern},
		{"pin-2026-07-28", mcp.Version20260728, mcp.Version20260728, mcp.EraModern},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			var elicits, samples atomic.Int32
			var elicitMsg atomic.Value
			logs := make(chan string, 16)
			wire := &wireRecorder{}
			c, err := streamable.NewClient(endpoint, &streamable.ClientOptions{HTTPClient: &http.Client{Transport: wire}})
			if err != nil {
				t.Fatal(err)
			}
			s, err := client.Connect(ctx, c, &client.Options{
				ProtocolVersion: tt.pin,
				LogLevel:        mcp.LevelDebug,
				OnLog: func(_ context.Context, p *mcp.LoggingMessageParams) {
					select {
					case logs <- string(p.Data):
					default:
					}
				},
				OnElicit: func(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
					elicits.Add(1)
					elicitMsg.Store(p.Message)
					return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: []byte(`{"confirm":true,"name":"Ada"}`)}, nil
				},
				OnSample: func(_ context.Context, p *mcp.CreateMessageParams) (*mcp.CreateMessageResult, error) {
					samples.Add(1)
					if len(p.Messages) == 0 || len(p.Messages[0].Content.Blocks) == 0 ||
						!strings.Contains(p.Messages[0].Content.Blocks[0].Text, "MCP has two eras") {
						return nil, fmt.Errorf("unexpected sampling request: %+v", p.Messages)
					}
					return &mcp.CreateMessageResult{Role: mcp.RoleAssistant, Model: "interop-model",
						Content: mcp.SamplingContent{Blocks: []mcp.Content{mcp.TextContent("two eras")}}}, nil
				},
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			if s.Era() != tt.wantEra || s.ProtocolVersion() != tt.wantVersion {
				t.Fatalf("negotiated %v %s, want %v %s", s.Era(), s.ProtocolVersion(), tt.wantEra, tt.wantVersion)
			}
			if legacy := c.SessionID() != ""; legacy != (tt.wantEra == mcp.EraLegacy) {
				t.Errorf("session id %q in era %v", c.SessionID(), s.Era())
			}
			if s.ServerInfo().Name != "ts-interop-server" {
				t.Errorf("server info %+v", s.ServerInfo())
			}

			// asked runs call, which must make the server ask one question, and checks the way it travelled:
			// a server-to-client request answered by a POSTed response in a legacy session, an input_required
			// result answered by a retry with inputResponses at 2026-07-28.
			asked := func(t *testing.T, call func()) {
				t.Helper()
				r0, q0 := wire.responses.Load(), wire.retries.Load()
				call()
				responses, retries := wire.responses.Load()-r0, wire.retries.Load()-q0
				want := [2]int32{1, 0}
				if tt.wantEra == mcp.EraModern {
					want = [2]int32{0, 1}
				}
				if [2]int32{responses, retries} != want {
					t.Errorf("on the wire: %d posted responses, %d retries with inputResponses; want %v", responses, retries, want)
				}
			}

			t.Run("tools/list", func(t *testing.T) {
				var names []string
				for tool, err := range s.Tools(ctx) {
					if err != nil {
						t.Fatal(err)
					}
					names = append(names, tool.Name)
				}
				slices.Sort(names)
				if fmt.Sprint(names) != "[add confirm echo summarize]" {
					t.Errorf("tools %v", names)
				}
			})
			t.Run("add", func(t *testing.T) {
				res, err := s.CallTool(ctx, "add", map[string]float64{"a": 2, "b": 3.5})
				if err != nil || res.IsError || len(res.Content) != 1 || res.Content[0].Text != "5.5" {
					t.Errorf("add: %+v %v", res, err)
				}
			})
			t.Run("echo+log+progress", func(t *testing.T) {
				var mu sync.Mutex
				var progress []string
				pctx := client.WithProgress(ctx, func(p *mcp.ProgressParams) {
					mu.Lock()
					progress = append(progress, fmt.Sprintf("%v/%v %s", p.Progress, deref64(p.Total), p.Message))
					mu.Unlock()
				})
				res, err := s.CallTool(pctx, "echo", map[string]string{"message": "héllo"})
				if err != nil || res.IsError || len(res.Content) != 1 || res.Content[0].Text != "Echo: héllo" {
					t.Fatalf("echo: %+v %v", res, err)
				}
				mu.Lock()
				got := fmt.Sprint(progress)
				mu.Unlock()
				if got != "[1/2 step 1 2/2 step 2]" {
					t.Errorf("progress %s", got)
				}
				select {
				case l := <-logs:
					var data string
					if err := json.Unmarshal([]byte(l), &data); err != nil || data != "echoing héllo" {
						t.Errorf("log data %s", l)
					}
				case <-time.After(10 * time.Second):
					t.Error("no notifications/message arrived")
				}
			})
			t.Run("resources/read", func(t *testing.T) {
				res, err := s.ReadResource(ctx, "greeting://Alice")
				if err != nil || len(res.Contents) != 1 || res.Contents[0].Text != "Hello, Alice!" || res.Contents[0].URI != "greeting://Alice" {
					t.Errorf("read: %+v %v", res, err)
				}
			})
			t.Run("prompts/get", func(t *testing.T) {
				res, err := s.GetPrompt(ctx, "review_code", map[string]string{"code": "x := 1"})
				if err != nil || len(res.Messages) != 1 || res.Messages[0].Content.Text != "Please review this code:\n\nx := 1" {
					t.Errorf("prompt: %+v %v", res, err)
				}
			})
			t.Run("elicitation", func(t *testing.T) {
				before := elicits.Load()
				if !mcp.AtLeast(tt.wantVersion, mcp.Version20250618) {
					// Elicitation arrived in 2025-06-18: our client does not offer it to an older session, and
					// the server must refuse to ask.
					res, err := s.CallTool(ctx, "confirm", map[string]string{"action": "deploy"})
					if err != nil || !res.IsError || elicits.Load() != before {
						t.Errorf("confirm in %s: %+v %v (OnElicit called %d times)", tt.wantVersion, res, err, elicits.Load()-before)
					}
					return
				}
				asked(t, func() {
					res, err := s.CallTool(ctx, "confirm", map[string]string{"action": "deploy"})
					if err != nil || res.IsError || len(res.Content) != 1 || res.Content[0].Text != "deploy: confirm=true by Ada" {
						t.Errorf("confirm: %+v %v", res, err)
					}
				})
				if n := elicits.Load() - before; n != 1 {
					t.Errorf("OnElicit called %d times, want 1", n)
				}
				if m, _ := elicitMsg.Load().(string); m != "Really deploy?" {
					t.Errorf("elicitation message %q", m)
				}
			})
			t.Run("sampling", func(t *testing.T) {
				before := samples.Load()
				asked(t, func() {
					res, err := s.CallTool(ctx, "summarize", map[string]string{"text": "MCP has two eras."})
					if err != nil || res.IsError || len(res.Content) != 1 || res.Content[0].Text != "summary by interop-model: two eras" {
						t.Errorf("summarize: %+v %v", res, err)
					}
				})
				if n := samples.Load() - before; n != 1 {
					t.Errorf("OnSample called %d times, want 1", n)
				}
			})
		})
	}
}

func deref64(f *float64) any {
	if f == nil {
		return "nil"
	}
	return *f
}
