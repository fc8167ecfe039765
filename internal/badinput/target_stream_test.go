package badinput

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/mcpkit/mcpkit/server"
	"github.com/mcpkit/mcpkit/transport/stdio"
)

// requestTimeout bounds every exchange: no answer within it is a hang.
const requestTimeout = 10 * time.Second

// streamIO is one message stream to the server (a stdio connection, or an HTTP+SSE session whose
// messages are POSTed): write sends one message, in delivers each message the server sends.
type streamIO struct {
	write func(body []byte) (status int, err error)
	in    <-chan []byte
	ended <-chan struct{}
	seq   int
	// sent holds the ids of earlier cases: a reply with one of them is late, not this case's.
	sent map[string]bool
}

// exchange sends k (a hold pair when k.hold is set), then a ping with a fresh id, and collects the
// responses until the ping's answer and at least the number of answers the case expects have arrived.
func (s *streamIO) exchange(k *kase) outcome {
	var o outcome
	need := 0
	if k.want != wantNothing && k.want != wantNoResult {
		need = 1
	}
	deadline := time.NewTimer(requestTimeout)
	defer deadline.Stop()
	if k.hold != "" {
		holds.reset(k.hold)
		hold := []byte(`{"jsonrpc":"2.0","id":` + k.id + `,"method":"tools/call","params":` + withMetaIf(k, `{"name":"hold","arguments":{"key":"`+k.hold+`"}}`) + `}`)
		if _, err := s.write(hold); err != nil {
			o.err = err
			return o
		}
		select {
		case <-holds.running(k.hold):
		case <-deadline.C:
			o.err = fmt.Errorf("the hold call never started: %w", errHang)
			return o
		}
		need = 2
		defer holds.release(k.hold)
	}
	status, err := s.write(k.body)
	o.status = status
	if err != nil {
		o.err = err
		return o
	}
	if status >= 400 {
		need = 0 // an HTTP error is the answer (HTTP+SSE)
	}
	if k.hold != "" {
		holds.release(k.hold)
	}
	s.seq++
	syncID := fmt.Sprintf(`"sync-%d"`, s.seq)
	if _, err := s.write([]byte(`{"jsonrpc":"2.0","id":` + syncID + `,"method":"ping"}`)); err != nil {
		o.err = fmt.Errorf("the stream broke after the case: %w", err)
		return o
	}
	caseID := idOf(k.body)
	defer func() {
		if caseID != "" && caseID != "null" {
			if s.sent == nil {
				s.sent = map[string]bool{}
			}
			s.sent[caseID] = true
		}
	}()
	synced := false
	for !synced || len(o.replies) < need {
		select {
		case msg := <-s.in:
			kind, id := classify(msg)
			switch {
			case kind == kindAck:
				// subscriptions/listen was accepted: that is its answer. End the subscription.
				o.replies = append(o.replies, ackReply)
				if caseID != "" {
					_, _ = s.write([]byte(`{"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":` + caseID + `}}`))
				}
				continue
			case kind == kindOther:
				continue
			case id == syncID:
				synced = true
				continue
			case kind == kindResponse && id != caseID && s.sent[id]:
				continue // a late answer to an earlier case (e.g. a cancelled subscriptions/listen)
			}
			o.addReplies(msg)
		case <-s.ended:
			o.err = fmt.Errorf("the server closed the stream")
			return o
		case <-deadline.C:
			o.err = errHang
			if synced {
				o.err = fmt.Errorf("ping answered but the case was not: %w", errHang)
			}
			return o
		}
	}
	return o
}

// idOf returns the raw id of a single request body ("" when it has none or is not an object).
func idOf(body []byte) string {
	var m struct {
		ID json.RawMessage `json:"id"`
	}
	if len(body) == 0 || body[0] != '{' || json.Unmarshal(body, &m) != nil {
		return ""
	}
	return string(m.ID)
}

// withMetaIf adds the modern _meta to params when k's body is a modern request.
func withMetaIf(k *kase, params string) string {
	if bytes.Contains(k.body, []byte(`"io.modelcontextprotocol/protocolVersion"`)) {
		return withMeta(params)
	}
	return params
}

