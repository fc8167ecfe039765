package main

import (
	"context"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/internal/pgtest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/transport/sse"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

func TestMain(m *testing.M) {
	exampletest.RunAsMain(main) // TestStdio's child
	goleak.VerifyTestMain(m)
}

// startHTTP runs the example as `ecommerce --addr 127.0.0.1:PORT --db DSN` until t ends and returns its
// base URL.
func startHTTP(t *testing.T, dsn string) string {
	t.Helper()
	return exampletest.StartHTTP(t, func(ctx context.Context, f exampleserve.Flags) error { return run(ctx, dsn, f.Addr, false) })
}

// transports are the ways the example is reached over HTTP.
var transports = []struct {
	name    string
	version string // "" for HTTP+SSE (2024-11-05)
}{
	{"streamable-" + mcp.Version20251125, mcp.Version20251125},
	{"streamable-" + mcp.Version20260728, mcp.Version20260728},
	{"sse", ""},
}

// dial connects a client to base over one transport.
func dial(t *testing.T, base, version string, opts client.Options) *client.Session {
	t.Helper()
	if version != "" {
		return exampletest.ConnectHTTP(t, base, version, opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
	defer cancel()
	c, err := sse.Dial(ctx, base+"/sse", nil)
	if err != nil {
		t.Fatal(err)
	}
	return exampletest.ConnectStream(t, c, mcp.Version20241105, opts)
}

// TestHTTP: the example as started by `go run ./examples/ecommerce --addr …` (SQLite) and with `--db
// postgres://…` (a private PostgreSQL) answers the seed's questions over Streamable HTTP (both eras) and
// HTTP+SSE with mcpkit's client, and a subscriber on each transport hears of the stock a purchase on
// another one took.
func TestHTTP(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testHTTP(t, "sqlite:"+filepath.Join(t.TempDir(), "shop.db")) })
	t.Run("postgres", func(t *testing.T) { testHTTP(t, pgtest.Start(t).NewDatabase(t)) })
}

func testHTTP(t *testing.T, dsn string) {
	base := startHTTP(t, dsn)
	buyer := dial(t, base, mcp.Version20260728, client.Options{})
	for i, tr := range transports {
		t.Run(tr.name, func(t *testing.T) {
			updated := make(chan string, 16)
			sess := dial(t, base, tr.version, client.Options{OnResourceUpdated: func(_ context.Context, uri string) { updated <- uri }})
			text, isErr := exampletest.Call(t, sess, "get_inventory", map[string]any{"category": "books"})
			want := `"product_id":4,"name":"The Go Programming Language","category":"books","stock":` + strconv.Itoa(12-i)
			if isErr || !strings.Contains(text, want) {
				t.Fatalf("get_inventory: %s (isError %v), want %s", text, isErr, want)
			}
			if text, isErr := exampletest.Call(t, sess, "create_purchase", map[string]any{"customer": "alan@example.com",
				"items": []map[string]int{{"product_id": 5, "quantity": 9}}}); !isErr || !strings.Contains(text, "has only 3 left; asked for 9") {
				t.Fatalf("create_purchase of 9 (3 left): %s (isError %v)", text, isErr)
			}

			lctx, stop := context.WithCancel(context.Background())
			ready, done := make(chan struct{}), make(chan error, 1)
			go func() {
				done <- sess.Listen(lctx, mcp.SubscriptionFilter{ResourceSubscriptions: []string{shop.CategoryURI("books")}},
					func(mcp.SubscriptionFilter) { close(ready) })
			}()
			defer func() {
				stop()
				if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
					t.Errorf("listen: %v", err)
				}
			}()
			select {
			case <-ready:
			case err := <-done:
				t.Fatalf("listen: %v", err)
			case <-time.After(10 * time.Second):
				t.Fatal("no subscription")
			}
			text, isErr = exampletest.Call(t, buyer, "create_purchase", map[string]any{"customer": "1",
				"items": []map[string]int{{"product_id": 4, "quantity": 1}}})
			if isErr || !strings.Contains(text, `"total_cents":3999,"total":"$39.99"`) {
				t.Fatalf("create_purchase: %s (isError %v)", text, isErr)
			}
			select {
			case uri := <-updated:
				if uri != shop.CategoryURI("books") {
					t.Fatalf("updated %s", uri)
				}
			case <-time.After(10 * time.Second):
				t.Fatal("no notifications/resources/updated after the purchase")
			}
		})
	}
}

// TestStdio: `ecommerce --stdio --db sqlite::memory:` serves a client over stdin/stdout with nothing set
// up: it buys, and refuses to oversell.
func TestStdio(t *testing.T) {
	stream, err := stdio.Command(exampletest.Child(t, "--stdio --db sqlite::memory:"), stdio.CommandOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	sess, err := client.Connect(ctx, stream, &client.Options{})
	if err != nil {
		stream.Close()
		t.Fatal(err)
	}
	defer sess.Close()
	text, isErr := exampletest.Call(t, sess, "create_purchase", map[string]any{"customer": "3",
		"items": []map[string]int{{"product_id": 6, "quantity": 7}}})
	if isErr || !strings.Contains(text, `"customer_name":"Grace Hopper"`) || !strings.Contains(text, `"total_cents":41993`) {
		t.Fatalf("create_purchase: %s (isError %v)", text, isErr)
	}
	text, isErr = exampletest.Call(t, sess, "create_purchase", map[string]any{"customer": "3",
		"items": []map[string]int{{"product_id": 6, "quantity": 1}}})
	if !isErr || !strings.Contains(text, `"Chef's Knife" (product 6) is sold out`) {
		t.Fatalf("create_purchase of a sold-out knife: %s (isError %v)", text, isErr)
	}
}
