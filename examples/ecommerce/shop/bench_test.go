package shop_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/internal/pgtest"
)

// BenchmarkPurchase measures one create_purchase transaction (one item: customer lookup, product read,
// conditional stock UPDATE, order and item INSERTs, commit) straight on the Store, with parallel buyers.
func BenchmarkPurchase(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchPurchase(b, "sqlite:"+filepath.Join(b.TempDir(), "shop.db")) })
	b.Run("postgres", func(b *testing.B) { benchPurchase(b, pgtest.Start(b).NewDatabase(b)) })
}

func benchPurchase(b *testing.B, dsn string) {
	ctx := context.Background()
	st, err := shop.Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	if _, err := st.SetStock(ctx, 7, 1<<40); err != nil {
		b.Fatal(err)
	}
	items := []shop.Item{{ProductID: 7, Quantity: 1}}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := st.Purchase(ctx, "1", items); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
