// Command elicitation is the MCP book's book_trip with the membership follow-up: the tool asks the user
// (elicitation/create) for the trip's details, then asks a second question that depends on the first
// answer — a member's number for the member price, or to a non-member whether to join. Decline and cancel
// are honoured at each step. The same handler serves a legacy session (server-to-client requests) and
// 2026-07-28 (input_required rounds).
//
//	go run ./examples/elicitation             # Streamable HTTP at http://127.0.0.1:8000/mcp
//	go run ./examples/elicitation --stdio     # over stdin/stdout
//
// See README.md in this directory.
package main

import (
	"context"
	"fmt"

	"github.com/mcpkit/mcpkit/internal/exampleserve"
	"github.com/mcpkit/mcpkit/mcp"
	"github.com/mcpkit/mcpkit/server"
)

// TripArgs are the arguments of book_trip.
type TripArgs struct {
	Destination string `json:"destination" jsonschema:"description=where to,minLength=1"`
	Date        string `json:"date" jsonschema:"description=the travel date (YYYY-MM-DD),format=date"`
}

// TripDetails is the first form: how many travel, and whether the user is a club member.
type TripDetails struct {
	Travelers int  `json:"travelers" jsonschema:"description=How many travelers?,minimum=1,maximum=9,default=1"`
	Member    bool `json:"member" jsonschema:"description=Are you a member of the travel club?"`
}

// Membership is the follow-up a member gets: the membership number.
type Membership struct {
	Number string `json:"number" jsonschema:"description=Your membership number (TC-123456),pattern=^TC-[0-9]{6}$"`
}

// JoinOffer is the follow-up a non-member gets: whether to join the club now.
type JoinOffer struct {
	Join bool `json:"join" jsonschema:"description=Join the travel club (free) and get the member price now?"`
}

// Prices, in cents: per traveler, and the members' discount in percent.
const (
	pricePerTraveler = 20000
	memberDiscount   = 10
)

// booking is the outcome of the follow-up question.
type booking struct {
	member    bool   // the member price applies
	note      string // what the follow-up settled, for the result
	cancelled bool   // the user cancelled the whole booking
}

// askMember asks a member for the number; a decline keeps the standard price, a cancel ends the booking.
func askMember(ctx context.Context) (booking, error) {
	ans, err := server.Elicit[Membership](ctx, "Your membership number, for the member price ("+fmt.Sprint(memberDiscount)+"% off)?")
	if err != nil {
		return booking{}, err
	}
	switch ans.Action {
	case mcp.ElicitActionAccept:
		return booking{member: true, note: "member price, " + ans.Content.Number}, nil
	case mcp.ElicitActionDecline:
		return booking{note: "standard price: no membership number given"}, nil
	}
	return booking{cancelled: true}, nil
}

// offerJoin asks a non-member whether to join; a decline keeps the standard price, a cancel ends the
// booking.
func offerJoin(ctx context.Context) (booking, error) {
	ans, err := server.Elicit[JoinOffer](ctx, "Members get "+fmt.Sprint(memberDiscount)+"% off. Join the travel club now?")
	if err != nil {
		return booking{}, err
	}
	switch {
	case ans.Action == mcp.ElicitActionCancel:
		return booking{cancelled: true}, nil
	case ans.Accepted() && ans.Content.Join:
		return booking{member: true, note: "member price, welcome to the club"}, nil
	}
	return booking{note: "standard price"}, nil
}

// bookTrip is the tool: the details form, then the follow-up its answer calls for.
func bookTrip(ctx context.Context, in TripArgs) (string, error) {
	details, err := server.Elicit[TripDetails](ctx, fmt.Sprintf("Booking a trip to %s on %s: how many travelers, and are you a club member?", in.Destination, in.Date))
	if err != nil {
		return "", err
	}
	switch details.Action {
	case mcp.ElicitActionDecline:
		return "[DECLINED] No booking made", nil
	case mcp.ElicitActionCancel:
		return "[CANCELLED] Booking cancelled", nil
	}
	follow := offerJoin
	if details.Content.Member {
		follow = askMember
	}
	b, err := follow(ctx)
	if err != nil {
		return "", err
	}
	if b.cancelled {
		return "[CANCELLED] Booking cancelled", nil
	}
	n := details.Content.Travelers
	cents := n * pricePerTraveler
	if b.member {
		cents -= cents * memberDiscount / 100
	}
	return fmt.Sprintf("[SUCCESS] Booked a trip to %s on %s for %d traveler(s): $%d.%02d (%s)",
		in.Destination, in.Date, n, cents/100, cents%100, b.note), nil
}

// New returns the elicitation server.
func New() *server.Server {
	s := server.New("elicitation", "0.1.0", &server.Options{Instructions: "book_trip books a trip, asking the user for the details and about the travel club."})
	server.Tool(s, "book_trip", "Book a trip: asks the user how many travel and whether they are club members, then for the membership number or whether to join", bookTrip)
	return s
}

// run serves New until ctx ends.
var run = exampleserve.Runner(New)

func main() { exampleserve.Main("elicitation", run) }
