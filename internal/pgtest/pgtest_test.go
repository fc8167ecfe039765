package pgtest

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
)

func TestStartStop(t *testing.T) {
	s := Start(t)
	url := s.NewDatabase(t)
	ctx := context.Background()
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	var n int
	if err := c.QueryRow(ctx, "SELECT 40 + 2").Scan(&n); err != nil || n != 42 {
		t.Fatalf("SELECT 40 + 2 = %d, %v", n, err)
	}
	if other := s.NewDatabase(t); other == url {
		t.Fatalf("two databases share the URL %s", url)
	}
	c.Close(ctx)
	s.Stop()
	if err := s.ping(); err == nil {
		t.Fatal("the server still answers after Stop")
	}
	s.Stop() // idempotent
}
