package shop

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"
)

// Purchase buys items for the customer given by id or email, in one transaction: every product must exist
// and have the quantity asked in stock, or nothing is bought and the error says why (a *NotFoundError, a
// *StockError with how many are left, a *QuantityError). Items naming one product twice are added up.
func (s *Store) Purchase(ctx context.Context, customer string, items []Item) (*Order, error) {
	var order *Order
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.customer(ctx, tx, customer)
		if err != nil {
			return err
		}
		order, err = s.buy(ctx, tx, c, items)
		return err
	})
	if err != nil {
		return nil, err
	}
	return order, nil
}

// PlaceOrder orders what the customer's cart holds and empties the cart, in one transaction (the rules of
// Purchase apply).
func (s *Store) PlaceOrder(ctx context.Context, customer string) (*Order, error) {
	var order *Order
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.customer(ctx, tx, customer)
		if err != nil {
			return err
		}
		cart, err := s.cart(ctx, tx, c.ID)
		if err != nil {
			return err
		}
		if len(cart.Items) == 0 {
			return fmt.Errorf("the cart of customer %d is empty: add-to-cart first", c.ID)
		}
		items := make([]Item, len(cart.Items))
		for i, l := range cart.Items {
			items[i] = Item{ProductID: l.ProductID, Quantity: l.Quantity}
		}
		if order, err = s.buy(ctx, tx, c, items); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.d.q("DELETE FROM cart_items WHERE customer_id = ?"), c.ID)
		return err
	})
	if err != nil {
		return nil, err
	}
	return order, nil
}

// mergeItems checks the quantities and adds up the items of one product, in product order (the order rows
// are locked in, so two purchases of the same products cannot deadlock).
func mergeItems(items []Item) ([]Item, error) {
	if len(items) == 0 {
		return nil, errors.New("a purchase needs at least one item: items is [{product_id, quantity}, …]")
	}
	sum := map[int64]int64{}
	for _, it := range items {
		if it.Quantity < 1 || it.Quantity > MaxQuantity {
			return nil, &QuantityError{ProductID: it.ProductID, Quantity: it.Quantity}
		}
		sum[it.ProductID] += it.Quantity
	}
	merged := make([]Item, 0, len(sum))
	for id, q := range sum {
		if q > MaxQuantity {
			return nil, &QuantityError{ProductID: id, Quantity: q}
		}
		merged = append(merged, Item{ProductID: id, Quantity: q})
	}
	slices.SortFunc(merged, func(a, b Item) int { return compare(a.ProductID, b.ProductID) })
	return merged, nil
}

