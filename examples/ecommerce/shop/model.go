package shop

import (
	"fmt"
)

// Category is a product category.
type Category struct {
	ID   int64  `json:"id"`
	Slug string `json:"slug" jsonschema:"the short name filters take (electronics, books, …)"`
	Name string `json:"name"`
	// Products counts the category's products.
	Products int `json:"product_count"`
}

// Product is a product with its current stock.
type Product struct {
	ID           int64  `json:"id"`
	Name         string `json:"name"`
	Description  string `json:"description"`
	Category     string `json:"category" jsonschema:"the category's slug"`
	CategoryName string `json:"category_name"`
	PriceCents   int64  `json:"price_cents"`
	Price        string `json:"price" jsonschema:"the price in dollars, for reading"`
	Stock        int64  `json:"stock"`
	InStock      bool   `json:"in_stock"`
}

// Customer is a customer.
type Customer struct {
	ID    int64  `json:"id"`
	Name  string `json:"name"`
	Email string `json:"email"`
}

// Line is one product of a cart or an order.
type Line struct {
	ProductID      int64  `json:"product_id"`
	Name           string `json:"name"`
	Category       string `json:"category"`
	Quantity       int64  `json:"quantity"`
	UnitPriceCents int64  `json:"unit_price_cents"`
	LineTotalCents int64  `json:"line_total_cents"`
	LineTotal      string `json:"line_total"`
}

// Cart is what a customer has put aside and not yet ordered.
type Cart struct {
	CustomerID int64  `json:"customer_id"`
	Items      []Line `json:"items"`
	Units      int64  `json:"units"`
	TotalCents int64  `json:"total_cents"`
	Total      string `json:"total"`
}

// Order is a placed order (a purchase).
type Order struct {
	ID           int64  `json:"order_id"`
	CustomerID   int64  `json:"customer_id"`
	CustomerName string `json:"customer_name"`
	CreatedAt    string `json:"created_at" jsonschema:"RFC 3339, UTC"`
	Items        []Line `json:"items"`
	Units        int64  `json:"units"`
	TotalCents   int64  `json:"total_cents"`
	Total        string `json:"total"`
}

// Item is one product and quantity of a purchase.
type Item struct {
	ProductID int64 `json:"product_id" jsonschema:"description=the product's id (get_products lists them),minimum=1"`
	Quantity  int64 `json:"quantity" jsonschema:"description=how many to buy,minimum=1,maximum=1000"`
}

// MaxQuantity bounds one item of a purchase or a cart.
const MaxQuantity = 1000

// dollars formats cents for reading: 2499 → "$24.99".
func dollars(cents int64) string {
	sign := ""
	if cents < 0 {
		sign, cents = "-", -cents
	}
	return fmt.Sprintf("%s$%d.%02d", sign, cents/100, cents%100)
}

// total fills a line's total.
func (l *Line) total() {
	l.LineTotalCents = l.UnitPriceCents * l.Quantity
	l.LineTotal = dollars(l.LineTotalCents)
}
