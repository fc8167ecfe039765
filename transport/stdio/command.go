package stdio

import (
	"context"
	"errors"
	"fmt"
	"github.com/mcpkit/mcpkit/jsonrpc"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// CommandOptions configures a server process started by Command. The zero value is usable.
type CommandOptions struct {
	Options
	// Stderr receives the server's stderr. Nil forwards it to the logger at debug level, line by line.
	Stderr io.Writer
	// ExitTimeout is how long Close waits after closing stdin before sending SIGTERM, and again before
	// SIGKILL. Default 2s.
	ExitTimeout time.Duration
}

// CommandStream is a jsonrpc.Stream to a server process it started. Close shuts the process down.
type CommandStream struct {
	*Stream
	cmd      *exec.Cmd
	stdin    io.WriteCloser
	opts     CommandOptions
	waitErr  chan error
	stderr   sync.WaitGroup
	once     sync.Once
	closeErr error
}

// Command starts cmd and returns a stream over its stdin and stdout. cmd must not have Stdin, Stdout or
// Stderr set. SkipNonJSON is always on: stray banner lines on stdout are skipped with a warning.
func Command(cmd *exec.Cmd, opts CommandOptions) (*CommandStream, error) {
	if cmd.Stdin != nil || cmd.Stdout != nil || cmd.Stderr != nil {
		return nil, errors.New("stdio: Command needs an exec.Cmd without Stdin, Stdout or Stderr")
	}
	if opts.ExitTimeout <= 0 {
		opts.ExitTimeout = 2 * time.Second
	}
	opts.SkipNonJSON = true
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, fmt.Errorf("stdio: %w", err)
	}
	// Plain pipes (not StdoutPipe) so that exec.Cmd.Wait cannot close stdout under a reader that has not
	// yet read the last messages: the read end sees EOF once the process and its children are gone.
	stdoutR, stdoutW, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("stdio: %w", err)
	}
	stderrR, stderrW, err := os.Pipe()
	if err != nil {
		stdoutR.Close()
		stdoutW.Close()
		return nil, fmt.Errorf("stdio: %w", err)
	}
	cmd.Stdout, cmd.Stderr = stdoutW, stderrW
	err = cmd.Start()
	stdoutW.Close()
	stderrW.Close()
	if err != nil {
		stdoutR.Close()
		stderrR.Close()
		return nil, fmt.Errorf("stdio: starting %s: %w", cmd.Path, err)
	}
	cs := &CommandStream{
		Stream:  NewStream(stdoutR, stdin, opts.Options),
		cmd:     cmd,
		stdin:   stdin,
		opts:    opts,
		waitErr: make(chan error, 1),
	}
	cs.stderr.Add(1)
	go cs.drainStderr(stderrR, log)
	// The process is reaped as soon as it exits, whatever happens to its pipes: a process it started in the
	// background (a helper, a daemon) may keep stderr and stdout open long after, and must not keep the
	// exited server a zombie or Close waiting. cmd.Stdout and cmd.Stderr are *os.File, so Wait copies
	// nothing and closes nothing the readers use.
	go func() { cs.waitErr <- cmd.Wait() }()
	return cs, nil
}

func (cs *CommandStream) drainStderr(r io.ReadCloser, log *slog.Logger) {
	defer cs.stderr.Done()
	defer r.Close()
	if cs.opts.Stderr != nil {
		_, _ = io.Copy(cs.opts.Stderr, r)
		return
	}
	s := NewStream(r, io.Discard, Options{MaxMessageBytes: 64 << 10})
	for {
		line, err := s.Read(context.Background())
		var fe *jsonrpc.FrameError
		switch {
		case errors.As(err, &fe):
			continue // an over-long stderr line is skipped
		case err != nil:
			return
		}
		log.Debug("stdio: server stderr", "line", string(line))
	}
}

// Close shuts the server down: it closes stdin and waits ExitTimeout for the process to exit, then sends
// SIGTERM and waits again, then SIGKILL. It returns nil when the process exited after stdin closed.
func (cs *CommandStream) Close() error {
	cs.once.Do(func() { cs.closeErr = cs.shutdown() })
	return cs.closeErr
}

func (cs *CommandStream) shutdown() error {
	defer cs.Stream.Close() // releases the stdout read end once the process is gone
	defer cs.awaitStderr()
	_ = cs.stdin.Close()
	t := time.NewTimer(cs.opts.ExitTimeout)
	defer t.Stop()
	select {
	case <-cs.waitErr:
		return nil
	case <-t.C:
	}
	_ = cs.cmd.Process.Signal(syscall.SIGTERM)
	t.Reset(cs.opts.ExitTimeout)
	select {
	case <-cs.waitErr:
		return errors.New("stdio: server ignored stdin EOF and was stopped with SIGTERM")
	case <-t.C:
	}
	_ = cs.cmd.Process.Kill()
	<-cs.waitErr
	return errors.New("stdio: server ignored SIGTERM and was killed")
}

// awaitStderr waits, at most stderrGrace, until the exited server's stderr has been read to its end, so
// that its last lines reach Stderr (or the log) before Close returns. A process the server left running
// with stderr open ends the wait at the bound; its drain goes on until that process closes it.
func (cs *CommandStream) awaitStderr() {
	done := make(chan struct{})
	go func() {
		cs.stderr.Wait()
		close(done)
	}()
	t := time.NewTimer(min(cs.opts.ExitTimeout, stderrGrace))
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	}
}

// stderrGrace bounds awaitStderr: the pipe of an exited process holds at most what it wrote last, read in
// microseconds; only a process still holding the pipe makes the wait reach it.
const stderrGrace = time.Second

// Process returns the running server process.
func (cs *CommandStream) Process() *os.Process { return cs.cmd.Process }
