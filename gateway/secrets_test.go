package gateway_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/gateway"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/streamable"
)

// TestUpstreamURLSecretsNotShown: an HTTP upstream's URL credentials (a password in its userinfo, a token
// in its query) reach neither the downstream clients (the error of a call that failed because the
// upstream's HTTP request failed, the error of a completion while it is down) nor Status (which
// `mcpkit gateway` serves on /readyz to anyone). Before, the transport's "POST <url> failed" message went
// to the client as the call's error, and the failed connection's to Status, with the whole URL.
func TestUpstreamURLSecretsNotShown(t *testing.T) {
	const secret = "s3cr3t"
	up := newHTTPUp(t, newDemo(), mcp.Version20251125)
	dial := func(ctx context.Context, o client.Options) (*client.Session, error) {
		c, err := streamable.NewClient("http://user:pw"+secret+"@"+up.addr+"/mcp?token="+secret, nil)
		if err != nil {
			return nil, err
		}
		o.ProtocolVersion = mcp.Version20251125
		s, err := client.Connect(ctx, c, &o)
		if err != nil {
			_ = c.Close()
		}
		return s, err
	}
	opts := fastOptions()
	opts.PingInterval = time.Hour // the loss is found by the call, not by a ping
	g := newGateway(t, opts, gateway.Config{Upstreams: []gateway.Upstream{{Name: "web", Dial: dial, Fingerprint: "web"}}})
	sess := connectDown(t, g, mcp.Version20251125, client.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if res, err := sess.CallTool(ctx, "web__add", map[string]int{"a": 1, "b": 2}); err != nil || res.IsError {
		t.Fatalf("web__add = %+v, %v", res, err)
	}
	up.kill()
	res, err := sess.CallTool(ctx, "web__add", map[string]int{"a": 1, "b": 2})
	var shown string
	switch {
	case err != nil:
		shown = err.Error()
	case res.IsError && len(res.Content) > 0:
		shown = res.Content[0].Text
	default:
		t.Fatalf("a call to a killed upstream succeeded: %+v", res)
	}
	if strings.Contains(shown, secret) {
		t.Errorf("the client's error shows the upstream URL's secrets: %s", shown)
	}
	// A connection attempt to the dead upstream fails: its error is in Status.
	opts2 := fastOptions()
	g2 := newGateway(t, opts2, gateway.Config{Upstreams: []gateway.Upstream{{Name: "web", Dial: dial, Fingerprint: "web"}}})
	st := g2.Status()[0]
	if st.State == gateway.StateUp || st.Error == "" {
		t.Fatalf("status of a dead upstream: %+v", st)
	}
	if strings.Contains(st.Error, secret) {
		t.Errorf("Status shows the upstream URL's secrets: %s", st.Error)
	}
	sess2 := connectDown(t, g2, mcp.Version20251125, client.Options{})
	_, err = sess2.Complete(ctx, &mcp.CompleteParams{Ref: mcp.CompletionReference{Type: mcp.RefTypePrompt, Name: "web__review_code"}, Argument: mcp.CompletionArgument{Name: "code", Value: "x"}})
	if err == nil {
		t.Fatal("completion on a dead upstream succeeded")
	}
	if strings.Contains(err.Error(), secret) {
		t.Errorf("the completion's error shows the upstream URL's secrets: %v", err)
	}
}
