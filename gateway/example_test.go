package gateway_test

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/memory"
)

// Two upstreams behind one gateway, in process: each Dial connects to its server over a memory pipe (a
// real one would start a command or reach a URL), and a client of the gateway sees their tools
// namespaced.
func Example() {
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	upstream := func(name string) gateway.Upstream {
		s := server.New(name, "1.0.0", nil)
		server.Tool(s, "hello", "Say hello", func(ctx context.Context, _ struct{}) (string, error) {
			return "hello from " + name, nil
		})
		return gateway.Upstream{Name: name, Fingerprint: "v1", Dial: func(dctx context.Context, o client.Options) (*client.Session, error) {
			a, b := memory.Pipe()
			go s.Serve(ctx, a)
			return client.Connect(dctx, b, &o)
		}}
	}
	g := gateway.New("gateway", "1.0.0", &gateway.Options{Logger: slog.New(slog.DiscardHandler)})
	defer g.Close()
	if err := g.Apply(ctx, gateway.Config{Upstreams: []gateway.Upstream{upstream("alpha"), upstream("beta")}}); err != nil {
		fmt.Println(err)
		return
	}
	a, b := memory.Pipe()
	go g.Server().Serve(ctx, a)
	sess, err := client.Connect(ctx, b, &client.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer sess.Close()
	res, err := sess.CallTool(ctx, "beta__hello", struct{}{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Content[0].Text)
	for _, st := range g.Status() {
		fmt.Println(st.Name, st.State)
	}
	// Output:
	// hello from beta
	// alpha up
	// beta up
}
