package main

import (
	"context"
	"slices"
	"sync"
	"testing"

	"go.uber.org/goleak"

	"github.com/mcpkit/mcpkit/client"
	"github.com/mcpkit/mcpkit/internal/exampletest"
	"github.com/mcpkit/mcpkit/mcp"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// heard collects the levels of the log notifications a client receives.
type heard struct {
	mu     sync.Mutex
	levels []mcp.LoggingLevel
}

func (h *heard) onLog(_ context.Context, p *mcp.LoggingMessageParams) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.levels = append(h.levels, p.Level)
}

// take returns the levels heard so far and forgets them.
func (h *heard) take() []mcp.LoggingLevel {
	h.mu.Lock()
	defer h.mu.Unlock()
	l := h.levels
	h.levels = nil
	return l
}

var all = []mcp.LoggingLevel{mcp.LevelDebug, mcp.LevelInfo, mcp.LevelNotice, mcp.LevelWarning, mcp.LevelError}

// above returns the levels of all at or above min.
func above(min mcp.LoggingLevel) []mcp.LoggingLevel {
	var out []mcp.LoggingLevel
	for _, l := range all {
		if l.AtLeast(min) {
			out = append(out, l)
		}
	}
	return out
}

// echoAndListen calls echo and returns the levels heard during the call (the client runs the callbacks of
// the notifications that came before a result before the call returns).
func echoAndListen(t *testing.T, sess *client.Session, h *heard) []mcp.LoggingLevel {
	t.Helper()
	if text, isErr := exampletest.Call(t, sess, "echo", EchoArgs{Message: "hello"}); isErr || text != "hello" {
		t.Fatalf("echo: %q (isError %v)", text, isErr)
	}
	return h.take()
}

// TestLevels: in both eras the server sends exactly the records at or above the client's level — set at
// connect (logging/setLevel after initialize, or the per-request level at 2026-07-28) and changed later
// with SetLevel — and the client does not filter them itself.
func TestLevels(t *testing.T) {
	for _, version := range exampletest.Eras {
		t.Run(version, func(t *testing.T) {
			h := &heard{}
			sess := exampletest.Connect(t, New(), version, client.Options{LogLevel: mcp.LevelDebug, OnLog: h.onLog})
			if got := echoAndListen(t, sess, h); !slices.Equal(got, all) {
				t.Fatalf("at debug heard %v, want %v", got, all)
			}
			for _, level := range []mcp.LoggingLevel{mcp.LevelInfo, mcp.LevelWarning, mcp.LevelError, mcp.LevelEmergency, mcp.LevelDebug} {
				ctx, cancel := context.WithTimeout(context.Background(), exampletest.Timeout)
				err := sess.SetLevel(ctx, level)
				cancel()
				if err != nil {
					t.Fatalf("set level %s: %v", level, err)
				}
				if got, want := echoAndListen(t, sess, h), above(level); !slices.Equal(got, want) {
					t.Errorf("at %s heard %v, want %v", level, got, want)
				}
			}
		})
	}
}

// TestModernWithoutLevel: a 2026-07-28 request that names no level hears no log at all.
func TestModernWithoutLevel(t *testing.T) {
	h := &heard{}
	sess := exampletest.Connect(t, New(), mcp.Version20260728, client.Options{OnLog: h.onLog})
	if got := echoAndListen(t, sess, h); len(got) != 0 {
		t.Fatalf("heard %v without asking", got)
	}
}

// TestHTTP: `echo --addr …` streams the logs over Streamable HTTP in both eras.
func TestHTTP(t *testing.T) {
	base := exampletest.StartHTTP(t, run)
	for _, version := range exampletest.Eras {
		h := &heard{}
		sess := exampletest.ConnectHTTP(t, base, version, client.Options{LogLevel: mcp.LevelWarning, OnLog: h.onLog})
		if got, want := echoAndListen(t, sess, h), above(mcp.LevelWarning); !slices.Equal(got, want) {
			t.Errorf("%s: heard %v, want %v", version, got, want)
		}
	}
}
