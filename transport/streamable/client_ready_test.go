package streamable_test

import (
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
)

// TestClientConnectWaitsForStandaloneStream: a legacy session is ready only once its GET stream is
// answered, because a server may drop what it sends before that stream exists (the TypeScript SDK does),
// and the first call may make the server ask the client something on it.
func TestClientConnectWaitsForStandaloneStream(t *testing.T) {
	ts, rec := serveClientTest(t, demo.New(), nil)
	var getServed atomic.Bool
	rec.intercept = func(w http.ResponseWriter, r *http.Request, body []byte) bool {
		if r.Method == http.MethodGet {
			time.Sleep(300 * time.Millisecond) // a slow GET: the session must wait for it
			getServed.Store(true)              // the handler answers next
		}
		return false
	}
	c := newClient(t, ts, "/", nil)
	sess, err := client.Connect(testCtx(t), c, &client.Options{ProtocolVersion: mcp.Version20251125})
	if err != nil {
		t.Fatal(err)
	}
	defer sess.Close()
	if !getServed.Load() {
		t.Fatal("Connect returned before the standalone GET stream was answered")
	}
}
