//go:build linux

package stdio

import (
	"context"
	"io"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// blockingPipe returns the read end of a pipe as an *os.File in blocking mode, as a process's stdin usually
// is (os.Pipe's own files are non-blocking and in the runtime poller, which hides the problem), and the
// write end.
func blockingPipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fd, err := syscall.Dup(int(pr.Fd()))
	pr.Close()
	if err != nil {
		t.Fatal(err)
	}
	if err := syscall.SetNonblock(fd, false); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pw.Close() })
	return os.NewFile(uintptr(fd), "blocking pipe"), pw
}

// TestCloseInterruptsBlockingRead: Close ends a Read blocked on a file descriptor in blocking mode (a
// process's stdin), so that a server stops when asked even while its client keeps stdin open.
func TestCloseInterruptsBlockingRead(t *testing.T) {
	r, w := blockingPipe(t)
	// Another descriptor for the same file description, as the shell or the parent process holds.
	other, err := syscall.Dup(int(r.Fd()))
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(other)
	s := NewStream(r, io.Discard, Options{})
	if _, err := w.WriteString("{\"first\":1}\n"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Read(context.Background()); err != nil || string(got) != `{"first":1}` {
		t.Fatalf("read %q, %v", got, err)
	}
	readErr := make(chan error, 1)
	go func() {
		_, err := s.Read(context.Background())
		readErr <- err
	}()
	runtime.Gosched()
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	select {
	case err := <-readErr:
		if err == nil {
			t.Error("Read after Close returned a message")
		}
	case <-time.After(5 * time.Second):
		w.Close() // unblock the reader so the test process can finish
		t.Fatal("Close did not interrupt a blocked Read")
	}
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, uintptr(other), syscall.F_GETFL, 0)
	if errno != 0 || flags&syscall.O_NONBLOCK != 0 {
		t.Errorf("after Close the file description is left non-blocking (flags %#x, %v)", flags, errno)
	}
}
