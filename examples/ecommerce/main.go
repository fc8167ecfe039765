// Command ecommerce is the e-commerce server of the MCP book's chapter 3 and the seed's purchase flow,
// on a real database: customers, categories, products, carts and orders; tools to browse, check stock,
// buy (all or nothing, never overselling) and analyse orders; the product_catalog resource, with
// notifications/resources/updated to its subscribers when stock changes.
//
//	go run ./examples/ecommerce --addr 127.0.0.1:8080                    # SQLite file in the user cache dir
//	go run ./examples/ecommerce --db sqlite::memory: --stdio             # in memory, over stdin/stdout
//	go run ./examples/ecommerce --db postgres://user@127.0.0.1:5432/shop # PostgreSQL
//
// Over HTTP it serves Streamable HTTP at /mcp (both protocol eras) and HTTP+SSE at /sse and /messages.
// See README.md in this directory.
package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8080", "address to serve HTTP on (loopback)")
	db := flag.String("db", shop.DefaultDSN(), "database: sqlite:PATH, sqlite::memory: or postgres://USER@HOST:PORT/DB")
	stdio := flag.Bool("stdio", false, "serve over stdin/stdout instead of HTTP")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *db, *addr, *stdio); err != nil {
		fmt.Fprintln(os.Stderr, "ecommerce:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, dsn, addr string, stdio bool) error {
	st, err := shop.Open(ctx, dsn)
	if err != nil {
		return err
	}
	defer st.Close()
	s := shop.New(st, nil)
	defer s.Close()
	if stdio {
		return s.ServeStdio(ctx)
	}
	slog.Info("ecommerce: serving", "db", st.Dialect(), "streamable", "http://"+addr+"/mcp", "sse", "http://"+addr+"/sse")
	return s.ListenAndServeContext(ctx, addr, nil)
}
