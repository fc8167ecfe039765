package main

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// pane is a shell in a private tmux server: the test types into it and reads its screen, as a person
// would see it.
type pane struct {
	t          *testing.T
	tmux, sock string
}

// paneWait bounds each wait for the screen to show something.
const paneWait = 20 * time.Second

func newPane(t *testing.T) *pane {
	tmux := servicetest.Find(t, "tmux", "apt-get install tmux")
	p := &pane{t: t, tmux: tmux, sock: fmt.Sprintf("mcpkit-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	p.run("-f", "/dev/null", "new-session", "-d", "-s", "t", "-x", "150", "-y", "40", "sh")
	t.Cleanup(func() {
		kill := exec.Command(tmux, "-L", p.sock, "kill-server")
		kill.Env = withoutTMUX(os.Environ())
		_ = kill.Run() // the server and the shell in it end here
	})
	return p
}

func (p *pane) run(args ...string) string {
	p.t.Helper()
	cmd := exec.Command(p.tmux, append([]string{"-L", p.sock}, args...)...)
	cmd.Env = withoutTMUX(os.Environ())
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

// typeLine types s and Enter.
func (p *pane) typeLine(s string) {
	p.t.Helper()
	if s != "" {
		p.run("send-keys", "-t", "t", "-l", s)
	}
	p.run("send-keys", "-t", "t", "Enter")
}

func (p *pane) screen() string { return p.run("capture-pane", "-p", "-t", "t") }

// waitFor polls the screen until re matches it, and returns the match.
func (p *pane) waitFor(re string) []string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(paneWait)
	for {
		s := p.screen()
		if m := rx.FindStringSubmatch(s); m != nil {
			return m
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen never showed %q:\n%s", re, s)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTerminalElicitationForm types into book_trip's form in a terminal: a wrong answer is explained and
// asked again, the default is shown, and the answer sent books the date typed.
func TestTerminalElicitationForm(t *testing.T) {
	p := newPane(t)
	url := serveHTTP(t)
	p.typeLine(fmt.Sprintf("%s call %s book_trip date=2024-12-25; echo exit=$?", binary, url))
	p.waitFor(`The server asks: No availability on 2024-12-25\. Would you like to try another date\?`)
	p.waitFor(`checkAlternative — Would you like to book another date\? \(required, y/n\)\n  >\s*$`)
	p.typeLine("maybe")
	p.waitFor(`answer y or n\n  >\s*$`)
	p.typeLine("y")
	p.waitFor(`alternativeDate — The alternative date \(date, YYYY-MM-DD\)\n  > \[2024-12-26\]\s*$`)
	p.typeLine("March 4th")
	p.waitFor(`"March 4th" is not a date \(YYYY-MM-DD\)\n  > \[2024-12-26\]\s*$`)
	p.typeLine("2025-03-04")
	p.waitFor(`Send this answer\? \[Y\]es / \[n\]o, decline / \[c\]ancel:\s*$`)
	p.typeLine("")
	p.waitFor(`mcpkit: answer sent\n\[SUCCESS\] Booked for 2025-03-04\nexit=0`)

	// Ctrl-C while the form waits for input ends the call at once.
	p.typeLine("clear; " + fmt.Sprintf("%s call %s book_trip date=2024-12-25; echo exit=$?", binary, url))
	p.waitFor(`\(required, y/n\)\n  >\s*$`)
	p.run("send-keys", "-t", "t", "C-c")
	p.waitFor(`mcpkit call: interrupted\nexit=130`)
}

// TestTerminalProgressBar watches a long call's progress bar being redrawn in place on a terminal, then
// erased for the result.
func TestTerminalProgressBar(t *testing.T) {
	p := newPane(t)
	url := serveHTTP(t)
	p.typeLine(fmt.Sprintf("clear; %s call %s wait seconds=2 id=bar; echo exit=$?", binary, url))
	first := p.waitFor(`\[(#*)\.+\] +\d+% ([1-9])/20 \d+/20`)
	later := p.waitFor(`\[(#+)\.*\] +\d+% (1\d|20)/20 \d+/20`)
	if len(later[1]) <= len(first[1]) {
		t.Errorf("the bar did not grow: %q at %s/20, %q at %s/20", first[1], first[2], later[1], later[2])
	}
	if s := p.screen(); strings.Count(s, "%") != 1 {
		t.Errorf("not one bar redrawn in place:\n%s", s)
	}
	p.waitFor(`waited bar\nexit=0`)
	s := p.screen()
	if strings.Count(s, "%") != 0 {
		t.Errorf("the bar was not erased before the result:\n%s", s)
	}
	if n := strings.Count(s, "/20"); n != 0 {
		t.Errorf("progress left %d marks on the screen (a bar redrawn in place leaves none):\n%s", n, s)
	}
}

// withoutTMUX drops TMUX from env: a test run inside tmux must still start its own server.
func withoutTMUX(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "TMUX=") {
			out = append(out, kv)
		}
	}
	return out
}
