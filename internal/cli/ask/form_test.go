package ask

import (
	"context"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// tripSchema is the demo's book_trip form, plus the other field kinds a form may have.
const tripSchema = `{"type":"object","properties":{
 "checkAlternative":{"type":"boolean","description":"Would you like to book another date?"},
 "alternativeDate":{"type":"string","format":"date","description":"The alternative date","default":"2024-12-26"},
 "seat":{"type":"string","title":"Seat","oneOf":[{"const":"w","title":"Window"},{"const":"a","title":"Aisle"}],"default":"a"},
 "travellers":{"type":"integer","minimum":1,"maximum":9},
 "email":{"type":"string","format":"email"},
 "meals":{"type":"array","items":{"type":"string","enum":["veg","fish","meat"]},"maxItems":2}
},"required":["checkAlternative","travellers"]}`

func fill(t *testing.T, schema, script string) (*mcp.ElicitResult, string) {
	t.Helper()
	form, err := ParseForm(jsontext.Value(schema))
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	res, err := Fill(context.Background(), NewLines(strings.NewReader(script)), &out, "No availability. Another date?", form)
	if err != nil {
		t.Fatalf("Fill: %v\n%s", err, out.String())
	}
	return res, out.String()
}

func TestFormOrderAndChoices(t *testing.T) {
	form, err := ParseForm(jsontext.Value(tripSchema))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range form.Fields {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, " "); got != "checkAlternative alternativeDate seat travellers email meals" {
		t.Errorf("fields in order %q, want the schema's order", got)
	}
	if c := form.Fields[2].Choices; len(c) != 2 || c[0] != (Choice{"w", "Window"}) || c[1] != (Choice{"a", "Aisle"}) {
		t.Errorf("seat choices %v", c)
	}
}

// TestFormFilled: every kind of field answered, wrong answers explained and asked again, defaults taken
// on an empty line.
func TestFormFilled(t *testing.T) {
	script := strings.Join([]string{
		"maybe",          // checkAlternative: not y/n → asked again
		"y",              // checkAlternative
		"",               // alternativeDate: default 2024-12-26
		"3",              // seat: not a choice → asked again
		"1",              // seat: Window
		"",               // travellers: required → asked again
		"0",              // travellers: below the minimum → asked again
		"2.5",            // travellers: not whole → asked again
		"2",              // travellers
		"not-an-address", // email: asked again
		"ann@example.com",
		"1,veg,3,2", // meals: more than two (veg twice counts once → veg, meat, fish: 3) → asked again
		"1,2",
		"y", // send
	}, "\n") + "\n"
	res, out := fill(t, tripSchema, script)
	if res.Action != mcp.ElicitActionAccept {
		t.Fatalf("action %q, want accept\n%s", res.Action, out)
	}
	want := `{"alternativeDate":"2024-12-26","checkAlternative":true,"email":"ann@example.com","meals":["veg","fish"],"seat":"w","travellers":2}`
	if string(res.Content) != want {
		t.Errorf("content %s\nwant    %s", res.Content, want)
	}
	for _, s := range []string{
		"The server asks: No availability. Another date?",
		"checkAlternative — Would you like to book another date? (required, y/n)",
		"answer y or n",
		"alternativeDate — The alternative date (date, YYYY-MM-DD)",
		"[2024-12-26]",
		"    1) Window\n    2) Aisle",
		"[2] ", // seat's default shown as its number
		`"3" is not one of the choices: type a number from 1 to 2`,
		"this field is required",
		"0 is below the minimum 1",
		`"2.5" is not a whole number`,
		`"not-an-address" is not an email address`,
		"choose at most 2",
		"Send this answer? [Y]es / [n]o, decline / [c]ancel:",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("form output lacks %q:\n%s", s, out)
		}
	}
}

// TestFormOptionalLeftOut: an optional field left empty without a default is not in the answer.
func TestFormOptionalLeftOut(t *testing.T) {
	res, out := fill(t, tripSchema, "n\n\n\n4\n\n\ny\n")
	if res.Action != mcp.ElicitActionAccept {
		t.Fatalf("action %q\n%s", res.Action, out)
	}
	if want := `{"alternativeDate":"2024-12-26","checkAlternative":false,"seat":"a","travellers":4}`; string(res.Content) != want {
		t.Errorf("content %s, want %s", res.Content, want)
	}
}

