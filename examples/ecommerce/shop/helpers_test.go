package shop_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/internal/pgtest"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

func TestMain(m *testing.M) {
	// database/sql's connection opener lives as long as its DB; pgx's stdlib keeps none.
	goleak.VerifyTestMain(m)
}

// eras are the two ways in: a legacy session and the stateless 2026-07-28 era.
var eras = []string{mcp.Version20251125, mcp.Version20260728}

// onEachDatabase runs the tests of the map on SQLite (a file in a temp dir) and on a private PostgreSQL
// started once for all of them (skipped without PostgreSQL, failed with CI=true). Each test gets a fresh,
// migrated database.
func onEachDatabase(t *testing.T, tests map[string]func(t *testing.T, st *shop.Store, db dbEnv)) {
	run := func(t *testing.T, newDSN func(t *testing.T) string) {
		for name, fn := range tests {
			t.Run(name, func(t *testing.T) {
				dsn := newDSN(t)
				fn(t, open(t, dsn), dbEnv{dsn: dsn, fresh: newDSN})
			})
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		run(t, func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "shop.db") })
	})
	t.Run("postgres", func(t *testing.T) {
		pg := pgtest.Start(t)
		run(t, func(t *testing.T) string { return pg.NewDatabase(t) })
	})
}

// dbEnv is where a test's store lives: its dsn, and how to make another, empty database of the same kind.
type dbEnv struct {
	dsn   string
	fresh func(t *testing.T) string
}

// open opens and migrates the database of dsn for t.
func open(t *testing.T, dsn string) *shop.Store {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := shop.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// serve returns the shop's MCP server on st, closed when t ends.
func serve(t *testing.T, st *shop.Store) *server.Server {
	s := shop.New(st, nil)
	t.Cleanup(func() { s.Close() })
	return s
}

// connect connects a client of protocol version to s over an in-memory pipe.
func connect(t *testing.T, s *server.Server, version string, opts client.Options) *client.Session {
	t.Helper()
	return exampletest.Connect(t, s, version, opts)
}

// call calls a tool and returns its text and whether it is an error result; a protocol error fails t.
func call(t *testing.T, sess *client.Session, tool string, args any) (string, bool) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	res, err := sess.CallTool(ctx, tool, args)
	if err != nil {
		t.Fatalf("%s %v: %v", tool, args, err)
	}
	var text []string
	for _, c := range res.Content {
		text = append(text, c.Text)
	}
	return strings.Join(text, "\n"), res.IsError
}
