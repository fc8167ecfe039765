package ask

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

func formRequest() *mcp.ElicitParams {
	return &mcp.ElicitParams{Message: "Another date?", RequestedSchema: jsontext.Value(tripSchema)}
}

func TestAskerDeclinesWhenNotInteractive(t *testing.T) {
	var out strings.Builder
	a := &Asker{Out: &out, NotInteractive: "stdin is not a terminal"}
	res, err := a.Elicit(context.Background(), formRequest())
	if err != nil || res.Action != mcp.ElicitActionDecline {
		t.Fatalf("got %v, %v; want decline", res, err)
	}
	if want := `the server asked "Another date?": declined (stdin is not a terminal; answer with --elicit-answer JSON)`; !strings.Contains(out.String(), want) {
		t.Errorf("output %q lacks %q", out.String(), want)
	}
}

func TestAskerPreparedAnswer(t *testing.T) {
	var out strings.Builder
	a := &Asker{Out: &out, Answer: jsontext.Value(`{"checkAlternative":true,"travellers":2}`)}
	res, err := a.Elicit(context.Background(), formRequest())
	if err != nil || res.Action != mcp.ElicitActionAccept {
		t.Fatalf("got %v, %v", res, err)
	}
	if want := `{"alternativeDate":"2024-12-26","checkAlternative":true,"seat":"a","travellers":2}`; string(res.Content) != want {
		t.Errorf("content %s, want %s", res.Content, want)
	}
	if a.Err() != nil {
		t.Errorf("Err() = %v", a.Err())
	}

	a = &Asker{Out: &out, Answer: jsontext.Value(`{"checkAlternative":1}`)}
	if _, err := a.Elicit(context.Background(), formRequest()); err == nil {
		t.Fatal("an answer that does not fit was sent")
	}
	if a.Err() == nil || !strings.Contains(a.Err().Error(), `--elicit-answer does not fit the form "Another date?": field "checkAlternative"`) {
		t.Errorf("Err() = %v", a.Err())
	}
}

func TestAskerInteractive(t *testing.T) {
	var out strings.Builder
	a := &Asker{In: NewLines(strings.NewReader("y\n\n\n5\n\n\n\n")), Out: &out, Interactive: true}
	res, err := a.Elicit(context.Background(), formRequest())
	if err != nil || res.Action != mcp.ElicitActionAccept || !strings.Contains(string(res.Content), `"travellers":5`) {
		t.Fatalf("got %+v, %v\n%s", res, err, out.String())
	}
	if !strings.HasSuffix(out.String(), "mcpkit: answer sent\n") {
		t.Errorf("output does not end saying what was done:\n%s", out.String())
	}
}

func TestAskerURLMode(t *testing.T) {
	req := &mcp.ElicitParams{Mode: mcp.ElicitModeURL, Message: "Sign in", URL: "https://example.test/auth?x=1", ElicitationID: "e1"}
	var opened []string
	open := func(u string) error { opened = append(opened, u); return nil }
	for _, tc := range []struct {
		name  string
		a     *Asker
		want  mcp.ElicitAction
		opens bool
	}{
		{"yes", &Asker{In: NewLines(strings.NewReader("\n")), Interactive: true, Open: open}, mcp.ElicitActionAccept, true},
		{"no", &Asker{In: NewLines(strings.NewReader("n\n")), Interactive: true, Open: open}, mcp.ElicitActionDecline, false},
		{"cancel", &Asker{In: NewLines(strings.NewReader("c\n")), Interactive: true, Open: open}, mcp.ElicitActionCancel, false},
		{"eof", &Asker{In: NewLines(strings.NewReader("")), Interactive: true, Open: open}, mcp.ElicitActionCancel, false},
		{"not interactive", &Asker{NotInteractive: "--no-interactive", Open: open}, mcp.ElicitActionDecline, false},
		{"prepared", &Asker{Answer: jsontext.Value(`{}`), Open: open}, mcp.ElicitActionAccept, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opened = nil
			var out strings.Builder
			tc.a.Out = &out
			res, err := tc.a.Elicit(context.Background(), req)
			if err != nil || res.Action != tc.want {
				t.Fatalf("got %v, %v; want %s", res, err, tc.want)
			}
			if !strings.Contains(out.String(), "https://example.test/auth?x=1") {
				t.Errorf("the URL was not printed:\n%s", out.String())
			}
			if got := len(opened) == 1; got != tc.opens {
				t.Errorf("opened %v, want opened=%v", opened, tc.opens)
			}
		})
	}
	// A browser that cannot be opened: the person is told to open the URL, and it is still accepted.
	var out strings.Builder
	a := &Asker{In: NewLines(strings.NewReader("y\n")), Out: &out, Interactive: true, Open: func(string) error { return errors.New("no display") }}
	res, err := a.Elicit(context.Background(), req)
	if err != nil || res.Action != mcp.ElicitActionAccept || !strings.Contains(out.String(), "no browser could be opened (no display): open the URL yourself") {
		t.Errorf("got %v, %v:\n%s", res, err, out.String())
	}
}

func TestAskerBadSchema(t *testing.T) {
	var out strings.Builder
	a := &Asker{Out: &out, Interactive: true, In: NewLines(strings.NewReader(""))}
	_, err := a.Elicit(context.Background(), &mcp.ElicitParams{Message: "m", RequestedSchema: jsontext.Value(`{"type":"object","properties":{"x":{"type":"object"}}}`)})
	if err == nil || !strings.Contains(out.String(), "the server's form cannot be shown") {
		t.Errorf("err %v, output %q", err, out.String())
	}
}

// TestFillInterrupted: a form waiting for input returns as soon as its context ends (Ctrl-C during a
// form must not hold the session until Enter), and the line typed later is not lost.
func TestFillInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	lines := NewLines(pr)
	form, err := ParseForm(jsontext.Value(`{"type":"object","properties":{"n":{"type":"integer"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	var out strings.Builder
	go func() {
		_, err := Fill(ctx, lines, &out, "m", form)
		done <- err
	}()
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Fill after cancel: %v", err)
	}
	// The pending read gets the next line, which the next form receives.
	go io.WriteString(pw, "7\ny\n")
	res, err := Fill(context.Background(), lines, &strings.Builder{}, "m", form)
	if err != nil || res.Action != mcp.ElicitActionAccept || string(res.Content) != `{"n":7}` {
		t.Errorf("next form: %+v, %v", res, err)
	}
}
