package shop

import (
	"context"
	"database/sql"
)

// Cart returns the cart of the customer given by id or email.
func (s *Store) Cart(ctx context.Context, customer string) (*Cart, error) {
	c, err := s.customer(ctx, s.db, customer)
	if err != nil {
		return nil, err
	}
	return s.cart(ctx, s.db, c.ID)
}

func (s *Store) cart(ctx context.Context, q queryer, customerID int64) (*Cart, error) {
	rows, err := q.QueryContext(ctx, s.d.q(`SELECT i.product_id, p.name, c.slug, i.quantity, p.price_cents
FROM cart_items i JOIN products p ON p.id = i.product_id JOIN categories c ON c.id = p.category_id
WHERE i.customer_id = ? ORDER BY i.product_id`), customerID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cart := &Cart{CustomerID: customerID, Items: []Line{}}
	for rows.Next() {
		var l Line
		if err := rows.Scan(&l.ProductID, &l.Name, &l.Category, &l.Quantity, &l.UnitPriceCents); err != nil {
			return nil, err
		}
		l.total()
		cart.Items = append(cart.Items, l)
		cart.Units += l.Quantity
		cart.TotalCents += l.LineTotalCents
	}
	cart.Total = dollars(cart.TotalCents)
	return cart, rows.Err()
}

// AddToCart puts quantity more of a product in the customer's cart and returns the cart. The cart may
// not hold more of a product than is in stock (a *StockError says how many are left); the stock is taken
// only when the order is placed.
func (s *Store) AddToCart(ctx context.Context, customer string, productID, quantity int64) (*Cart, error) {
	if quantity < 1 || quantity > MaxQuantity {
		return nil, &QuantityError{ProductID: productID, Quantity: quantity}
	}
	var cart *Cart
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		c, err := s.customer(ctx, tx, customer)
		if err != nil {
			return err
		}
		p, err := s.product(ctx, tx, productID)
		if err != nil {
			return err
		}
		var have int64
		err = tx.QueryRowContext(ctx, s.d.q("SELECT quantity FROM cart_items WHERE customer_id = ? AND product_id = ?"), c.ID, productID).Scan(&have)
		if err != nil && err != sql.ErrNoRows {
			return err
		}
		want := have + quantity
		if want > p.Stock {
			return &StockError{ProductID: p.ID, Name: p.Name, Asked: want, Left: p.Stock}
		}
		if want > MaxQuantity {
			return &QuantityError{ProductID: productID, Quantity: want}
		}
		if have == 0 {
			_, err = tx.ExecContext(ctx, s.d.q("INSERT INTO cart_items (customer_id, product_id, quantity) VALUES (?, ?, ?)"), c.ID, productID, want)
		} else {
			_, err = tx.ExecContext(ctx, s.d.q("UPDATE cart_items SET quantity = ? WHERE customer_id = ? AND product_id = ?"), want, c.ID, productID)
		}
		if err != nil {
			return err
		}
		cart, err = s.cart(ctx, tx, c.ID)
		return err
	})
	return cart, err
}
