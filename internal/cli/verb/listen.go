package verb

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/mcp"
)

// Listener prints the server's notifications on Out as they come: the three list_changed, resource
// updates (of the URIs it subscribes to), and log messages; one line each, or one JSON object per line.
// Its callbacks must be in the session's options (Hook) before the session connects.
type Listener struct {
	e     *Env
	count int // stop after this many notifications; 0 never

	mu   sync.Mutex
	seen int
	done chan struct{}
}

// NewListener returns a Listener that stops after count notifications (0: never).
func NewListener(e *Env, count int) *Listener {
	return &Listener{e: e, count: count, done: make(chan struct{})}
}

// Hook sets o's notification callbacks to print through l (log messages included: on Out, not the
// Console, since they are what listen is for).
func (l *Listener) Hook(o *client.Options) {
	o.OnToolsChanged = func(context.Context) { l.print(mcp.MethodNotificationToolsListChanged, "", nil) }
	o.OnPromptsChanged = func(context.Context) { l.print(mcp.MethodNotificationPromptsListChanged, "", nil) }
	o.OnResourcesChanged = func(context.Context) { l.print(mcp.MethodNotificationResourcesListChanged, "", nil) }
	o.OnResourceUpdated = func(_ context.Context, uri string) {
		l.print(mcp.MethodNotificationResourceUpdated, uri, map[string]any{"uri": uri})
	}
	o.OnLog = func(_ context.Context, p *mcp.LoggingMessageParams) {
		l.print(mcp.MethodNotificationMessage, LogLine(p), p)
	}
}

func (l *Listener) print(method, text string, params any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.count > 0 && l.seen >= l.count {
		return
	}
	if l.e.JSON {
		m := map[string]any{"method": method}
		if params != nil {
			m["params"] = params
		}
		b, err := jsonLine(m)
		if err == nil {
			fmt.Fprintf(l.e.Out, "%s\n", b)
		}
	} else {
		fmt.Fprintln(l.e.Out, strings.TrimSpace(strings.TrimPrefix(method, "notifications/")+" "+text))
	}
	l.seen++
	if l.count > 0 && l.seen == l.count {
		close(l.done)
	}
}

// Run subscribes to every list change and to the resources uris, then waits until ctx ends, the server
// ends the subscription, or count notifications were printed. "listening…" goes to the Console once the
// server has acknowledged.
func (l *Listener) Run(ctx context.Context, s *client.Session, uris []string) error {
	lctx, cancel := context.WithCancel(ctx)
	defer cancel()
	filter := mcp.SubscriptionFilter{ToolsListChanged: true, PromptsListChanged: true, ResourcesListChanged: true, ResourceSubscriptions: uris}
	stopped := make(chan struct{})
	counted := false
	go func() {
		defer close(stopped)
		select {
		case <-l.done:
			counted = true
			cancel()
		case <-lctx.Done():
		}
	}()
	err := s.Listen(lctx, filter, func(acked mcp.SubscriptionFilter) {
		l.e.Console.Printf("mcpkit: listening to %s (Ctrl-C to stop)\n", describe(acked))
	})
	cancel()
	<-stopped
	if counted || ctx.Err() != nil && !errors.Is(context.Cause(ctx), context.Canceled) {
		return nil // --count reached, or --for ran out: the ends asked for
	}
	return err
}

// describe says what a subscription covers.
func describe(f mcp.SubscriptionFilter) string {
	var parts []string
	if f.ToolsListChanged {
		parts = append(parts, "tools")
	}
	if f.PromptsListChanged {
		parts = append(parts, "prompts")
	}
	if f.ResourcesListChanged {
		parts = append(parts, "resources")
	}
	s := "list changes of " + strings.Join(parts, ", ")
	if len(parts) == 0 {
		s = "no list changes"
	}
	if len(f.ResourceSubscriptions) > 0 {
		s += ", updates of " + strings.Join(f.ResourceSubscriptions, ", ")
	}
	return s + ", and log messages"
}
