package server_test

import (
	"context"
	"fmt"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

type AddArgs struct {
	A int `json:"a" jsonschema:"first number"`
	B int `json:"b" jsonschema:"second number"`
}

// The README's typed tool: one function and one registration line, called here over an in-memory pipe.
func Example() {
	s := server.New("Demo", "1.0.0", nil)
	server.Tool(s, "add", "Add two numbers", func(ctx context.Context, in AddArgs) (int, error) {
		return in.A + in.B, nil
	})
	server.Resource(s, "greeting://{name}", "A personalized greeting",
		func(ctx context.Context, name string) (string, error) { return "Hello, " + name + "!", nil })

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	serverEnd, clientEnd := memory.Pipe()
	go s.Serve(ctx, serverEnd)

	sess, err := client.Connect(ctx, clientEnd, nil)
	if err != nil {
		panic(err)
	}
	defer sess.Close()
	res, _ := sess.CallTool(ctx, "add", map[string]int{"a": 5, "b": 10})
	fmt.Println(res.Content[0].Text, string(res.StructuredContent))
	greeting, _ := sess.ReadResource(ctx, "greeting://Alice")
	fmt.Println(greeting.Contents[0].Text)
	// Output:
	// 15 {"result":15}
	// Hello, Alice!
}
