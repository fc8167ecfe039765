package ask

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/mcp"
)

// Asker answers elicitation requests (client.Options.OnElicit) in one of three ways: it asks the person
// at the terminal, it gives a prepared answer, or it declines.
type Asker struct {
	// In is where the person types; Out where the form is shown (stderr, so that stdout keeps the result).
	In  *Lines
	Out io.Writer
	// Answer, when set, is the content of every form: a JSON object validated against the schema
	// (--elicit-answer). URL-mode requests are accepted (the URL printed, not opened).
	Answer jsontext.Value
	// Interactive asks the person; without it (and without Answer) every request is declined.
	Interactive bool
	// NotInteractive says why nobody is asked ("--no-interactive", "stdin is not a terminal"), for the
	// message printed when a request is declined.
	NotInteractive string
	// Open opens a URL in a browser; nil never opens one (the URL is printed either way).
	Open func(url string) error

	mu  sync.Mutex // one request at a time on the terminal
	err error
}

// Err returns the first prepared answer that did not fit its form: the verb ends with it, since the
// server was given an error instead of an answer.
func (a *Asker) Err() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Elicit answers one elicitation request.
func (a *Asker) Elicit(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p.Mode == mcp.ElicitModeURL {
		return a.url(ctx, p)
	}
	form, err := ParseForm(p.RequestedSchema)
	if err != nil {
		fmt.Fprintf(a.Out, "mcpkit: the server's form cannot be shown: %v\n", err)
		return nil, err
	}
	switch {
	case len(a.Answer) > 0:
		var content map[string]any
		if err := json.Unmarshal(a.Answer, &content); err != nil {
			return nil, a.fail(fmt.Errorf("--elicit-answer is not a JSON object: %w", err))
		}
		filled, err := form.Validate(content)
		if err != nil {
			return nil, a.fail(fmt.Errorf("--elicit-answer does not fit the form %q: %w", p.Message, err))
		}
		raw, err := json.Marshal(filled, json.Deterministic(true))
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(a.Out, "mcpkit: the server asked %q: answered with --elicit-answer %s\n", p.Message, raw)
		return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: raw}, nil
	case a.Interactive:
		if a.In == nil {
			return nil, errors.New("ask: no input to read the form from")
		}
		res, err := Fill(ctx, a.In, a.Out, p.Message, form)
		if err == nil {
			fmt.Fprintf(a.Out, "mcpkit: %s\n", said(res.Action))
		}
		return res, err
	}
	fmt.Fprintf(a.Out, "mcpkit: the server asked %q: declined (%s; answer with --elicit-answer JSON)\n", p.Message, a.why())
	return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
}

func (a *Asker) fail(err error) error {
	if a.err == nil {
		a.err = err // the verb prints it as it ends
	}
	return err
}

func (a *Asker) why() string {
	if a.NotInteractive != "" {
		return a.NotInteractive
	}
	return "not interactive"
}

// url handles a URL-mode request: the URL is always printed; a person is asked whether to go there (and
// the browser opened), a prepared answer accepts, otherwise it is declined.
func (a *Asker) url(ctx context.Context, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	fmt.Fprintf(a.Out, "\nThe server asks you to open a page: %s\n  %s\n", p.Message, p.URL)
	switch {
	case len(a.Answer) > 0:
		fmt.Fprintln(a.Out, "mcpkit: accepted (--elicit-answer): open the URL yourself")
		return &mcp.ElicitResult{Action: mcp.ElicitActionAccept}, nil
	case !a.Interactive:
		fmt.Fprintf(a.Out, "mcpkit: declined (%s)\n", a.why())
		return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
	}
	for {
		fmt.Fprint(a.Out, "Open it? [Y]es / [n]o, decline / [c]ancel: ")
		s, err := a.In.next(ctx)
		if errors.Is(err, errEOF) {
			return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
		}
		if err != nil {
			return nil, err
		}
		switch s {
		case "", "y", "Y", "yes":
			if a.Open != nil {
				if err := a.Open(p.URL); err != nil {
					fmt.Fprintf(a.Out, "mcpkit: no browser could be opened (%v): open the URL yourself\n", err)
				}
			} else {
				fmt.Fprintln(a.Out, "mcpkit: open the URL yourself")
			}
			return &mcp.ElicitResult{Action: mcp.ElicitActionAccept}, nil
		case "n", "N", "no":
			return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
		case "c", "C", "cancel":
			return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
		}
	}
}

func said(a mcp.ElicitAction) string {
	switch a {
	case mcp.ElicitActionAccept:
		return "answer sent"
	case mcp.ElicitActionDecline:
		return "declined"
	}
	return "cancelled"
}
