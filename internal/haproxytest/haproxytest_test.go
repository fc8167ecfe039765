package haproxytest

import (
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestRoundRobinWithoutStickiness: nine requests on one kept-alive client connection reach each of three
// backends three times, in turn, and each response names the backend that served it.
func TestRoundRobinWithoutStickiness(t *testing.T) {
	var backends []string
	for i := range 3 {
		name := string(rune('a' + i))
		ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, name) }))
		t.Cleanup(ts.Close)
		backends = append(backends, strings.TrimPrefix(ts.URL, "http://"))
	}
	p := Start(t, backends)
	hc := &http.Client{Transport: &http.Transport{MaxConnsPerHost: 1}} // one connection, kept alive
	defer hc.CloseIdleConnections()
	var got []string
	for range 9 {
		resp, err := hc.Get(p.URL("/x"))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, string(b)+"="+resp.Header.Get(ServedByHeader))
	}
	count := map[string]int{}
	for i, g := range got {
		count[g]++
		if i > 0 && g == got[i-1] {
			t.Errorf("requests %d and %d went to the same backend: %v", i-1, i, got)
		}
	}
	for _, want := range []string{"a=n0", "b=n1", "c=n2"} {
		if count[want] != 3 {
			t.Fatalf("backend/header counts %v, want 3 of each of a=n0 b=n1 c=n2 (%v)\n%s", count, got, p.Output())
		}
	}
	p.Stop()
	if c, err := net.Dial("tcp", p.Addr); err == nil {
		c.Close()
		t.Fatal("haproxy still listens after Stop")
	}
	p.Stop() // idempotent
}

// TestConfigHasNoStickiness guards the configuration against the settings that would pin a client to a
// backend.
func TestConfigHasNoStickiness(t *testing.T) {
	cfg := Config("127.0.0.1:1", []string{"127.0.0.1:2", "127.0.0.1:3"})
	for _, bad := range []string{"cookie", "stick", "prefer-last-server", "balance source", "hash"} {
		if strings.Contains(cfg, bad) {
			t.Errorf("config contains %q:\n%s", bad, cfg)
		}
	}
	for _, want := range []string{"balance roundrobin", "mode http", "timeout tunnel", "server n0 127.0.0.1:2", "server n1 127.0.0.1:3"} {
		if !strings.Contains(cfg, want) {
			t.Errorf("config lacks %q:\n%s", want, cfg)
		}
	}
}
