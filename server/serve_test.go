package server_test

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// TestServeAnswersEveryRequestAtEOF: a client that writes its requests and closes its end at once (printf …
// | server) gets every answer: the end of input stops the reading, not the requests already read. 1,000
// requests, 25 runs (jsonrpc's TestPeerEOFAnswersEveryRequest does 100 on the bare connection; -count=4 makes
// 100 here).
func TestServeAnswersEveryRequestAtEOF(t *testing.T) {
	const n, runs = 1000, 25
	s := server.New("t", "1", nil)
	server.Tool(s, "add", "add", func(ctx context.Context, in struct{ A, B int }) (int, error) {
		runtime.Gosched() // let the reader run ahead to the end of input
		return in.A + in.B, nil
	})
	var input strings.Builder
	for i := range n {
		fmt.Fprintf(&input, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"add","arguments":{"A":%d,"B":1},%s}}`+"\n", i, i, modernMeta)
	}
	for run := range runs {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() { done <- s.Serve(context.Background(), stdio.NewStream(inR, outW, stdio.Options{})) }()
		go func() {
			_, _ = io.WriteString(inW, input.String())
			inW.Close()
		}()
		seen := make(map[string]bool, n)
		sc := bufio.NewScanner(outR)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			m, err := jsonrpc.DecodeMessage(sc.Bytes())
			if err != nil || m.Error != nil || strings.Contains(string(m.Result), `"isError":true`) {
				t.Fatalf("run %d: reply %s (%v)", run, sc.Bytes(), err)
			}
			seen[m.ID.Raw()] = true
		}
		if err := <-done; err != nil {
			t.Fatalf("run %d: Serve = %v, want nil at the end of input", run, err)
		}
		if len(seen) != n {
			t.Fatalf("run %d: %d distinct replies to %d requests", run, len(seen), n)
		}
	}
}

// A client may pipeline its first requests behind initialize without waiting for its answer (`printf
// '<initialize>\n<tools/call>\n' | mcpkit serve --stdio`): they are served as part of the session that
// initialize opens, never refused as "not initialized".
func TestServePipelinedAfterInitialize(t *testing.T) {
	const runs = 200
	s := server.New("t", "1", nil)
	server.Tool(s, "add", "add", func(ctx context.Context, in struct{ A, B int }) (int, error) { return in.A + in.B, nil })
	input := `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}` + "\n" +
		`{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"add","arguments":{"A":2,"B":3}}}` + "\n" +
		`{"jsonrpc":"2.0","id":2,"method":"tools/list"}` + "\n"
	for run := range runs {
		inR, inW := io.Pipe()
		outR, outW := io.Pipe()
		done := make(chan error, 1)
		go func() { done <- s.Serve(context.Background(), stdio.NewStream(inR, outW, stdio.Options{})) }()
		go func() {
			_, _ = io.WriteString(inW, input)
			inW.Close()
		}()
		replies := 0
		sc := bufio.NewScanner(outR)
		for sc.Scan() {
			m, err := jsonrpc.DecodeMessage(sc.Bytes())
			if err != nil || m.Error != nil || strings.Contains(string(m.Result), `"isError":true`) {
				t.Fatalf("run %d: reply %s (%v)", run, sc.Bytes(), err)
			}
			replies++
		}
		if err := <-done; err != nil {
			t.Fatalf("run %d: Serve = %v", run, err)
		}
		if replies != 3 {
			t.Fatalf("run %d: %d replies, want 3", run, replies)
		}
	}
}

// A stream client that stops reading never blocks the broadcast: registering tools (list_changed to every
// session) returns while the client's pipe is full (found in review; the broadcast wrote synchronously).
func TestBroadcastDoesNotWaitForStreamReader(t *testing.T) {
	s := server.New("t", "1", nil)
	inR, inW := io.Pipe()
	outR, outW := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, stdio.NewStream(inR, outW, stdio.Options{})) }()
	go func() {
		_, _ = io.WriteString(inW, `{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`+"\n")
	}()
	if _, err := bufio.NewReader(outR).ReadString('\n'); err != nil { // the initialize answer; then never read again
		t.Fatal(err)
	}
	registered := make(chan struct{})
	go func() {
		for i := range 1000 {
			server.Tool(s, fmt.Sprintf("t%d", i), "", func(ctx context.Context, in struct{}) (int, error) { return 1, nil })
		}
		close(registered)
	}()
	select {
	case <-registered:
	case <-time.After(10 * time.Second):
		t.Fatal("registering tools blocked on a client that does not read")
	}
	cancel()
	inW.Close()
	outR.Close()
	<-done
}
