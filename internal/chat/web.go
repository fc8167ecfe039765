package chat

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"strings"
	"sync"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/internal/cli/ask"
	"github.com/mcpkit/mcpkit/mcp"
)

//go:embed web
var assets embed.FS

// Web serves the chat as a page on loopback. Every path starts with a random token made by NewWeb, so
// that another page open in the browser cannot guess it; requests must also name a loopback host (no
// DNS rebinding) and, when they carry an Origin, come from the page's own origin.
//
// The page posts messages to api/send and reads everything that happens from api/events (server-sent
// events: the user's messages, tool calls, results, answers, errors, and the servers' elicitation and
// sampling requests, which it shows as dialogs and answers through api/answer).
type Web struct {
	token string

	mu      sync.Mutex
	log     [][]byte // every event sent, replayed to a new page
	subs    map[chan []byte]struct{}
	pending map[string]*question
	nextID  int
	busy    bool

	turns sync.WaitGroup
}

// question is a request waiting for the page's answer; check, when set, refuses an answer that does
// not fit (the page is told why and may answer again).
type question struct {
	ch    chan answer
	check func(answer) error
}

// answer is the page's reply to an elicitation or sampling request.
type answer struct {
	Action  string         `json:"action"` // accept, decline, cancel (elicitation); accept, decline (sampling)
	Content map[string]any `json:"content,omitzero"`
}

// NewWeb returns a Web with a new random token.
func NewWeb() *Web {
	b := make([]byte, 16)
	rand.Read(b)
	return &Web{token: hex.EncodeToString(b), subs: map[chan []byte]struct{}{}, pending: map[string]*question{}}
}

// Token is the path prefix every request must start with (/TOKEN/).
func (w *Web) Token() string { return w.token }

// Options returns o with the page's OnEvent, Approve and Elicit.
func (w *Web) Options(o Options) Options {
	o.OnEvent = func(e Event) { w.publish(e) }
	o.Approve, o.Elicit = w.approve, w.elicit
	return o
}

// publish sends v to every page, and keeps it for pages opened later.
func (w *Web) publish(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.log = append(w.log, b)
	for ch := range w.subs {
		select {
		case ch <- b:
		default: // a page that does not read is dropped; it reconnects and gets the log again
			delete(w.subs, ch)
			close(ch)
		}
	}
}

// ask publishes a request to the pages and waits for the first answer that passes check (nil: any).
func (w *Web) ask(ctx context.Context, kind string, fields map[string]any, check func(answer) error) (answer, error) {
	ch := make(chan answer, 1)
	w.mu.Lock()
	w.nextID++
	id := fmt.Sprintf("q%d", w.nextID)
	w.pending[id] = &question{ch: ch, check: check}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.pending, id)
		w.mu.Unlock()
	}()
	fields["kind"], fields["id"] = kind, id
	w.publish(fields)
	select {
	case a := <-ch:
		w.publish(map[string]any{"kind": "answered", "id": id, "action": a.Action})
		return a, nil
	case <-ctx.Done():
		w.publish(map[string]any{"kind": "answered", "id": id, "action": "cancel"})
		return answer{}, ctx.Err()
	}
}

// approve asks the page whether the model may answer a sampling request.
func (w *Web) approve(ctx context.Context, server string, p *mcp.CreateMessageParams) (bool, error) {
	a, err := w.ask(ctx, "approve", map[string]any{"server": server, "request": p}, nil)
	return a.Action == "accept", err
}

// elicit shows a server's form on the page; an accepted answer is checked against the form.
func (w *Web) elicit(ctx context.Context, server string, p *mcp.ElicitParams) (*mcp.ElicitResult, error) {
	if p.Mode == mcp.ElicitModeURL {
		a, err := w.ask(ctx, "elicit", map[string]any{"server": server, "message": p.Message, "url": p.URL}, nil)
		if err != nil {
			return nil, err
		}
		return &mcp.ElicitResult{Action: mcp.ElicitAction(a.Action)}, nil
	}
	form, err := ask.ParseForm(p.RequestedSchema)
	if err != nil {
		return nil, fmt.Errorf("the server's form cannot be shown: %w", err)
	}
	var filled map[string]any
	check := func(a answer) error {
		if a.Action != "accept" {
			return nil
		}
		f, err := form.Validate(a.Content)
		if err == nil {
			filled = f
		}
		return err
	}
	a, err := w.ask(ctx, "elicit", map[string]any{"server": server, "message": p.Message, "schema": p.RequestedSchema}, check)
	if err != nil {
		return nil, err
	}
	switch a.Action {
	case "accept":
		raw, err := json.Marshal(filled, json.Deterministic(true))
		if err != nil {
			return nil, err
		}
		return &mcp.ElicitResult{Action: mcp.ElicitActionAccept, Content: raw}, nil
	case "decline":
		return &mcp.ElicitResult{Action: mcp.ElicitActionDecline}, nil
	}
	return &mcp.ElicitResult{Action: mcp.ElicitActionCancel}, nil
}

