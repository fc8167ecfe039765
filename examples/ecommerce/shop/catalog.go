package shop

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
)

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

const productColumns = `p.id, p.name, p.description, c.slug, c.name, p.price_cents, p.stock
FROM products p JOIN categories c ON c.id = p.category_id`

func scanProduct(sc interface{ Scan(...any) error }) (Product, error) {
	var p Product
	err := sc.Scan(&p.ID, &p.Name, &p.Description, &p.Category, &p.CategoryName, &p.PriceCents, &p.Stock)
	p.Price = dollars(p.PriceCents)
	p.InStock = p.Stock > 0
	return p, err
}

// Categories lists the categories, with how many products each has.
func (s *Store) Categories(ctx context.Context) ([]Category, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT c.id, c.slug, c.name, COUNT(p.id)
FROM categories c LEFT JOIN products p ON p.category_id = c.id
GROUP BY c.id, c.slug, c.name ORDER BY c.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cats := []Category{}
	for rows.Next() {
		var c Category
		if err := rows.Scan(&c.ID, &c.Slug, &c.Name, &c.Products); err != nil {
			return nil, err
		}
		cats = append(cats, c)
	}
	return cats, rows.Err()
}

// categorySlug resolves a category given by slug or name, in any case; "" is every category.
func (s *Store) categorySlug(ctx context.Context, ref string) (string, error) {
	ref = strings.TrimSpace(ref)
	if ref == "" {
		return "", nil
	}
	cats, err := s.Categories(ctx)
	if err != nil {
		return "", err
	}
	known := make([]string, len(cats))
	for i, c := range cats {
		if strings.EqualFold(ref, c.Slug) || strings.EqualFold(ref, c.Name) {
			return c.Slug, nil
		}
		known[i] = c.Slug
	}
	return "", unknownCategory(ref, known)
}

// Products lists the products of a category (its slug or name, any case), or all of them when category is
// empty, by id.
func (s *Store) Products(ctx context.Context, category string) ([]Product, error) {
	slug, err := s.categorySlug(ctx, category)
	if err != nil {
		return nil, err
	}
	q, args := "SELECT "+productColumns+" ORDER BY p.id", []any(nil)
	if slug != "" {
		q, args = "SELECT "+productColumns+" WHERE c.slug = ? ORDER BY p.id", []any{slug}
	}
	rows, err := s.db.QueryContext(ctx, s.d.q(q), args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	ps := []Product{}
	for rows.Next() {
		p, err := scanProduct(rows)
		if err != nil {
			return nil, err
		}
		ps = append(ps, p)
	}
	return ps, rows.Err()
}

// Product returns one product.
func (s *Store) Product(ctx context.Context, id int64) (*Product, error) {
	return s.product(ctx, s.db, id)
}

func (s *Store) product(ctx context.Context, q queryer, id int64) (*Product, error) {
	p, err := scanProduct(q.QueryRowContext(ctx, s.d.q("SELECT "+productColumns+" WHERE p.id = ?"), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unknownProduct(id)
	}
	if err != nil {
		return nil, err
	}
	return &p, nil
}

// Customers lists the customers by id.
func (s *Store) Customers(ctx context.Context) ([]Customer, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, name, email FROM customers ORDER BY id")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	cs := []Customer{}
	for rows.Next() {
		var c Customer
		if err := rows.Scan(&c.ID, &c.Name, &c.Email); err != nil {
			return nil, err
		}
		cs = append(cs, c)
	}
	return cs, rows.Err()
}

// customer resolves a customer given by id ("2") or email (any case).
func (s *Store) customer(ctx context.Context, q queryer, ref string) (*Customer, error) {
	ref = strings.TrimSpace(ref)
	var c Customer
	var row *sql.Row
	if id, err := strconv.ParseInt(ref, 10, 64); err == nil {
		row = q.QueryRowContext(ctx, s.d.q("SELECT id, name, email FROM customers WHERE id = ?"), id)
	} else {
		row = q.QueryRowContext(ctx, s.d.q("SELECT id, name, email FROM customers WHERE LOWER(email) = LOWER(?)"), ref)
	}
	err := row.Scan(&c.ID, &c.Name, &c.Email)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, unknownCustomer(strconv.Quote(ref))
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Customer returns the customer given by id ("2") or email.
func (s *Store) Customer(ctx context.Context, ref string) (*Customer, error) {
	return s.customer(ctx, s.db, ref)
}
