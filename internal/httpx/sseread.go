package httpx

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
)

// Event is one Server-Sent Event as a client receives it.
type Event struct {
	// Name is the event type ("" means "message").
	Name string
	// Data is the event's data: its data lines joined with "\n".
	Data []byte
	// ID is the last event id seen on the stream so far (ids carry over to later events, as in browsers).
	ID string
	// HasID reports whether this event itself carried an id field.
	HasID bool
	// RetryMs is the reconnection delay the server asked for with this event, or -1.
	RetryMs int
}

// SSEReader parses a text/event-stream body (the WHATWG event-stream format: LF, CRLF or CR line ends,
// comments, multi-line data, id and retry fields). It is not safe for concurrent use.
type SSEReader struct {
	r      *bufio.Reader
	max    int
	lastID string

	skipLF bool
}

// ErrEventTooLarge is returned when one event exceeds the reader's limit.
var ErrEventTooLarge = errors.New("httpx: server-sent event exceeds the size limit")

// NewSSEReader reads events from r; maxEvent bounds one event's size in bytes (≤ 0 means 16 MiB).
func NewSSEReader(r io.Reader, maxEvent int) *SSEReader {
	if maxEvent <= 0 {
		maxEvent = 16 << 20
	}
	return &SSEReader{r: bufio.NewReaderSize(r, 4096), max: maxEvent}
}

// LastEventID returns the last event id the stream set (for a Last-Event-ID header on reconnection).
func (s *SSEReader) LastEventID() string { return s.lastID }

// Next returns the next event. Events without data (a priming event carrying only an id, or only retry)
// are returned too, with empty Data, so callers see ids and retry hints. At the end of the stream it
// returns io.EOF; an event cut off by the end of the stream is dropped, as the format requires.
func (s *SSEReader) Next() (Event, error) {
	ev := Event{RetryMs: -1}
	var data []byte
	seen := false // any field of this event seen
	size := 0
	for {
		line, err := s.line()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return Event{}, io.EOF
			}
			return Event{}, err
		}
		size += len(line)
		if size > s.max {
			return Event{}, ErrEventTooLarge
		}
		if len(line) == 0 { // dispatch
			if !seen {
				continue
			}
			ev.ID = s.lastID
			if data != nil {
				ev.Data = data[:len(data)-1] // drop the trailing "\n"
			} else {
				ev.Data = []byte{}
			}
			return ev, nil
		}
		if line[0] == ':' {
			continue // comment (keep-alive)
		}
		field, value := line, []byte(nil)
		if i := bytes.IndexByte(line, ':'); i >= 0 {
			field, value = line[:i], line[i+1:]
			if len(value) > 0 && value[0] == ' ' {
				value = value[1:]
			}
		}
		switch string(field) {
		case "data":
			data = append(data, value...)
			data = append(data, '\n')
			seen = true
		case "event":
			ev.Name = string(value)
			seen = true
		case "id":
			if bytes.IndexByte(value, 0) < 0 {
				s.lastID = string(value)
				ev.HasID = true
				seen = true
			}
		case "retry":
			if n, err := strconv.Atoi(string(value)); err == nil && n >= 0 && isDigits(value) {
				ev.RetryMs = n
				seen = true
			}
		}
	}
}

// line returns one line without its terminator (LF, CRLF or CR).
func (s *SSEReader) line() ([]byte, error) {
	var out []byte
	for {
		b, err := s.r.ReadByte()
		if err != nil {
			if err == io.EOF {
				return nil, io.EOF // an unterminated last line is dropped
			}
			return nil, fmt.Errorf("httpx: reading event stream: %w", err)
		}
		if s.skipLF {
			s.skipLF = false
			if b == '\n' {
				continue
			}
		}
		switch b {
		case '\n':
			return out, nil
		case '\r':
			s.skipLF = true
			return out, nil
		}
		out = append(out, b)
		if len(out) > s.max {
			return nil, ErrEventTooLarge
		}
	}
}

func isDigits(b []byte) bool {
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return len(b) > 0
}