// ListenAndServe listens on addr, which must be a loopback address (127.0.0.1:0 picks a port), tells
// ready the page's URL, and serves c until ctx ends; the turn under way, if any, is waited for.
func (w *Web) ListenAndServe(ctx context.Context, c *Chat, addr string, ready func(url string)) error {
	if err := CheckLoopback(addr); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	if ready != nil {
		ready(w.URL(ln.Addr()))
	}
	return w.Serve(ctx, c, ln)
}

// CheckLoopback refuses an --addr that is not a loopback address: the page is for this machine only.
func CheckLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--addr %s: the chat page is served on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	return nil
}

// URL is the page's address on a listener's address.
func (w *Web) URL(a net.Addr) string { return "http://" + a.String() + "/" + w.token + "/" }

// Serve serves c's page on ln until ctx ends, then closes ln and waits for the turn under way.
func (w *Web) Serve(ctx context.Context, c *Chat, ln net.Listener) error {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	hs := &http.Server{Handler: w.Handler(sctx, c)}
	done := make(chan error, 1)
	go func() { done <- hs.Serve(ln) }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		cancel()
		err = hs.Shutdown(context.Background())
		<-done
	}
	cancel()
	w.turns.Wait()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// Handler is the page and its API; turns run under ctx.
func (w *Web) Handler(ctx context.Context, c *Chat) http.Handler {
	static, _ := fs.Sub(assets, "web")
	files := http.FileServerFS(static)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /api/events", func(rw http.ResponseWriter, r *http.Request) { w.events(ctx, rw, r) })
	mux.HandleFunc("GET /api/tools", func(rw http.ResponseWriter, r *http.Request) { w.tools(rw, c) })
	mux.HandleFunc("POST /api/send", func(rw http.ResponseWriter, r *http.Request) { w.send(ctx, rw, r, c) })
	mux.HandleFunc("POST /api/answer", w.answer)
	mux.Handle("GET /", files)
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if !loopbackHost(r.Host) {
			http.Error(rw, "mcpkit chat answers on loopback names only", http.StatusForbidden)
			return
		}
		if o := r.Header.Get("Origin"); o != "" && o != "http://"+r.Host {
			http.Error(rw, "cross-origin request refused", http.StatusForbidden)
			return
		}
		p := r.URL.Path
		if len(p) < 1+len(w.token) || subtle.ConstantTimeCompare([]byte(p[1:1+len(w.token)]), []byte(w.token)) != 1 {
			http.NotFound(rw, r)
			return
		}
		rest := p[1+len(w.token):]
		if rest != "" && rest[0] != '/' {
			http.NotFound(rw, r)
			return
		}
		if rest == "" {
			http.Redirect(rw, r, "/"+w.token+"/", http.StatusFound)
			return
		}
		r2 := r.Clone(r.Context())
		r2.URL.Path = rest
		rw.Header().Set("Content-Security-Policy", "default-src 'self'; connect-src 'self'; img-src 'self' data:")
		rw.Header().Set("Referrer-Policy", "no-referrer")
		mux.ServeHTTP(rw, r2)
	})
}

