package stdio

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/jsonrpc"
)

func TestReadFraming(t *testing.T) {
	in := strings.Join([]string{
		`{"a":1}`,
		``,
		`   `,
		strings.Repeat("x", 100),
		`{"b":2}`,
		`{"c":3}`, // no trailing newline
	}, "\n")
	s := NewStream(strings.NewReader(in), io.Discard, Options{MaxMessageBytes: 50})
	ctx := context.Background()
	want := []string{`{"a":1}`, "frame", `{"b":2}`, `{"c":3}`, "eof"}
	for _, w := range want {
		got, err := s.Read(ctx)
		var fe *jsonrpc.FrameError
		switch {
		case w == "frame":
			if !errors.As(err, &fe) {
				t.Fatalf("over-long line: got %q, %v; want a FrameError", got, err)
			}
		case w == "eof":
			if !errors.Is(err, io.EOF) {
				t.Fatalf("end: got %q, %v; want EOF", got, err)
			}
		default:
			if err != nil || string(got) != w {
				t.Fatalf("got %q, %v; want %s", got, err, w)
			}
		}
	}
}

func TestLongLineAcrossBuffer(t *testing.T) {
	// A valid message longer than bufio's buffer must arrive whole.
	big := `{"x":"` + strings.Repeat("y", 200<<10) + `"}`
	s := NewStream(strings.NewReader(big+"\n"), io.Discard, Options{})
	got, err := s.Read(context.Background())
	if err != nil || string(got) != big {
		t.Fatalf("got %d bytes, %v", len(got), err)
	}
}

func TestSkipNonJSON(t *testing.T) {
	s := NewStream(strings.NewReader("Starting server v1...\n{\"ok\":1}\n"), io.Discard, Options{SkipNonJSON: true})
	got, err := s.Read(context.Background())
	if err != nil || string(got) != `{"ok":1}` {
		t.Fatalf("got %q, %v", got, err)
	}
}

func TestWriteCompactsNewlines(t *testing.T) {
	var out bytes.Buffer
	s := NewStream(strings.NewReader(""), &out, Options{})
	if err := s.Write(context.Background(), []byte("{\n  \"a\": 1\n}")); err != nil {
		t.Fatal(err)
	}
	if err := s.Write(context.Background(), []byte("{\"b\":\n")); err == nil {
		t.Fatal("invalid JSON with a newline must be refused")
	}
	if got := out.String(); got != "{\"a\":1}\n" {
		t.Fatalf("wrote %q", got)
	}
}

// TestMain lets the test binary act as a stdio server process for the Command tests.
func TestMain(m *testing.M) {
	switch os.Getenv("STDIO_TEST_MODE") {
	case "echo":
		// Prints a banner, echoes each line, logs to stderr, exits on stdin EOF.
		os.Stdout.WriteString("banner: not json\n")
		os.Stderr.WriteString("server log line\n")
		s := NewStream(os.Stdin, os.Stdout, Options{})
		for {
			msg, err := s.Read(context.Background())
			if err != nil {
				os.Exit(0)
			}
			_ = s.Write(context.Background(), msg)
		}
	case "answer-then-exit":
		// Answers requests named "answer" until it has answered STDIO_TEST_N of them, then exits at once
		// (stdin still open). A request named "never" is acknowledged with a notification, not answered.
		n, _ := strconv.Atoi(os.Getenv("STDIO_TEST_N"))
		s := NewStream(os.Stdin, os.Stdout, Options{})
		for answered := 0; answered < n; {
			line, err := s.Read(context.Background())
			if err != nil {
				os.Exit(1)
			}
			m, err := jsonrpc.DecodeMessage(line)
			if err != nil {
				os.Exit(1)
			}
			switch m.Method {
			case "answer":
				_ = s.Write(context.Background(), jsonrpc.AppendResult(nil, m.ID, []byte(`{}`)))
				answered++
			case "never":
				_ = s.Write(context.Background(), jsonrpc.AppendRequest(nil, jsonrpc.ID{}, "got-never", nil))
			}
		}
		os.Exit(0)
	case "stubborn":
		// Ignores stdin EOF and SIGTERM.
		os.Stdout.WriteString("{\"ready\":true}\n")
		for {
			time.Sleep(time.Hour)
		}
	}
	os.Exit(m.Run())
}

func selfCommand(t *testing.T, mode string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "STDIO_TEST_MODE="+mode)
	return cmd
}

func TestCommandRoundTripAndGracefulExit(t *testing.T) {
	var stderr bytes.Buffer
	// The exit is graceful when the child leaves on stdin EOF, however long a loaded machine takes (the
	// default 2 s ExitTimeout was passed once in CI, under load, by a race-instrumented child).
	cs, err := Command(selfCommand(t, "echo"), CommandOptions{Stderr: &stderr, ExitTimeout: 15 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := cs.Write(ctx, []byte(`{"hello":1}`)); err != nil {
		t.Fatal(err)
	}
	got, err := cs.Read(ctx)
	if err != nil || string(got) != `{"hello":1}` {
		t.Fatalf("got %q, %v (the banner must be skipped)", got, err)
	}
	if err := cs.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	if !strings.Contains(stderr.String(), "server log line") {
		t.Errorf("stderr not drained: %q", stderr.String())
	}
}

func TestCommandKillsStubbornServer(t *testing.T) {
	cmd := selfCommand(t, "stubborn")
	cs, err := Command(cmd, CommandOptions{ExitTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Read(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err = cs.Close()
	if err == nil || !strings.Contains(err.Error(), "SIGTERM") && !strings.Contains(err.Error(), "killed") {
		t.Fatalf("close of a stubborn server: %v", err)
	}
	if time.Since(start) > 5*time.Second {
		t.Fatalf("close took %v", time.Since(start))
	}
}
