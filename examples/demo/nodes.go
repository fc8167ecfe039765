package demo

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/mcpkit/mcpkit/server"
)

// WaitArgs are the arguments of the wait tool.
type WaitArgs struct {
	Seconds float64 `json:"seconds" jsonschema:"description=how long to wait in seconds (0 to 60),minimum=0,maximum=60"`
	ID      string  `json:"id,omitempty" jsonschema:"a label the server's log shows"`
}

// ChangeArgs are the arguments of the notify_change tool.
type ChangeArgs struct {
	URI  string `json:"uri,omitempty" jsonschema:"a resource to announce as updated (notifications/resources/updated to its subscribers)"`
	List string `json:"list,omitempty" jsonschema:"enum=tools|prompts|resources,description=a list to announce as changed (list_changed)"`
}

// waitTick is the pause between two progress notifications of the wait tool.
const waitTick = 100 * time.Millisecond

// AddNodeTools registers the tools for trying a server that runs on several nodes (`mcpkit serve --redis`
// behind a balancer): wait (a long call that reports progress, to cancel or resume from another node),
// list_roots (asks the client for its roots) and notify_change (announces a change to the subscribers of
// every node). wait writes to the server's own log (slog.Default) when it starts, ends and is cancelled,
// with its id, so an operator sees which node ran it.
func AddNodeTools(s *server.Server) {
	addWait(s)
	addListRoots(s)
	addNotifyChange(s)
}

func addWait(s *server.Server) {
	server.Tool(s, "wait", "Wait for a number of seconds, reporting progress every 100 ms; cancel it to stop early",
		func(ctx context.Context, in WaitArgs) (string, error) {
			slog.Info("demo: wait started", "id", in.ID, "seconds", in.Seconds)
			start := time.Now()
			n := int(in.Seconds * float64(time.Second/waitTick))
			t := time.NewTicker(waitTick)
			defer t.Stop()
			for i := 1; i <= n; i++ {
				select {
				case <-ctx.Done():
					slog.Info("demo: wait cancelled", "id", in.ID, "after", time.Since(start).Round(time.Millisecond))
					return "", ctx.Err()
				case <-t.C:
				}
				_ = server.Progress(ctx, float64(i), float64(n), fmt.Sprintf("%d/%d", i, n))
			}
			slog.Info("demo: wait ended", "id", in.ID)
			return "waited " + in.ID, nil
		})

}

func addListRoots(s *server.Server) {
	server.Tool(s, "list_roots", "List the client's roots (asks the client)", func(ctx context.Context, _ struct{}) (string, error) {
		roots, err := server.Roots(ctx)
		if err != nil {
			return "", err
		}
		uris := make([]string, len(roots))
		for i, r := range roots {
			uris[i] = r.URI
		}
		return "roots: " + strings.Join(uris, ", "), nil
	})

}

func addNotifyChange(s *server.Server) {
	server.Tool(s, "notify_change", "Announce a change: resources/updated for uri, list_changed for list (one of its items is registered again, unchanged)",
		func(ctx context.Context, in ChangeArgs) (string, error) {
			if in.URI == "" && in.List == "" {
				return "", fmt.Errorf("give uri, list or both")
			}
			var done []string
			if in.URI != "" {
				s.ResourceUpdated(in.URI)
				done = append(done, "updated "+in.URI)
			}
			switch in.List {
			case "tools":
				addWait(s)
			case "prompts":
				addReviewPrompt(s)
			case "resources":
				addPing(s)
			}
			if in.List != "" {
				done = append(done, in.List+" list changed")
			}
			return strings.Join(done, "; "), nil
		})
}
