package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAuthserverCommand runs `mcpkit authserver` in process: it prints its issuer, warns about
// auto-approve, serves metadata naming that issuer, registers --client, and stops with its context.
func TestAuthserverCommand(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var mu sync.Mutex
	var out, errOut bytes.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"authserver", "--addr", "127.0.0.1:0", "--auto-approve",
			"--resource", "http://127.0.0.1:1/mcp", "--client", "id=c1,secret=s1,redirect=http://127.0.0.1:5/cb"},
			&sharedWriter{&mu, &out}, &sharedWriter{&mu, &errOut})
	}()
	var issuer string
	for deadline := time.Now().Add(10 * time.Second); issuer == "" && time.Now().Before(deadline); {
		mu.Lock()
		if line, ok := strings.CutPrefix(out.String(), "issuer: "); ok && strings.HasSuffix(line, "\n") {
			issuer = strings.TrimSpace(line)
		}
		mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	if issuer == "" {
		t.Fatalf("no issuer printed; stderr: %s", errOut.String())
	}
	resp, err := http.Get(issuer + "/.well-known/oauth-authorization-server")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&m)
	resp.Body.Close()
	if m["issuer"] != issuer {
		t.Errorf("metadata issuer %v, want %s", m["issuer"], issuer)
	}
	// The --client is confidential: client_credentials works for it.
	req, _ := http.NewRequest(http.MethodPost, issuer+"/oauth/token", strings.NewReader("grant_type=client_credentials&resource=http%3A%2F%2F127.0.0.1%3A1%2Fmcp"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("c1", "s1")
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("client_credentials for --client: %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != exitOK {
			t.Errorf("exit %d", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("authserver did not stop with its context")
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(errOut.String(), "AUTO-APPROVE") {
		t.Errorf("no auto-approve warning on stderr: %q", errOut.String())
	}
}

func TestAuthserverClientFlag(t *testing.T) {
	c, err := parseClientFlag("id=a,secret=b,redirect=http://127.0.0.1:1/cb,redirect=https://x.example/cb")
	if err != nil || c.ID != "a" || c.Secret != "b" || len(c.RedirectURIs) != 2 {
		t.Errorf("parse: %+v %v", c, err)
	}
	for _, bad := range []string{"", "secret=b", "id=a,foo=1", "id=a,redirect"} {
		if _, err := parseClientFlag(bad); err == nil {
			t.Errorf("parseClientFlag(%q) accepted", bad)
		}
	}
	if _, _, code := mcpkit(t, "authserver", "--client", "nope"); code != exitUsage {
		t.Errorf("bad --client: exit %d, want %d", code, exitUsage)
	}
}

// sharedWriter writes to w under a mutex the test also holds to read.
type sharedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (s *sharedWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.w.Write(p)
}