// loopbackHost reports whether a Host header names a loopback address or localhost.
func loopbackHost(h string) bool {
	host, _, err := net.SplitHostPort(h)
	if err != nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// events streams every event, past ones first, as server-sent events until the page goes or ctx ends.
func (w *Web) events(ctx context.Context, rw http.ResponseWriter, r *http.Request) {
	fl, ok := rw.(http.Flusher)
	if !ok {
		http.Error(rw, "streaming unsupported", http.StatusInternalServerError)
		return
	}
	ch := make(chan []byte, 256)
	w.mu.Lock()
	past := append([][]byte(nil), w.log...)
	w.subs[ch] = struct{}{}
	w.mu.Unlock()
	defer func() {
		w.mu.Lock()
		delete(w.subs, ch)
		w.mu.Unlock()
	}()
	rw.Header().Set("Content-Type", "text/event-stream")
	rw.Header().Set("Cache-Control", "no-store")
	for _, b := range past {
		fmt.Fprintf(rw, "data: %s\n\n", b)
	}
	fl.Flush()
	for {
		select {
		case b, ok := <-ch:
			if !ok {
				return
			}
			fmt.Fprintf(rw, "data: %s\n\n", b)
			fl.Flush()
		case <-r.Context().Done():
			return
		case <-ctx.Done():
			return
		}
	}
}

// toolList is the answer of api/tools.
type toolList struct {
	Servers []serverTools `json:"servers"`
}

type serverTools struct {
	Name  string     `json:"name"`
	Tools []toolInfo `json:"tools"`
}

type toolInfo struct {
	Name        string `json:"name"`
	Tool        string `json:"tool"`
	Description string `json:"description,omitzero"`
}

func (w *Web) tools(rw http.ResponseWriter, c *Chat) {
	var out toolList
	tools := c.Tools()
	for _, s := range c.Servers() {
		st := serverTools{Name: s.Name, Tools: []toolInfo{}}
		for _, t := range tools {
			if t.Server == s.Name {
				st.Tools = append(st.Tools, toolInfo{Name: t.Name, Tool: t.Tool.Name, Description: t.Tool.Description})
			}
		}
		out.Servers = append(out.Servers, st)
	}
	writeJSON(rw, http.StatusOK, out)
}

// send starts a turn with the posted message; one turn at a time (409 while one runs).
func (w *Web) send(ctx context.Context, rw http.ResponseWriter, r *http.Request, c *Chat) {
	var in struct {
		Text string `json:"text"`
	}
	if err := json.UnmarshalRead(http.MaxBytesReader(rw, r.Body, 1<<20), &in); err != nil || strings.TrimSpace(in.Text) == "" {
		writeJSON(rw, http.StatusBadRequest, map[string]string{"error": "want {\"text\": \"a message\"}"})
		return
	}
	w.mu.Lock()
	if w.busy || ctx.Err() != nil {
		w.mu.Unlock()
		writeJSON(rw, http.StatusConflict, map[string]string{"error": "a message is being answered"})
		return
	}
	w.busy = true
	w.turns.Add(1)
	w.mu.Unlock()
	w.publish(map[string]any{"kind": "user", "text": in.Text})
	go func() {
		defer w.turns.Done()
		c.Send(ctx, in.Text) // its answer or error is an event
		w.mu.Lock()
		w.busy = false
		w.mu.Unlock()
		w.publish(map[string]any{"kind": "idle"})
	}()
	writeJSON(rw, http.StatusAccepted, map[string]string{"status": "sent"})
}

// answer takes the page's answer to a pending elicitation or sampling request.
func (w *Web) answer(rw http.ResponseWriter, r *http.Request) {
	var in struct {
		ID      string         `json:"id"`
		Action  string         `json:"action"`
		Content map[string]any `json:"content"`
	}
	if err := json.UnmarshalRead(http.MaxBytesReader(rw, r.Body, 1<<20), &in); err != nil {
		writeJSON(rw, http.StatusBadRequest, map[string]string{"error": err.Error()})
		return
	}
	switch in.Action {
	case "accept", "decline", "cancel":
	default:
		writeJSON(rw, http.StatusBadRequest, map[string]string{"error": "action must be accept, decline or cancel"})
		return
	}
	a := answer{Action: in.Action, Content: in.Content}
	w.mu.Lock()
	q, ok := w.pending[in.ID]
	if ok && q.check != nil {
		if err := q.check(a); err != nil {
			w.mu.Unlock()
			writeJSON(rw, http.StatusUnprocessableEntity, map[string]string{"error": err.Error()})
			return
		}
	}
	delete(w.pending, in.ID)
	w.mu.Unlock()
	if !ok {
		writeJSON(rw, http.StatusNotFound, map[string]string{"error": "no such request (already answered?)"})
		return
	}
	q.ch <- a
	writeJSON(rw, http.StatusOK, map[string]string{"status": "answered"})
}

func writeJSON(rw http.ResponseWriter, code int, v any) {
	rw.Header().Set("Content-Type", "application/json")
	rw.WriteHeader(code)
	json.MarshalWrite(rw, v)
}
