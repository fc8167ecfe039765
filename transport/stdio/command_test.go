package stdio

import (
	"context"
	"errors"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/syncbuf"
	"github.com/mcpkit/mcpkit/jsonrpc"
)

// notifyHandler closes got when the named notification arrives.
type notifyHandler struct {
	name string
	got  chan struct{}
}

func (h notifyHandler) HandleRequest(context.Context, *jsonrpc.Message) (jsontext.Value, error) {
	return nil, &jsonrpc.Error{Code: jsonrpc.CodeMethodNotFound, Message: "no"}
}

func (h notifyHandler) HandleNotification(_ context.Context, m *jsonrpc.Message) {
	if m.Method == h.name {
		close(h.got)
	}
}

// TestCommandDeliversRepliesBeforeExit: a server process that answers and exits at once (its stdin still
// open) has every answer delivered to the client's calls before the connection reports closed; a call
// still pending then fails with an error that says the peer closed its stream, and so does a call made
// after.
func TestCommandDeliversRepliesBeforeExit(t *testing.T) {
	const n = 1000
	cmd := selfCommand(t, "answer-then-exit")
	cmd.Env = append(cmd.Env, "STDIO_TEST_N="+strconv.Itoa(n))
	cs, err := Command(cmd, CommandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	h := notifyHandler{name: "got-never", got: make(chan struct{})}
	conn := jsonrpc.NewConn(cs, jsonrpc.ConnOptions{Handler: h})
	conn.Start()
	defer func() { conn.Close(); conn.Wait() }()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	never := make(chan error, 1)
	go func() { never <- conn.Call(ctx, "never", nil, nil) }()
	select {
	case <-h.got:
	case <-ctx.Done():
		t.Fatal("the server did not see the first request")
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- conn.Call(ctx, "answer", nil, nil)
		}()
	}
	wg.Wait()
	close(errs)
	failed := 0
	for err := range errs {
		if err != nil {
			failed++
			if failed == 1 {
				t.Errorf("answered call failed: %v", err)
			}
		}
	}
	if failed > 0 {
		t.Fatalf("%d of %d answered calls failed", failed, n)
	}
	checkClosed := func(what string, err error) {
		t.Helper()
		if !errors.Is(err, jsonrpc.ErrClosed) || !errors.Is(err, io.EOF) || !strings.Contains(err.Error(), "peer closed") {
			t.Errorf("%s: %v; want ErrClosed wrapping io.EOF, saying the peer closed its stream", what, err)
		}
	}
	checkClosed("call pending when the server exited", <-never)
	select {
	case <-conn.Done():
	case <-ctx.Done():
		t.Fatal("connection not closed after the server exited")
	}
	checkClosed("call after the server exited", conn.Call(ctx, "late", nil, nil))
}

// TestCommandCloseWithBackgroundChild: a server that leaves a process running in the background with its
// stdout and stderr (a helper, a daemon) is still reaped when it exits, and Close returns after the
// server's own exit (bounded by ExitTimeout for the stderr drain), not when the background process ends.
// Before, the server was reaped only once stderr reached EOF: Close waited for the background process
// (here 60 s) and the server stayed a zombie meanwhile (a bridge could not stop). ExitTimeout is long so
// that a loaded machine's slow exit is not taken for a refusal to leave.
func TestCommandCloseWithBackgroundChild(t *testing.T) {
	self := selfCommand(t, "echo")
	var stderr syncbuf.Buffer
	cmd := exec.Command("sh", "-c", `sleep 60 & echo "bg=$!" >&2; exec "$0" -test.run='^$'`, self.Path)
	cmd.Env = self.Env
	cs, err := Command(cmd, CommandOptions{Stderr: &stderr, ExitTimeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		for _, f := range strings.Fields(stderr.String()) {
			if pid, ok := strings.CutPrefix(f, "bg="); ok {
				if n, err := strconv.Atoi(pid); err == nil {
					_ = syscall.Kill(n, syscall.SIGKILL)
				}
			}
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := cs.Write(ctx, []byte(`{"hello":1}`)); err != nil {
		t.Fatal(err)
	}
	if got, err := cs.Read(ctx); err != nil || string(got) != `{"hello":1}` {
		t.Fatalf("got %q, %v", got, err)
	}
	closed := make(chan error, 1)
	go func() { closed <- cs.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Errorf("Close = %v; want nil (the server left on stdin EOF)", err)
		}
	case <-ctx.Done():
		t.Fatal("Close still waiting after 20 s: it waits for the background process")
	}
	if !strings.Contains(stderr.String(), "bg=") {
		t.Errorf("stderr %q: the shell's line is missing", stderr.String())
	}
}
