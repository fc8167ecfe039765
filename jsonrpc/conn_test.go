package jsonrpc_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/transport/memory"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// handlerFunc adapts functions to jsonrpc.Handler.
type handlerFunc struct {
	req   func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error)
	notif func(ctx context.Context, m *jsonrpc.Message)
}

func (h handlerFunc) HandleRequest(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
	return h.req(ctx, m)
}
func (h handlerFunc) HandleNotification(ctx context.Context, m *jsonrpc.Message) {
	if h.notif != nil {
		h.notif(ctx, m)
	}
}

// pair returns a server Conn (with opts) and a client Conn, both started, closed at cleanup.
func pair(t *testing.T, opts jsonrpc.ConnOptions) (srv, cli *jsonrpc.Conn) {
	t.Helper()
	a, b := memory.Pipe()
	srv = jsonrpc.NewConn(a, opts)
	cli = jsonrpc.NewConn(b, jsonrpc.ConnOptions{CancelMethod: opts.CancelMethod})
	srv.Start()
	cli.Start()
	t.Cleanup(func() {
		cli.Close()
		srv.Close()
		cli.Wait()
		srv.Wait()
	})
	return srv, cli
}

func echo() handlerFunc {
	return handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		switch m.Method {
		case "echo":
			return m.Params, nil
		case "fail":
			return nil, &jsonrpc.Error{Code: 123, Message: "boom"}
		case "internal":
			return nil, errors.New("secret detail")
		case "panic":
			panic("oh no")
		}
		return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "method not found: " + m.Method}
	}}
}

func TestCallAndErrors(t *testing.T) {
	_, cli := pair(t, jsonrpc.ConnOptions{Handler: echo()})
	ctx := context.Background()
	var out map[string]int
	if err := cli.Call(ctx, "echo", map[string]int{"a": 1}, &out); err != nil || out["a"] != 1 {
		t.Fatalf("echo: %v %v", out, err)
	}
	if err := cli.Call(ctx, "fail", nil, nil); jsonrpc.ErrorCode(err) != 123 {
		t.Errorf("fail: %v", err)
	}
	err := cli.Call(ctx, "internal", nil, nil)
	if jsonrpc.ErrorCode(err) != jsonrpc.CodeInternalError || strings.Contains(err.Error(), "secret") {
		t.Errorf("internal error leaked or wrong: %v", err)
	}
	if err := cli.Call(ctx, "panic", nil, nil); jsonrpc.ErrorCode(err) != jsonrpc.CodeInternalError {
		t.Errorf("panic: %v", err)
	}
	if err := cli.Call(ctx, "nope", nil, nil); jsonrpc.ErrorCode(err) != jsonrpc.CodeMethodNotFound {
		t.Errorf("nope: %v", err)
	}
}

