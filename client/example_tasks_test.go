package client_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// A tool call that runs as a task: the handle's ID is what to keep (durable storage) to poll or cancel the
// task later, from this connection or another (NewTaskHandle); Result waits for the end. The same code
// works in a 2025-11-25 session.
func ExampleSession_CallToolAsTask() {
	s := server.New("reports", "1", &server.Options{Tasks: server.TaskOptions{PollInterval: 20 * time.Millisecond}})
	server.TaskTool(s, "report", "Builds a monthly report", mcp.TaskOptional,
		func(ctx context.Context, in struct {
			Month string `json:"month"`
		}) (string, error) {
			_ = server.SetTaskStatus(ctx, "collecting")
			return "report for " + in.Month, nil
		})
	ctx, stop := context.WithCancel(context.Background())
	a, b := memory.Pipe()
	served := make(chan error, 1)
	go func() { served <- s.Serve(ctx, a) }()
	defer func() { stop(); <-served }()

	sess, err := client.Connect(ctx, b, &client.Options{ProtocolVersion: mcp.Version20260728})
	if err != nil {
		log.Fatal(err)
	}
	defer sess.Close()
	h, err := sess.CallToolAsTask(ctx, "report", map[string]string{"month": "May"}, nil)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("a task:", h.ID() != "")
	res, err := h.Result(ctx)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(h.Status(), res.Content[0].Text)
	// Output:
	// a task: true
	// completed report for May
}
