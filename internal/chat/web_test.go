package chat_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/chat"
	"github.com/mcpkit/mcpkit/internal/chat/chattest"
)

// startWeb serves a chat with the e-commerce example and a scripted model on a loopback port until the
// test ends and returns its page's URL and the HTTP client to use.
func startWeb(t *testing.T) (string, *http.Client) {
	t.Helper()
	e := chattest.Start(t, chattest.Shop("shop"))
	w := chat.NewWeb()
	c := newChat(t, e, w.Options(chat.Options{}))
	shopServer(t, c, "shop")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Serve(ctx, c, ln) }()
	hc := &http.Client{Transport: &http.Transport{}, Timeout: 20 * time.Second}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Error(err)
		}
		hc.CloseIdleConnections()
	})
	return w.URL(ln.Addr()), hc
}

func status(t *testing.T, hc *http.Client, method, url, host, origin string) int {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(`{"text":"hi"}`))
	if host != "" {
		req.Host = host
	}
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebGuards: the page needs the token, a loopback Host and, with an Origin, its own.
func TestWebGuards(t *testing.T) {
	page, hc := startWeb(t)
	base := strings.TrimSuffix(page, strings.Split(page, "/")[3]+"/")
	for _, tc := range []struct {
		name, method, url, host, origin string
		want                            int
	}{
		{"page", "GET", page, "", "", 200},
		{"script", "GET", page + "app.js", "", "", 200},
		{"no token", "GET", base, "", "", 404},
		{"wrong token", "GET", base + "0123456789abcdef0123456789abcdef/", "", "", 404},
		{"token prefix", "GET", strings.TrimSuffix(page, "/") + "x/", "", "", 404},
		{"rebinding host", "GET", page, "evil.example:80", "", 403},
		{"localhost", "GET", page + "api/tools", "localhost:1", "", 200},
		{"cross origin", "POST", page + "api/send", "", "http://evil.example", 403},
		{"answer unknown", "POST", page + "api/answer", "", "", 400},
	} {
		if got := status(t, hc, tc.method, tc.url, tc.host, tc.origin); got != tc.want {
			t.Errorf("%s: %s %s: %d, want %d", tc.name, tc.method, tc.url, got, tc.want)
		}
	}
}

// TestWebTurn: a message posted to the page's API streams the user's message, the tool call, its
// result, the answer and idle on api/events.
func TestWebTurn(t *testing.T) {
	page, hc := startWeb(t)
	resp, err := hc.Get(page + "api/tools")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), `"name":"shop__get_inventory","tool":"get_inventory"`) {
		t.Errorf("api/tools: %s", body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", page+"api/events", nil)
	ev, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer ev.Body.Close()
	if ct := ev.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type %q", ct)
	}
	resp, err = hc.Post(page+"api/send", "application/json", strings.NewReader(`{"text":"what's in stock in books?"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		t.Fatalf("api/send: %s", resp.Status)
	}
	var kinds []string
	sc := bufio.NewScanner(ev.Body)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok {
			continue
		}
		var e map[string]any
		if err := json.Unmarshal([]byte(data), &e); err != nil {
			t.Fatal(err)
		}
		kinds = append(kinds, e["kind"].(string))
		if e["kind"] == "tool_call" && e["name"] != "shop__get_inventory" {
			t.Errorf("tool call %v", e)
		}
		if e["kind"] == "idle" {
			break
		}
	}
	if got := strings.Join(kinds, " "); got != "user tool_call tool_result answer idle" {
		t.Errorf("events: %s", got)
	}
}

// TestWebLoopbackOnly: --addr must be a loopback address.
func TestWebLoopbackOnly(t *testing.T) {
	w := chat.NewWeb()
	for _, addr := range []string{"0.0.0.0:0", ":0", "192.0.2.1:80", "example.com:80"} {
		err := w.ListenAndServe(context.Background(), nil, addr, nil)
		if err == nil || !strings.Contains(err.Error(), "loopback") {
			t.Errorf("%s: %v", addr, err)
		}
	}
}