func TestConcurrentCalls(t *testing.T) {
	_, cli := pair(t, jsonrpc.ConnOptions{Handler: echo()})
	var wg sync.WaitGroup
	errs := make(chan error, 100)
	for i := range 100 {
		wg.Go(func() {
			var out []int
			if err := cli.Call(context.Background(), "echo", []int{i}, &out); err != nil {
				errs <- err
				return
			}
			if len(out) != 1 || out[0] != i {
				errs <- fmt.Errorf("call %d got %v", i, out)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestNotificationsInOrder(t *testing.T) {
	var mu sync.Mutex
	var got []int
	done := make(chan struct{})
	h := echo()
	h.notif = func(ctx context.Context, m *jsonrpc.Message) {
		var n []int
		_ = json.Unmarshal(m.Params, &n)
		mu.Lock()
		got = append(got, n[0])
		if len(got) == 200 {
			close(done)
		}
		mu.Unlock()
	}
	_, cli := pair(t, jsonrpc.ConnOptions{Handler: h})
	for i := range 200 {
		if err := cli.Notify(context.Background(), "n", []int{i}); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("notifications not delivered")
	}
	for i, n := range got {
		if n != i {
			t.Fatalf("notification %d arrived as %d", i, n)
		}
	}
}

func TestCancellationBothWays(t *testing.T) {
	started := make(chan struct{})
	observed := make(chan error, 1)
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		close(started)
		<-ctx.Done()
		observed <- ctx.Err()
		return nil, ctx.Err()
	}}
	_, cli := pair(t, jsonrpc.ConnOptions{Handler: h, CancelMethod: "notifications/cancelled"})
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	go func() { errc <- cli.Call(ctx, "slow", nil, nil) }()
	<-started
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("call returned %v, want context.Canceled", err)
	}
	select {
	case err := <-observed:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("handler saw %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the handler's context was not cancelled by the peer's notification")
	}
}

// rawPeer drives a Conn with raw bytes, to test what the wire sees.
func rawPeer(t *testing.T, opts jsonrpc.ConnOptions) (send func(string), recv func() string) {
	t.Helper()
	a, b := memory.Pipe()
	srv := jsonrpc.NewConn(a, opts)
	srv.Start()
	t.Cleanup(func() { b.Close(); srv.Close(); srv.Wait() })
	send = func(s string) {
		if err := b.Write(context.Background(), []byte(s)); err != nil {
			t.Fatal(err)
		}
	}
	recv = func() string {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		m, err := b.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		return string(m)
	}
	return send, recv
}

func TestWireErrorsAndSurvival(t *testing.T) {
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: echo()})
	send(`{"jsonrpc":"2.0","id":1,`)
	if got := recv(); !strings.Contains(got, `"id":null`) || !strings.Contains(got, `-32700`) {
		t.Errorf("malformed JSON answered with %s", got)
	}
	send(`{"jsonrpc":"2.0","id":9,"method":42}`)
	if got := recv(); !strings.Contains(got, `"id":9`) || !strings.Contains(got, `-32600`) {
		t.Errorf("invalid request answered with %s", got)
	}
	send(`[{"jsonrpc":"2.0","id":2,"method":"echo","params":{}}]`)
	if got := recv(); !strings.Contains(got, `-32600`) || !strings.Contains(got, "batch") {
		t.Errorf("refused batch answered with %s", got)
	}
	send(`{"jsonrpc":"2.0","id":3,"method":"echo","params":{"still":"alive"}}`)
	if got := recv(); got != `{"jsonrpc":"2.0","id":3,"result":{"still":"alive"}}` {
		t.Errorf("after errors: %s", got)
	}
}

func TestBatchAllowed(t *testing.T) {
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: echo(), AllowBatch: func() bool { return true }})
	send(`[{"jsonrpc":"2.0","id":1,"method":"echo","params":[1]},{"jsonrpc":"2.0","method":"note"},{"x":1},{"jsonrpc":"2.0","id":"b","method":"fail"}]`)
	got := recv()
	var arr []map[string]any
	if err := json.Unmarshal([]byte(got), &arr); err != nil {
		t.Fatalf("batch reply %s: %v", got, err)
	}
	if len(arr) != 3 {
		t.Fatalf("batch reply has %d elements, want 3 (two requests and one invalid): %s", len(arr), got)
	}
	send(`[{"jsonrpc":"2.0","method":"note"}]`)
	send(`{"jsonrpc":"2.0","id":5,"method":"echo","params":{}}`)
	if got := recv(); !strings.Contains(got, `"id":5`) {
		t.Errorf("a batch of notifications must get no reply; next message was %s", got)
	}
}

func TestOverload(t *testing.T) {
	release := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		select {
		case <-release:
		case <-ctx.Done():
		}
		return jsontext.Value(`{}`), nil
	}}
	send, recv := rawPeer(t, jsonrpc.ConnOptions{Handler: h, MaxInFlight: 2, MaxQueued: 1})
	for i := 1; i <= 4; i++ {
		send(fmt.Sprintf(`{"jsonrpc":"2.0","id":%d,"method":"slow"}`, i))
	}
	got := recv()
	if !strings.Contains(got, `"id":4`) || !strings.Contains(got, fmt.Sprint(jsonrpc.CodeOverloaded)) || !strings.Contains(got, "overloaded") {
		t.Fatalf("4th request should be refused at once, got %s", got)
	}
	close(release)
	for range 3 {
		if got := recv(); !strings.Contains(got, `"result":{}`) {
			t.Errorf("queued request answered %s", got)
		}
	}
}

func TestCloseFailsPendingCalls(t *testing.T) {
	block := make(chan struct{})
	h := handlerFunc{req: func(ctx context.Context, m *jsonrpc.Message) (jsontext.Value, error) {
		<-block
		return nil, nil
	}}
	srv, cli := pair(t, jsonrpc.ConnOptions{Handler: h})
	errc := make(chan error, 1)
	go func() { errc <- cli.Call(context.Background(), "x", nil, nil) }()
	time.Sleep(20 * time.Millisecond)
	srv.Close()
	close(block)
	select {
	case err := <-errc:
		if !errors.Is(err, jsonrpc.ErrClosed) {
			t.Fatalf("got %v, want ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("pending call not failed on close")
	}
}
