package ask

import (
	"bufio"
	"context"
	"errors"
	"io"
	"strings"
)

// errEOF says the input ended: the form is cancelled.
var errEOF = errors.New("input ended")

// Lines reads the person's answers one line at a time, and lets a wait for one end with its context: a
// call interrupted (Ctrl-C) while a form waits for input returns at once instead of holding the session
// until Enter. The read itself cannot be interrupted: it stays pending, and the line it brings is the
// next one returned. A goroutine exists only while a read is pending.
type Lines struct {
	r       *bufio.Reader
	pending chan lineResult
}

type lineResult struct {
	s   string
	err error
}

// NewLines reads lines from r.
func NewLines(r io.Reader) *Lines { return &Lines{r: bufio.NewReader(r)} }

// next returns the next line without its line ending; the end of input is errEOF (a last line without a
// newline is returned first).
func (l *Lines) next(ctx context.Context) (string, error) {
	if l.pending == nil {
		ch := make(chan lineResult, 1)
		l.pending = ch
		go func() {
			s, err := l.r.ReadString('\n')
			ch <- lineResult{s, err}
		}()
	}
	select {
	case r := <-l.pending:
		l.pending = nil
		if r.err != nil && (r.s == "" || !errors.Is(r.err, io.EOF)) {
			if errors.Is(r.err, io.EOF) {
				return "", errEOF
			}
			return "", r.err
		}
		return strings.TrimRight(r.s, "\r\n"), nil
	case <-ctx.Done():
		return "", ctx.Err()
	}
}

// Line returns the next line without its line ending, for a caller that reads commands between forms
// (mcpkit chat's prompt); the end of input is io.EOF. Like the forms, it returns when ctx ends.
func (l *Lines) Line(ctx context.Context) (string, error) {
	s, err := l.next(ctx)
	if errors.Is(err, errEOF) {
		return "", io.EOF
	}
	return s, err
}
