package interop

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// methodRecorder is an http.RoundTripper that records the JSON-RPC method of every request POSTed.
type methodRecorder struct {
	mu      sync.Mutex
	methods []string
}

func (m *methodRecorder) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Method == http.MethodPost && r.Body != nil {
		body, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return nil, err
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		var msg struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(body, &msg) == nil && msg.Method != "" {
			m.mu.Lock()
			m.methods = append(m.methods, msg.Method)
			m.mu.Unlock()
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// since returns the methods recorded after the first n.
func (m *methodRecorder) since(n int) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.methods[min(n, len(m.methods)):])
}

func (m *methodRecorder) count() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.methods)
}

// TestTaskClientAgainstGoServer: mcpkit's client against mcpkit's server (the task server of
// TestTaskTypeScriptClients) over Streamable HTTP in both eras, and over HTTP+SSE in 2025-11-25, with the
// same calls: a task polled to its
// result and read again through a handle resumed from its id; a task cancelled (the handler's context is
// cancelled); a task failed with a JSON-RPC error; a task asking for input (tasks/result stream at
// 2025-11-25, inputRequests and tasks/update at 2026-07-28); tasks/list where the era has it; and
// Options.Tasks, with which CallTool follows a task to its result and cancels it when its ctx ends.
func TestTaskClientAgainstGoServer(t *testing.T) {
	endpoint, probe := startTaskServer(t)
	for _, tt := range []struct {
		name, pin string
		era       mcp.Era
		sse       bool // HTTP+SSE instead of Streamable HTTP
	}{
		{"2025-11-25", mcp.Version20251125, mcp.EraLegacy, false},
		{"2026-07-28", mcp.Version20260728, mcp.EraModern, false},
		{"2025-11-25-sse", mcp.Version20251125, mcp.EraLegacy, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
			defer cancel()
			wire := &methodRecorder{}
			connect := func(t *testing.T, opts client.Options) (*client.Session, *taskAsks) {
				t.Helper()
				asks := &taskAsks{}
				opts.ProtocolVersion = tt.pin
				opts.OnElicit = asks.onElicit
				var stream jsonrpc.Stream
				if tt.sse {
					d, err := sse.Dial(ctx, strings.TrimSuffix(endpoint, "/mcp")+"/sse", &sse.ClientOptions{HTTPClient: &http.Client{Transport: wire}})
					if err != nil {
						t.Fatal(err)
					}
					stream = d
				} else {
					c, err := streamable.NewClient(endpoint, &streamable.ClientOptions{HTTPClient: &http.Client{Transport: wire}})
					if err != nil {
						t.Fatal(err)
					}
					stream = c
				}
				s, err := client.Connect(ctx, stream, &opts)
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { s.Close() })
				if s.Era() != tt.era || s.ProtocolVersion() != tt.pin {
					t.Fatalf("negotiated %v %s", s.Era(), s.ProtocolVersion())
				}
				return s, asks
			}
			s, asks := connect(t, client.Options{})
			start := func(t *testing.T, name string, args any) *client.TaskHandle {
				t.Helper()
				return startTask(t, ctx, s, name, args, &client.TaskOptions{TTL: time.Minute})
			}
			var ids []string

			t.Run("slow_add", func(t *testing.T) {
				h := start(t, "slow_add", map[string]int{"a": 2, "b": 3})
				ids = append(ids, h.ID())
				// 2025-11-25 keeps the retention the client asked for (within the server's cap); at
				// 2026-07-28 the server chooses.
				wantTTL := time.Minute.Milliseconds()
				if tt.era == mcp.EraModern {
					wantTTL = taskServerTTL.Milliseconds()
				}
				task := h.Task()
				if task.TTLMs == nil || *task.TTLMs != wantTTL || task.PollIntervalMs != taskPollInterval.Milliseconds() {
					t.Errorf("task %+v: want ttl %d ms, poll interval %d ms", task, wantTTL, taskPollInterval.Milliseconds())
				}
				res, err := h.Result(ctx)
				if err != nil || res.IsError || resultText(res) != "5" {
					t.Fatalf("Result: %+v %v", res, err)
				}
				wantResumed(t, ctx, s, h.ID(), "5")
			})

			t.Run("cancel", func(t *testing.T) {
				h := start(t, "block", nil)
				ids = append(ids, h.ID())
				if err := h.Cancel(ctx); err != nil {
					t.Fatal(err)
				}
				awaitBlockEnded(t, probe)
				d, err := h.Wait(ctx)
				if err != nil || d.Status != mcp.TaskCancelled {
					t.Fatalf("Wait after cancel: %+v %v", d, err)
				}
				if _, err := h.Result(ctx); !errors.Is(err, client.ErrTaskCancelled) {
					t.Errorf("Result: %v, want ErrTaskCancelled", err)
				}
			})

			t.Run("fail", func(t *testing.T) {
				h := start(t, "fail", nil)
				ids = append(ids, h.ID())
				_, err := h.Result(ctx)
				var rpcErr *jsonrpc.Error
				if !errors.As(err, &rpcErr) || rpcErr.Code != jsonrpc.CodeInternalError || rpcErr.Message != "deliberate failure" {
					t.Errorf("Result: %v, want the task's JSON-RPC error -32603 \"deliberate failure\"", err)
				}
				if h.Status() != mcp.TaskFailed {
					t.Errorf("status %s, want failed", h.Status())
				}
			})

			t.Run("confirm", func(t *testing.T) {
				n := wire.count()
				h := start(t, "confirm", map[string]string{"action": "deploy"})
				ids = append(ids, h.ID())
				res, err := h.Result(ctx)
				if err != nil || resultText(res) != wantConfirm {
					t.Fatalf("Result: %+v %v", res, err)
				}
				msgs, rel := asks.seen()
				if len(msgs) != 1 || msgs[0] != "Really deploy?" {
					t.Errorf("OnElicit saw %q, want once \"Really deploy?\"", msgs)
				}
				// 2025-11-25: the question is a request related to the task (_meta); 2026-07-28 input
				// requests carry no _meta.
				if tt.era == mcp.EraLegacy && (len(rel) != 1 || rel[0] != h.ID()) {
					t.Errorf("the elicitation was related to %q, want %s", rel, h.ID())
				}
				// How the answer travelled: a POSTed response while tasks/result waits (2025-11-25), or
				// tasks/update (2026-07-28).
				want := mcp.MethodTasksResult
				if tt.era == mcp.EraModern {
					want = mcp.MethodTasksUpdate
				}
				if sent := wire.since(n); !slices.Contains(sent, want) {
					t.Errorf("sent %v, want %s among them", sent, want)
				}
			})

			t.Run("list", func(t *testing.T) {
				if tt.era == mcp.EraModern {
					if _, err := s.ListTasks(ctx, ""); !errors.Is(err, client.ErrNoTaskList) {
						t.Errorf("ListTasks at 2026-07-28: %v, want ErrNoTaskList", err)
					}
					return
				}
				wantListedEnded(t, ctx, s, ids)
			})

			t.Run("Options.Tasks", func(t *testing.T) {
				s2, asks2 := connect(t, client.Options{Tasks: true})
				// At 2026-07-28 the server makes the optional tool a task and CallTool follows it; at
				// 2025-11-25 CallTool calls an optional tool as usual. Same answer either way.
				res, err := s2.CallTool(ctx, "confirm", map[string]string{"action": "deploy"})
				if err != nil || resultText(res) != wantConfirm {
					t.Errorf("CallTool(confirm): %+v %v", res, err)
				}
				if msgs, _ := asks2.seen(); len(msgs) != 1 {
					t.Errorf("OnElicit saw %q, want one question", msgs)
				}
				if tt.era != mcp.EraModern {
					return
				}
				// A call that became a task is cancelled (tasks/cancel) when its ctx ends first.
				short, stop := context.WithTimeout(ctx, 300*time.Millisecond)
				defer stop()
				n := wire.count()
				if _, err := s2.CallTool(short, "block", nil); !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("CallTool(block) with a short ctx: %v, want the ctx's error", err)
				}
				awaitBlockEnded(t, probe)
				if sent := wire.since(n); !slices.Contains(sent, mcp.MethodTasksGet) || !slices.Contains(sent, mcp.MethodTasksCancel) {
					t.Errorf("CallTool(block) sent %v, want it to poll the task (tasks/get) and cancel it (tasks/cancel)", sent)
				}
			})
		})
	}
}
