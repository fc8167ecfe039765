package main

import (
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/examples/ecommerce/shop"
	"github.com/mcpkit/mcpkit/internal/chat/chattest"
)

// TestChat runs `mcpkit chat` against a scripted model and the e-commerce example over Streamable HTTP,
// and against a config file naming the same server, with a scripted stdin.
func TestChat(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	st, err := shop.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "shop.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := shop.New(st, nil)
	defer s.Close()
	hs := httptest.NewServer(s.Handler(nil))
	defer hs.Close()
	cfg := filepath.Join(t.TempDir(), "mcp.json")
	if err := os.WriteFile(cfg, []byte(`{"mcpServers": {"shop": {"url": "`+hs.URL+`/mcp"}}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, server string
		args         []string
	}{
		{"url", "127-0-0-1-" + hs.URL[strings.LastIndex(hs.URL, ":")+1:], []string{hs.URL + "/mcp"}},
		{"config", "shop", []string{"--config", cfg}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := chattest.Start(t, chattest.Shop(tc.server))
			args := append([]string{"chat", "--llm-model", "scripted"}, tc.args...)
			out, errOut, code := mcpkitIn(t, "", []string{"MCPKIT_LLM_BASE_URL=" + e.URL, "MCPKIT_LLM_API_KEY=k1"}, "what's in stock in books?\n/quit\n", args...)
			t.Logf("stdout:\n%s", out)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			for _, want := range []string{"1 servers, 13 tools", "→ " + tc.server + "__get_inventory {\"category\":\"books\"}", "In stock: {\"items\""} {
				if !strings.Contains(out, want) {
					t.Errorf("stdout lacks %q", want)
				}
			}
			if r := e.Requests(); len(r) != 2 || r[0].Auth != "Bearer k1" {
				t.Errorf("%d requests", len(r))
			}
		})
	}
	_, errOut, code := mcpkitIn(t, "", nil, "", "chat", hs.URL+"/mcp")
	if code != 2 || !strings.Contains(errOut, "--llm-base-url") {
		t.Errorf("no model: exit %d, %s", code, errOut)
	}
}