func TestFormDeclineCancelEOF(t *testing.T) {
	for _, tc := range []struct {
		script string
		want   mcp.ElicitAction
	}{
		{"y\n\n\n1\n\n\nn\n", mcp.ElicitActionDecline},
		{"y\n\n\n1\n\n\nc\n", mcp.ElicitActionCancel},
		{"y\n\n\n1\n\n\nwhat\ny\n", mcp.ElicitActionAccept}, // an unclear answer is asked again
		{"y\n", mcp.ElicitActionCancel},                     // the input ends in the middle of the form
		{"", mcp.ElicitActionCancel},
		{"y\n\n\n1\n\n\n", mcp.ElicitActionCancel}, // ends at the question
	} {
		res, out := fill(t, tripSchema, tc.script)
		if res.Action != tc.want {
			t.Errorf("script %q: action %q, want %q\n%s", tc.script, res.Action, tc.want, out)
		}
		if tc.want != mcp.ElicitActionAccept && len(res.Content) != 0 {
			t.Errorf("script %q: %s carries content %s", tc.script, res.Action, res.Content)
		}
	}
}

// TestFormLastLineWithoutNewline: a script whose last answer has no newline still counts.
func TestFormLastLineWithoutNewline(t *testing.T) {
	res, _ := fill(t, `{"type":"object","properties":{"n":{"type":"number"}}}`, "1.5\ny")
	if res.Action != mcp.ElicitActionAccept || string(res.Content) != `{"n":1.5}` {
		t.Errorf("got %s %s", res.Action, res.Content)
	}
}

func TestParseFormRejects(t *testing.T) {
	for _, bad := range []string{
		``,
		`[]`,
		`{"type":"array"}`,
		`{"type":"object","properties":{"x":{"type":"object"}}}`,
		`{"type":"object","properties":{"x":{"type":"array"}}}`,
		`{"type":"object","properties":{"x":{"type":"string"}},"required":["y"]}`,
		`{"type":"object","properties":[]}`,
	} {
		if _, err := ParseForm(jsontext.Value(bad)); err == nil {
			t.Errorf("ParseForm(%s) accepted it", bad)
		}
	}
}

func TestValidateAnswer(t *testing.T) {
	form, err := ParseForm(jsontext.Value(tripSchema))
	if err != nil {
		t.Fatal(err)
	}
	got, err := form.Validate(map[string]any{"checkAlternative": true, "travellers": 3.0, "meals": []any{"fish"}})
	if err != nil {
		t.Fatal(err)
	}
	if got["alternativeDate"] != "2024-12-26" || got["seat"] != "a" || got["travellers"] != 3.0 {
		t.Errorf("defaults not filled in: %v", got)
	}
	if _, ok := got["email"]; ok {
		t.Errorf("an absent optional field without default appeared: %v", got)
	}
	for _, tc := range []struct {
		content map[string]any
		want    string
	}{
		{map[string]any{"travellers": 1.0}, `field "checkAlternative" is required`},
		{map[string]any{"checkAlternative": "yes", "travellers": 1.0}, `field "checkAlternative": want true or false, got a string`},
		{map[string]any{"checkAlternative": true, "travellers": 1.5}, `want a whole number`},
		{map[string]any{"checkAlternative": true, "travellers": 10.0}, `above the maximum 9`},
		{map[string]any{"checkAlternative": true, "travellers": 1.0, "seat": "x"}, `"x" is not one of "w", "a"`},
		{map[string]any{"checkAlternative": true, "travellers": 1.0, "alternativeDate": "26/12"}, `is not a date`},
		{map[string]any{"checkAlternative": true, "travellers": 1.0, "pet": "cat"}, `the form has no field "pet"`},
		{map[string]any{"checkAlternative": true, "travellers": 1.0, "meals": []any{"veg", 1.0}}, `want a list of strings`},
	} {
		_, err := form.Validate(tc.content)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Validate(%v) = %v, want an error with %q", tc.content, err, tc.want)
		}
	}
}