func compare(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// buy takes the stock of items and records the order, inside tx. The stock is taken with one conditional
// UPDATE per product: it changes no row when the stock is short, whatever other transactions did in the
// meantime (PostgreSQL re-checks the condition on the newest row version after waiting for its lock;
// SQLite runs one writing transaction at a time).
func (s *Store) buy(ctx context.Context, tx *sql.Tx, c *Customer, items []Item) (*Order, error) {
	merged, err := mergeItems(items)
	if err != nil {
		return nil, err
	}
	o := &Order{CustomerID: c.ID, CustomerName: c.Name, CreatedAt: time.Now().UTC().Format(time.RFC3339), Items: []Line{}}
	for _, it := range merged {
		p, err := s.product(ctx, tx, it.ProductID)
		if err != nil {
			return nil, err
		}
		res, err := tx.ExecContext(ctx, s.d.q("UPDATE products SET stock = stock - ? WHERE id = ? AND stock >= ?"),
			it.Quantity, it.ProductID, it.Quantity)
		if err != nil {
			return nil, err
		}
		if n, err := res.RowsAffected(); err != nil {
			return nil, err
		} else if n == 0 {
			var left int64
			if err := tx.QueryRowContext(ctx, s.d.q("SELECT stock FROM products WHERE id = ?"), it.ProductID).Scan(&left); err != nil {
				return nil, err
			}
			return nil, &StockError{ProductID: p.ID, Name: p.Name, Asked: it.Quantity, Left: left}
		}
		l := Line{ProductID: p.ID, Name: p.Name, Category: p.Category, Quantity: it.Quantity, UnitPriceCents: p.PriceCents}
		l.total()
		o.Items = append(o.Items, l)
		o.Units += l.Quantity
		o.TotalCents += l.LineTotalCents
	}
	o.Total = dollars(o.TotalCents)
	if err := tx.QueryRowContext(ctx, s.d.q("INSERT INTO orders (customer_id, total_cents, created_at) VALUES (?, ?, ?) RETURNING id"),
		c.ID, o.TotalCents, o.CreatedAt).Scan(&o.ID); err != nil {
		return nil, err
	}
	for _, l := range o.Items {
		if _, err := tx.ExecContext(ctx, s.d.q("INSERT INTO order_items (order_id, product_id, quantity, unit_price_cents) VALUES (?, ?, ?, ?)"),
			o.ID, l.ProductID, l.Quantity, l.UnitPriceCents); err != nil {
			return nil, err
		}
	}
	return o, nil
}

// SetStock sets a product's stock (a delivery, a stock count) and returns the product.
func (s *Store) SetStock(ctx context.Context, productID, stock int64) (*Product, error) {
	if stock < 0 {
		return nil, fmt.Errorf("bad stock %d: a stock is zero or more", stock)
	}
	res, err := s.db.ExecContext(ctx, s.d.q("UPDATE products SET stock = ? WHERE id = ?"), stock, productID)
	if err != nil {
		return nil, err
	}
	if n, err := res.RowsAffected(); err != nil {
		return nil, err
	} else if n == 0 {
		return nil, unknownProduct(productID)
	}
	return s.Product(ctx, productID)
}

// OrderSummary adds up a list of orders.
type OrderSummary struct {
	Orders       int    `json:"orders"`
	Units        int64  `json:"units"`
	RevenueCents int64  `json:"revenue_cents"`
	Revenue      string `json:"revenue"`
}

// Orders lists the orders of the customer given by id or email, or every order when customer is empty,
// oldest first, with their items.
func (s *Store) Orders(ctx context.Context, customer string) ([]Order, error) {
	q := `SELECT o.id, o.customer_id, c.name, o.created_at, o.total_cents FROM orders o JOIN customers c ON c.id = o.customer_id`
	var args []any
	if customer != "" {
		c, err := s.customer(ctx, s.db, customer)
		if err != nil {
			return nil, err
		}
		q += " WHERE o.customer_id = ?"
		args = append(args, c.ID)
	}
	rows, err := s.db.QueryContext(ctx, s.d.q(q+" ORDER BY o.id"), args...)
	if err != nil {
		return nil, err
	}
	orders := []Order{}
	byID := map[int64]int{}
	for rows.Next() {
		o := Order{Items: []Line{}}
		if err := rows.Scan(&o.ID, &o.CustomerID, &o.CustomerName, &o.CreatedAt, &o.TotalCents); err != nil {
			rows.Close()
			return nil, err
		}
		o.Total = dollars(o.TotalCents)
		byID[o.ID] = len(orders)
		orders = append(orders, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil || len(orders) == 0 {
		return orders, err
	}
	iq := `SELECT i.order_id, i.product_id, p.name, c.slug, i.quantity, i.unit_price_cents
FROM order_items i JOIN products p ON p.id = i.product_id JOIN categories c ON c.id = p.category_id
JOIN orders o ON o.id = i.order_id`
	if customer != "" {
		iq += " WHERE o.customer_id = ?"
	}
	rows, err = s.db.QueryContext(ctx, s.d.q(iq+" ORDER BY i.order_id, i.product_id"), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var l Line
		if err := rows.Scan(&id, &l.ProductID, &l.Name, &l.Category, &l.Quantity, &l.UnitPriceCents); err != nil {
			return nil, err
		}
		l.total()
		if i, ok := byID[id]; ok {
			orders[i].Items = append(orders[i].Items, l)
			orders[i].Units += l.Quantity
		}
	}
	return orders, rows.Err()
}

// Summarize adds up orders.
func Summarize(orders []Order) OrderSummary {
	var s OrderSummary
	for _, o := range orders {
		s.Orders++
		s.Units += o.Units
		s.RevenueCents += o.TotalCents
	}
	s.Revenue = dollars(s.RevenueCents)
	return s
}
