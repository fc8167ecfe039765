package shop

import (
	"fmt"
	"strings"
)

// The errors below are the ones a model reads in an isError tool result: each says what was wrong and
// what to do next.

// StockError says a product has fewer items left than asked for.
type StockError struct {
	ProductID int64
	Name      string
	Asked     int64
	Left      int64
}

func (e *StockError) Error() string {
	if e.Left == 0 {
		return fmt.Sprintf("not enough stock: %q (product %d) is sold out; asked for %d. Nothing was bought.", e.Name, e.ProductID, e.Asked)
	}
	return fmt.Sprintf("not enough stock: %q (product %d) has only %d left; asked for %d. Nothing was bought: ask for at most %d.",
		e.Name, e.ProductID, e.Left, e.Asked, e.Left)
}

// NotFoundError says a product, category or customer does not exist.
type NotFoundError struct {
	Kind, Ref, Hint string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("unknown %s %s: %s", e.Kind, e.Ref, e.Hint)
}

// QuantityError says a quantity is out of range.
type QuantityError struct {
	ProductID int64
	Quantity  int64
}

func (e *QuantityError) Error() string {
	return fmt.Sprintf("bad quantity %d for product %d: a quantity is a whole number from 1 to %d", e.Quantity, e.ProductID, MaxQuantity)
}

func unknownProduct(id int64) error {
	return &NotFoundError{Kind: "product", Ref: fmt.Sprint(id), Hint: "get_products (or products) lists the products and their ids"}
}

func unknownCategory(ref string, known []string) error {
	return &NotFoundError{Kind: "category", Ref: fmt.Sprintf("%q", ref), Hint: "the categories are " + strings.Join(known, ", ")}
}

func unknownCustomer(ref string) error {
	return &NotFoundError{Kind: "customer", Ref: ref, Hint: "get-customers lists the customers with their ids and emails"}
}
