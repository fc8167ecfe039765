package metrics_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/jsonrpc"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type addArgs struct {
	A int `json:"a"`
	B int `json:"b"`
}

// newServer returns a server with two tools: add (answers) and fail (its handler errs: an isError result).
func newServer() *server.Server {
	s := server.New("metrics-test", "1", nil)
	server.Tool(s, "add", "adds", func(ctx context.Context, in addArgs) (int, error) { return in.A + in.B, nil })
	server.Tool(s, "fail", "fails", func(ctx context.Context, in addArgs) (int, error) { return 0, errors.New("no") })
	return s
}

// serveStdio serves s over the stdio framing on a pair of pipes and returns a JSON-RPC connection to it;
// everything stops at cleanup.
func serveStdio(t *testing.T, s *server.Server) *jsonrpc.Conn {
	t.Helper()
	toServer, fromClient := io.Pipe()
	toClient, fromServer := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Serve(ctx, stdio.NewStream(toServer, fromServer, stdio.Options{})) }()
	conn := jsonrpc.NewConn(stdio.NewStream(toClient, fromClient, stdio.Options{}), jsonrpc.ConnOptions{})
	conn.Start()
	t.Cleanup(func() {
		conn.Close()
		cancel()
		fromClient.Close()
		fromServer.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("Serve did not return")
		}
		conn.Wait()
	})
	return conn
}

// scrape reads url (a /metrics endpoint) and returns every sample, keyed by its series as exposed:
// name{label="value",…} with the labels in the order written (alphabetical, as client_golang writes them).
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("sample %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// sum adds the samples of metric name whose labels include every given name="value" pair.
func sum(samples map[string]float64, name string, labels ...string) float64 {
	var total float64
next:
	for series, v := range samples {
		n, rest, _ := strings.Cut(series, "{")
		if n != name {
			continue
		}
		for i := 0; i+1 < len(labels); i += 2 {
			if !strings.Contains(rest, labels[i]+`="`+labels[i+1]+`"`) {
				continue next
			}
		}
		total += v
	}
	return total
}