// stdioTarget serves the server over an in-process pipe with server.Serve and the stdio stream framing.
type stdioTarget struct {
	name_ string
	era   era
	srv   *server.Server
	conn  *stdioConn
}

type stdioConn struct {
	streamIO
	stop func()
}

func dialStdio(srv *server.Server) *stdioConn {
	toServer, fromClient := io.Pipe()
	fromServer, toClient := io.Pipe()
	ctx, cancel := context.WithCancel(context.Background())
	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = srv.Serve(ctx, stdio.NewStream(toServer, toClient, stdio.Options{Logger: testLogger}))
		toClient.Close()
	}()
	in := make(chan []byte, 64)
	ended := make(chan struct{})
	go func() {
		defer close(ended)
		br := bufio.NewReaderSize(fromServer, 1<<20)
		for {
			line, err := br.ReadBytes('\n')
			if len(bytes.TrimSpace(line)) > 0 {
				select {
				case in <- bytes.TrimSpace(line):
				case <-served:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var wmu sync.Mutex
	c := &stdioConn{}
	c.write = func(body []byte) (int, error) {
		wmu.Lock()
		defer wmu.Unlock()
		done := make(chan error, 1)
		go func() {
			_, err := fromClient.Write(append(append([]byte(nil), body...), '\n'))
			done <- err
		}()
		select {
		case err := <-done:
			return 0, err
		case <-time.After(requestTimeout):
			return 0, fmt.Errorf("writing to the server: %w", errHang)
		}
	}
	c.in = in
	c.ended = ended
	c.stop = func() {
		fromClient.Close()
		cancel()
		<-served
		fromServer.Close()
		<-ended
	}
	return c
}

func newStdioTarget(srv *server.Server, e era) (*stdioTarget, error) {
	t := &stdioTarget{name_: "stdio-" + e.String(), era: e, srv: srv, conn: dialStdio(srv)}
	if e == legacy {
		if err := initializeStream(&t.conn.streamIO, legacyVersion); err != nil {
			t.conn.stop()
			return nil, err
		}
	}
	return t, nil
}

func (e era) String() string {
	if e == modern {
		return "2026"
	}
	return "legacy"
}

// initializeStream runs the legacy handshake on a stream.
func initializeStream(s *streamIO, version string) error {
	o := s.exchange(&kase{body: req(legacy, `"init"`, "initialize", `{"protocolVersion":"`+version+`","capabilities":{},"clientInfo":{"name":"badinput","version":"1"}}`)})
	if o.err != nil || len(o.replies) != 1 || !bytes.Contains(o.replies[0], []byte(`"result"`)) {
		return fmt.Errorf("initialize: %v %s", o.err, o.replies)
	}
	_, err := s.write([]byte(`{"jsonrpc":"2.0","method":"notifications/initialized"}`))
	return err
}

func (t *stdioTarget) name() string { return t.name_ }

func (t *stdioTarget) accepts(k *kase) bool { return !k.httpOnly }

func (t *stdioTarget) send(k *kase) outcome {
	if k.fresh || (k.version != "" && t.era == legacy) {
		c := dialStdio(t.srv)
		defer c.stop()
		if k.version != "" && t.era == legacy {
			if err := initializeStream(&c.streamIO, k.version); err != nil {
				return outcome{err: err}
			}
		}
		return c.exchange(k)
	}
	return t.conn.exchange(k)
}

func (t *stdioTarget) normalCall(n int) error {
	return checkAdd(t.conn.exchange(&kase{body: addCall(t.era, fmt.Sprintf(`"normal-%d"`, n)), want: wantAnswer}))
}

func (t *stdioTarget) close() { t.conn.stop() }

// checkAdd checks the answer of addCall: 2+3 is 5.
func checkAdd(o outcome) error {
	if o.err != nil {
		return o.err
	}
	if len(o.replies) != 1 || !bytes.Contains(o.replies[0], []byte(`"text":"5"`)) {
		return fmt.Errorf("tools/call add: status %d, replies %s", o.status, o.replies)
	}
	return nil
}
