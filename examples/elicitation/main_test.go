package main

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/go-json-experiment/json"
	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// user answers the forms in order with scripted ElicitResults and records the messages it was shown.
type user struct {
	mu      sync.Mutex
	answers []string
	shown   []string
}

func (u *user) elicit(_ context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.shown = append(u.shown, p.Message)
	if len(u.answers) == 0 {
		return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
	}
	var res mcp.ElicitResult
	err := json.Unmarshal([]byte(u.answers[0]), &res)
	u.answers = u.answers[1:]
	return &res, err
}

const (
	twoMembers = `{"action":"accept","content":{"travelers":2,"member":true}}`
	twoGuests  = `{"action":"accept","content":{"travelers":2,"member":false}}`
	decline    = `{"action":"decline"}`
	cancel     = `{"action":"cancel"}`
)

// TestBookTrip walks both forms' accept, decline and cancel paths in both eras: which follow-up is
// asked depends on the first answer, and the result says what was booked at what price.
func TestBookTrip(t *testing.T) {
	cases := []struct {
		name     string
		answers  []string
		want     string
		followUp string // a word of the second form's message; "" when no second form is shown
		isErr    bool
	}{
		{"details declined", []string{decline}, "[DECLINED] No booking made", "", false},
		{"details cancelled", []string{cancel}, "[CANCELLED] Booking cancelled", "", false},
		{"member gives the number", []string{twoMembers, `{"action":"accept","content":{"number":"TC-123456"}}`},
			"[SUCCESS] Booked a trip to Lisbon on 2025-05-01 for 2 traveler(s): $360.00 (member price, TC-123456)", "membership number", false},
		{"member declines the number", []string{twoMembers, decline},
			"$400.00 (standard price: no membership number given)", "membership number", false},
		{"member cancels at the number", []string{twoMembers, cancel}, "[CANCELLED] Booking cancelled", "membership number", false},
		{"member's number off the pattern", []string{twoMembers, `{"action":"accept","content":{"number":"123"}}`},
			"does not match the requested schema", "membership number", true},
		{"guest joins", []string{twoGuests, `{"action":"accept","content":{"join":true}}`},
			"$360.00 (member price, welcome to the club)", "Join the travel club", false},
		{"guest accepts without joining", []string{twoGuests, `{"action":"accept","content":{"join":false}}`},
			"$400.00 (standard price)", "Join the travel club", false},
		{"guest declines to join", []string{twoGuests, decline}, "$400.00 (standard price)", "Join the travel club", false},
		{"guest cancels at the offer", []string{twoGuests, cancel}, "[CANCELLED] Booking cancelled", "Join the travel club", false},
		{"one traveler declines to join", []string{`{"action":"accept","content":{"travelers":1,"member":false}}`, decline},
			"for 1 traveler(s): $200.00 (standard price)", "Join the travel club", false},
	}
	for _, version := range exampletest.Eras {
		for _, tc := range cases {
			t.Run(version+"/"+tc.name, func(t *testing.T) {
				u := &user{answers: tc.answers}
				sess := exampletest.Connect(t, New(), version, client.Options{OnElicit: u.elicit})
				text, isErr := exampletest.Call(t, sess, "book_trip", TripArgs{Destination: "Lisbon", Date: "2025-05-01"})
				if isErr != tc.isErr || !strings.Contains(text, tc.want) {
					t.Fatalf("book_trip = %q (isError %v), want %q (isError %v)", text, isErr, tc.want, tc.isErr)
				}
				u.mu.Lock()
				defer u.mu.Unlock()
				if len(u.shown) == 0 || !strings.Contains(u.shown[0], "trip to Lisbon on 2025-05-01") {
					t.Fatalf("first form: %q", u.shown)
				}
				switch {
				case tc.followUp == "" && len(u.shown) != 1:
					t.Fatalf("forms shown %q, want only the first", u.shown)
				case tc.followUp != "" && (len(u.shown) != 2 || !strings.Contains(u.shown[1], tc.followUp)):
					t.Fatalf("forms shown %q, want a second one about %q", u.shown, tc.followUp)
				}
			})
		}
	}
}

// TestNoElicitation: a client that cannot show forms is told so.
func TestNoElicitation(t *testing.T) {
	for _, version := range exampletest.Eras {
		sess := exampletest.Connect(t, New(), version, client.Options{})
		ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
		res, err := sess.CallTool(ctx, "book_trip", TripArgs{Destination: "Oslo", Date: "2025-06-01"})
		cancel()
		if err == nil && (!res.IsError || !strings.Contains(res.Content[0].Text, "elicitation")) {
			t.Errorf("%s: %+v", version, res)
		} else if err != nil && !strings.Contains(err.Error(), "elicitation") {
			t.Errorf("%s: %v", version, err)
		}
	}
}

// TestHTTP: `elicitation --addr …` asks both forms over Streamable HTTP in both eras.
func TestHTTP(t *testing.T) {
	base := exampletest.StartHTTP(t, run)
	for _, version := range exampletest.Eras {
		u := &user{answers: []string{twoGuests, `{"action":"accept","content":{"join":true}}`}}
		sess := exampletest.ConnectHTTP(t, base, version, client.Options{OnElicit: u.elicit})
		if text, isErr := exampletest.Call(t, sess, "book_trip", TripArgs{Destination: "Rome", Date: "2025-07-01"}); isErr || !strings.Contains(text, "$360.00 (member price") {
			t.Errorf("%s: %q (isError %v)", version, text, isErr)
		}
	}
}
