package loadgen

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"time"
)

// Response is one HTTP response as read by Conn. Body and the header values alias the connection's
// buffers: they are valid until the next Do.
type Response struct {
	Status      int
	ContentType []byte
	SessionID   []byte
	Body        []byte
}

// Conn is one keep-alive HTTP/1.1 connection that sends requests already encoded as bytes. It reads the
// response headers it needs and the body (Content-Length, chunked, or until close), nothing more: the
// generator's own cost stays small and equal for every server.
type Conn struct {
	nc      net.Conn
	br      *bufio.Reader
	body    []byte
	sid     []byte
	ct      []byte
	closed  bool // the server asked to close after this response
	timeout time.Duration
}

// Dial connects to addr (host:port). timeout bounds each Do (0: none).
func Dial(addr string, timeout time.Duration) (*Conn, error) {
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		_ = tc.SetNoDelay(true)
	}
	return &Conn{nc: nc, br: bufio.NewReaderSize(nc, 16<<10), timeout: timeout}, nil
}

// Close closes the connection.
func (c *Conn) Close() error { return c.nc.Close() }

// Reusable reports whether the connection can carry another request.
func (c *Conn) Reusable() bool { return !c.closed }

// Do writes req (a complete HTTP/1.1 request) and reads the response.
func (c *Conn) Do(req []byte) (Response, error) {
	if c.timeout > 0 {
		_ = c.nc.SetDeadline(time.Now().Add(c.timeout))
	}
	if _, err := c.nc.Write(req); err != nil {
		return Response{}, err
	}
	return c.read()
}

var errMalformed = errors.New("malformed HTTP response")

func (c *Conn) read() (Response, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		return Response{}, err
	}
	// HTTP/1.1 200 OK
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) {
		return Response{}, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	status, err := strconv.Atoi(string(line[9:12]))
	if err != nil {
		return Response{}, fmt.Errorf("%w: status line %q", errMalformed, line)
	}
	c.sid, c.ct = c.sid[:0], c.ct[:0]
	c.closed = false
	length, chunked := -1, false
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return Response{}, err
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			break
		}
		colon := bytes.IndexByte(line, ':')
		if colon < 0 {
			return Response{}, fmt.Errorf("%w: header %q", errMalformed, line)
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case bytes.EqualFold(name, []byte("Content-Length")):
			if length, err = strconv.Atoi(string(value)); err != nil || length < 0 {
				return Response{}, fmt.Errorf("%w: Content-Length %q", errMalformed, value)
			}
		case bytes.EqualFold(name, []byte("Transfer-Encoding")):
			chunked = bytes.EqualFold(value, []byte("chunked"))
		case bytes.EqualFold(name, []byte("Connection")):
			c.closed = bytes.EqualFold(value, []byte("close"))
		case bytes.EqualFold(name, []byte("Mcp-Session-Id")):
			c.sid = append(c.sid, value...)
		case bytes.EqualFold(name, []byte("Content-Type")):
			c.ct = append(c.ct, value...)
		}
	}
	c.body = c.body[:0]
	switch {
	case chunked:
		err = c.readChunked()
	case length >= 0:
		c.body = grow(c.body, length)
		_, err = io.ReadFull(c.br, c.body)
	case status == 204 || status == 304 || status/100 == 1:
	default: // delimited by the end of the connection
		c.closed = true
		var b bytes.Buffer
		_, err = b.ReadFrom(c.br)
		c.body = append(c.body, b.Bytes()...)
	}
	if err != nil {
		return Response{}, err
	}
	return Response{Status: status, ContentType: c.ct, SessionID: c.sid, Body: c.body}, nil
}

func (c *Conn) readChunked() error {
	for {
		line, err := c.br.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i]
		}
		n, err := strconv.ParseUint(string(bytes.TrimSpace(line)), 16, 32)
		if err != nil {
			return fmt.Errorf("%w: chunk size %q", errMalformed, line)
		}
		if n == 0 {
			// Trailers end with an empty line.
			for {
				line, err := c.br.ReadSlice('\n')
				if err != nil {
					return err
				}
				if len(bytes.TrimRight(line, "\r\n")) == 0 {
					return nil
				}
			}
		}
		start := len(c.body)
		c.body = grow(c.body, start+int(n))
		if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
			return err
		}
		if _, err := c.br.Discard(2); err != nil { // CRLF after the chunk
			return err
		}
	}
}

// grow returns b resized to n bytes, keeping its contents.
func grow(b []byte, n int) []byte {
	if cap(b) >= n {
		return b[:n]
	}
	nb := make([]byte, n, max(n, 2*cap(b)))
	copy(nb, b)
	return nb
}
