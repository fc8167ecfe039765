package sse_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/demo"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
)

// A client for a server that speaks only the 2024-11-05 HTTP+SSE transport.
func ExampleDial() {
	h := sse.NewHandler(demo.New(), nil)
	mux := http.NewServeMux()
	mux.Handle("/sse", h.SSE())
	mux.Handle("/messages", h.Messages())
	ts := httptest.NewServer(mux)
	defer ts.Close()
	defer h.Close(context.Background())

	ctx := context.Background()
	c, err := sse.Dial(ctx, ts.URL+"/sse", nil)
	if err != nil {
		log.Fatal(err)
	}
	s, err := client.Connect(ctx, c, &client.Options{ProtocolVersion: mcp.Version20241105})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	res, err := s.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(s.ProtocolVersion(), res.Content[0].Text)
	// Output: 2024-11-05 15
}
