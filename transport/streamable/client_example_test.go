package streamable_test

import (
	"context"
	"fmt"
	"log"
	"net/http/httptest"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// A client for a Streamable HTTP endpoint: Connect negotiates the era (2026-07-28 with this server; a
// legacy server would get initialize, and an HTTP+SSE-only one its own transport).
func ExampleNewClient() {
	h := streamable.NewHandler(demo.New(), nil)
	ts := httptest.NewServer(h)
	defer ts.Close()
	defer h.Close(context.Background())

	ctx := context.Background()
	c, err := streamable.NewClient(ts.URL+"/mcp", nil)
	if err != nil {
		log.Fatal(err)
	}
	s, err := client.Connect(ctx, c, nil)
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	res, err := s.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.ProtocolVersion(), res.Content[0].Text)
	// Output: 2026-07-28 15
}
