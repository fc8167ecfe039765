package ssetest

import (
	"bufio"
	"io"
	"strings"
)

// Event is one server-sent event.
type Event struct {
	// ID is the event's id field ("" without one).
	ID string
	// Type is the event field ("" without one: a message).
	Type string
	// Data is the event's data lines, joined with "\n".
	Data string
	// Retry reports whether the event carried a retry field.
	Retry bool
}

// Reader reads events from a stream.
type Reader struct {
	r *bufio.Reader
}

// NewReader returns a Reader of body.
func NewReader(body io.Reader) *Reader { return &Reader{r: bufio.NewReader(body)} }

// Next returns the next event, skipping comments (keep-alives), or the read error at the end of the
// stream (io.EOF, or the error of a body whose connection was cut).
func (s *Reader) Next() (Event, error) {
	var ev Event
	seen, lines := false, 0
	for {
		line, err := s.r.ReadString('\n')
		if err != nil {
			return ev, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if seen {
				return ev, nil
			}
			continue
		}
		field, value, _ := strings.Cut(line, ":")
		value = strings.TrimPrefix(value, " ")
		switch field {
		case "": // a comment
			continue
		case "id":
			ev.ID = value
		case "event":
			ev.Type = value
		case "data":
			if lines > 0 {
				ev.Data += "\n"
			}
			ev.Data += value
			lines++
		case "retry":
			ev.Retry = true
		}
		seen = true
	}
}
