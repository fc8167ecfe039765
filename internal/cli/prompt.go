package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"golang.org/x/term"

	"github.com/mcpkit/mcpkit/internal/hostconfig"
)

// TermPrompter asks a config file's inputs on a terminal: a promptString as a line (not echoed when it
// is a password and In is a terminal), a pickString as a numbered list answered by number or value.
type TermPrompter struct {
	in  *bufio.Reader
	fd  int // In's descriptor when it is a terminal, else -1
	out io.Writer
}

// NewTermPrompter returns a TermPrompter reading in and writing its questions to out.
func NewTermPrompter(in io.Reader, out io.Writer) *TermPrompter {
	fd := -1
	if f, ok := in.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fd = int(f.Fd())
	}
	return &TermPrompter{in: bufio.NewReader(in), fd: fd, out: out}
}

// Prompt implements hostconfig.Prompter.
func (p *TermPrompter) Prompt(ctx context.Context, in hostconfig.Input) (string, error) {
	label := in.Description
	if label == "" {
		label = in.ID
	}
	if in.Type == "pickString" {
		fmt.Fprintf(p.out, "%s:\n", label)
		for i, o := range in.Options {
			mark := ""
			if o == in.Default {
				mark = " (default)"
			}
			fmt.Fprintf(p.out, "  %d) %s%s\n", i+1, o, mark)
		}
		fmt.Fprint(p.out, "choice: ")
		a, err := p.line()
		if err != nil {
			return "", err
		}
		if n, err := strconv.Atoi(a); err == nil && n >= 1 && n <= len(in.Options) {
			return in.Options[n-1], nil
		}
		return a, nil
	}
	if in.Default != "" && !in.Password {
		fmt.Fprintf(p.out, "%s [%s]: ", label, in.Default)
	} else {
		fmt.Fprintf(p.out, "%s: ", label)
	}
	if in.Password && p.fd >= 0 {
		b, err := term.ReadPassword(p.fd)
		fmt.Fprintln(p.out)
		return string(b), err
	}
	return p.line()
}

func (p *TermPrompter) line() (string, error) {
	s, err := p.in.ReadString('\n')
	if err != nil && (err != io.EOF || s == "") {
		if err == io.EOF {
			return "", fmt.Errorf("no answer: input ended")
		}
		return "", err
	}
	return strings.TrimRight(s, "\r\n"), nil
}
