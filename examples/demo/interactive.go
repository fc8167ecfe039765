package demo

import (
	"context"
	"fmt"
	"strings"

	"github.com/mcpkit/mcpkit/server"
)

// ProductArgs are the arguments of the create_product tool.
type ProductArgs struct {
	ProductName string `json:"product_name" jsonschema:"the product's name"`
	Keywords    string `json:"keywords" jsonschema:"comma-separated keywords the description should use"`
}

// Product is what create_product returns.
type Product struct {
	Name        string   `json:"name"`
	Keywords    []string `json:"keywords"`
	Description string   `json:"description"`
}

// TripArgs are the arguments of the book_trip tool.
type TripArgs struct {
	Date string `json:"date" jsonschema:"the travel date (YYYY-MM-DD)"`
}

// BookingPreferences is the form book_trip shows when the date is full.
type BookingPreferences struct {
	CheckAlternative bool   `json:"checkAlternative" jsonschema:"description=Would you like to book another date?"`
	AlternativeDate  string `json:"alternativeDate,omitempty" jsonschema:"description=The alternative date,format=date,default=2024-12-26"`
}

// FullDate is the date book_trip finds booked out.
const FullDate = "2024-12-25"

// addInteractive registers the tools that ask the client: sampling (create_product) and elicitation
// (book_trip). The same handler bodies serve legacy sessions (server-to-client requests) and 2026-07-28
// requests (input_required rounds).
func addInteractive(s *server.Server) {
	AddCreateProduct(s)
	addBookTrip(s)
}

// AddCreateProduct registers create_product, which asks the client's LLM (sampling) for the description
// of a product; examples/sampling serves it too.
func AddCreateProduct(s *server.Server) {
	server.Tool(s, "create_product", "Create a product; the client's LLM writes its description",
		func(ctx context.Context, in ProductArgs) (*Product, error) {
			var keywords []string
			for k := range strings.SplitSeq(in.Keywords, ",") {
				if k = strings.TrimSpace(k); k != "" {
					keywords = append(keywords, k)
				}
			}
			prompt := fmt.Sprintf("Write a one-paragraph product description for %q using the keywords: %s.",
				in.ProductName, strings.Join(keywords, ", "))
			desc, err := server.SampleText(ctx, prompt, 200)
			if err != nil {
				return nil, err
			}
			if keywords == nil {
				keywords = []string{}
			}
			return &Product{Name: in.ProductName, Keywords: keywords, Description: desc}, nil
		})
}

func addBookTrip(s *server.Server) {
	server.Tool(s, "book_trip", "Book a trip; offers another date when the one asked for is full",
		func(ctx context.Context, in TripArgs) (string, error) {
			if in.Date != FullDate {
				return "[SUCCESS] Booked for " + in.Date, nil
			}
			ans, err := server.Elicit[BookingPreferences](ctx, "No availability on "+in.Date+". Would you like to try another date?")
			if err != nil {
				return "", err
			}
			switch {
			case !ans.Accepted():
				return "[CANCELLED] Booking cancelled", nil
			case !ans.Content.CheckAlternative:
				return "[CANCELLED] No booking made", nil
			}
			date := ans.Content.AlternativeDate
			if date == "" {
				date = "2024-12-26"
			}
			return "[SUCCESS] Booked for " + date, nil
		})
}
