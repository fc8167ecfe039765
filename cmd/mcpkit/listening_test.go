package main

import (
	"net"
	"os/exec"
	"strconv"
	"testing"

	"github.com/mcpkit/mcpkit/internal/servicetest"
)

// listening is a running `mcpkit` command that serves on a loopback port (bridge --stdio, gateway).
type listening struct {
	cmd  *exec.Cmd
	proc *servicetest.Proc
	base string // http://127.0.0.1:PORT
}

// startListening runs `mcpkit ARGS --addr 127.0.0.1:PORT` on a free port (another one when the port was
// taken meanwhile) and waits until it accepts connections; it is killed when the test ends, and what it
// printed is logged, under what, when the test failed.
func startListening(t *testing.T, what string, args ...string) *listening {
	t.Helper()
	l := servicetest.Retry(t, func() (*listening, error) {
		port, err := servicetest.FreePort()
		if err != nil {
			return nil, err
		}
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command(binary, append(append([]string{}, args...), "--addr", addr)...)
		p, err := servicetest.StartCmd(cmd)
		if err != nil {
			return nil, err
		}
		if err := p.WaitReady("mcpkit "+args[0], func() error {
			c, err := net.Dial("tcp", addr)
			if err == nil {
				c.Close()
			}
			return err
		}); err != nil {
			return nil, err
		}
		return &listening{cmd: cmd, proc: p, base: "http://" + addr}, nil
	})
	t.Cleanup(func() {
		l.proc.Kill()
		if t.Failed() {
			t.Logf("%s said:\n%s", what, l.proc.Output())
		}
	})
	return l
}
