package stdio

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/internal/bufpool"
	"github.com/mcpkit/mcpkit/internal/clip"
	"github.com/mcpkit/mcpkit/jsonrpc"
)

// DefaultMaxMessageBytes is the default limit on one inbound line.
const DefaultMaxMessageBytes = 8 << 20

// Options configures a stdio stream. The zero value is usable.
type Options struct {
	// MaxMessageBytes limits one inbound line; a longer one is discarded and reported as a
	// *jsonrpc.FrameError (the stream stays usable). Default DefaultMaxMessageBytes.
	MaxMessageBytes int
	// SkipNonJSON drops inbound lines that do not start with '{' or '[' (with a warning) instead of passing
	// them on. Clients set it: some servers print banners to stdout.
	SkipNonJSON bool
	// Logger receives warnings. Nil uses slog.Default().
	Logger *slog.Logger
}

// Stream frames messages as lines over r and w. It implements jsonrpc.Stream.
type Stream struct {
	r    *bufio.Reader
	rc   func() error // closes r, to unblock a pending Read, when r can be closed
	w    io.Writer
	wc   func() error // closes w, when it can be closed
	opts Options
	log  *slog.Logger

	wmu       sync.Mutex
	closeOnce sync.Once
}

// TransportName implements transport.Named: "stdio".
func (s *Stream) TransportName() string { return "stdio" }

// NewStream returns a stream reading lines from r and writing lines to w. Close closes r and w when they
// are io.Closers, and interrupts a Read blocked on r. When r is an *os.File in blocking mode (os.Stdin
// usually is), that takes putting its descriptor into non-blocking mode while the stream is open (Linux; on
// other systems Close does not interrupt such a Read): see the package documentation.
func NewStream(r io.Reader, w io.Writer, opts Options) *Stream {
	if opts.MaxMessageBytes <= 0 {
		opts.MaxMessageBytes = DefaultMaxMessageBytes
	}
	var rc, wc func() error
	switch c := r.(type) {
	case *os.File:
		r, rc, w, wc = interruptible(c, w)
	case io.Closer:
		rc = c.Close
	}
	if c, ok := w.(io.Closer); ok && wc == nil {
		wc = c.Close
	}
	s := &Stream{r: bufio.NewReaderSize(r, 64<<10), rc: rc, w: w, wc: wc, opts: opts, log: opts.Logger}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Read returns the next non-empty line without its newline. A blocked Read is not interrupted by ctx; Close
// interrupts it (see NewStream).
func (s *Stream) Read(ctx context.Context) ([]byte, error) {
	for {
		line, err := s.readLine()
		if err != nil {
			return nil, err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		if s.opts.SkipNonJSON && line[0] != '{' && line[0] != '[' {
			s.log.Warn("stdio: skipping a line that is not JSON-RPC", "line", clip.Bytes(line, clip.Max))
			continue
		}
		return line, nil
	}
}

// readLine reads one line, enforcing the size limit. An over-long line is discarded to its end and
// reported as a FrameError.
func (s *Stream) readLine() ([]byte, error) {
	var buf []byte
	for {
		frag, err := s.r.ReadSlice('\n')
		if len(buf)+len(frag) > s.opts.MaxMessageBytes {
			if derr := s.discardLine(err); derr != nil {
				return nil, derr
			}
			return nil, &jsonrpc.FrameError{Reason: fmt.Sprintf("message longer than %d bytes", s.opts.MaxMessageBytes)}
		}
		switch {
		case err == nil:
			if buf == nil {
				return bytes.Clone(frag), nil
			}
			return append(buf, frag...), nil
		case errors.Is(err, bufio.ErrBufferFull):
			buf = append(buf, frag...)
		case errors.Is(err, io.EOF) && len(buf)+len(frag) > 0:
			// A last message without its newline still counts.
			return append(buf, frag...), nil
		default:
			return nil, err
		}
	}
}

func (s *Stream) discardLine(err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = s.r.ReadSlice('\n')
	}
	if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
		return err
	}
	return nil
}

// Write writes msg followed by a newline. Messages must not contain raw newlines; one that does (for
// example indented JSON from a handler) is compacted first.
func (s *Stream) Write(ctx context.Context, msg []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if bytes.IndexByte(msg, '\n') >= 0 {
		v := jsontext.Value(bytes.Clone(msg))
		if err := v.Compact(); err != nil {
			return fmt.Errorf("stdio: message is not valid JSON: %w", err)
		}
		msg = v
	}
	s.wmu.Lock()
	defer s.wmu.Unlock()
	// One write call per message keeps concurrent writers on a shared pipe from interleaving.
	buf := bufpool.Get()
	buf.B = append(append(buf.B, msg...), '\n')
	_, err := s.w.Write(buf.B)
	bufpool.Put(buf)
	return err
}

// Close closes the underlying reader and writer when they can be closed.
func (s *Stream) Close() error {
	var err error
	s.closeOnce.Do(func() {
		if s.wc != nil {
			err = s.wc()
		}
		if s.rc != nil {
			if rerr := s.rc(); err == nil {
				err = rerr
			}
		}
	})
	return err
}
