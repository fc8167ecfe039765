package server_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// A full-control resource handler written as a plain func literal (no ResourceHandler conversion): it
// returns the contents itself, here two of them for one template read.
func ExampleResource_fullControl() {
	s := server.New("Demo", "1.0.0", nil)
	server.Resource(s, "notes://{day}", "The notes of a day, as text and as JSON",
		func(ctx context.Context, req server.ResourceRequest) ([]mcp.ResourceContents, error) {
			day := req.Vars["day"]
			return []mcp.ResourceContents{
				mcp.TextResource(req.URI, "text/plain", "notes of "+day),
				mcp.TextResource(req.URI, "application/json", `{"day":"`+day+`"}`),
			}, nil
		})

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serverEnd, clientEnd := memory.Pipe()
	go s.Serve(ctx, serverEnd)
	sess, err := client.Connect(ctx, clientEnd, nil)
	if err != nil {
		panic(err)
	}
	defer sess.Close()
	res, err := sess.ReadResource(ctx, "notes://monday")
	if err != nil {
		panic(err)
	}
	for _, c := range res.Contents {
		fmt.Println(c.MimeType, c.Text)
	}
	// Output:
	// text/plain notes of monday
	// application/json {"day":"monday"}
}

// myHandler is a user's own named type of the full-control shape.
type myHandler func(context.Context, server.ResourceRequest) ([]mcp.ResourceContents, error)

// TestResourceFuncShapes: a named type of the full-control shape is accepted too (ResourceFunc matches
// that shape by its underlying type) and serves reads.
func TestResourceFuncShapes(t *testing.T) {
	s := server.New("t", "1", nil)
	var h myHandler = func(ctx context.Context, req server.ResourceRequest) ([]mcp.ResourceContents, error) {
		return []mcp.ResourceContents{mcp.TextResource(req.URI, "", "mine")}, nil
	}
	server.Resource(s, "mine://x", "", h)
	if err := s.Err(); err != nil {
		t.Fatal(err)
	}
	sess := connect(t, s, nil)
	res, err := sess.ReadResource(context.Background(), "mine://x")
	if err != nil || len(res.Contents) != 1 || res.Contents[0].Text != "mine" {
		t.Fatalf("read = %+v, %v", res, err)
	}
}
