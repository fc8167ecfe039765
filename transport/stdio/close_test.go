//go:build linux

package stdio

import (
	"context"
	"io"
	"os"
	"runtime"
	"strings"
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

// TestSharedDescriptionWritesWait: when stdin and stdout are one file description (one terminal, one
// socket), making the input interruptible must not make a large write fail with EAGAIN once the buffer is
// full: the write waits for the reader.
func TestSharedDescriptionWritesWait(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	peer := os.NewFile(uintptr(fds[1]), "peer")
	defer peer.Close()
	out, err := syscall.Dup(fds[0]) // stdout: the same description as stdin
	if err != nil {
		t.Fatal(err)
	}
	s := NewStream(os.NewFile(uintptr(fds[0]), "stdin"), os.NewFile(uintptr(out), "stdout"), Options{})
	msg := []byte(`{"x":"` + strings.Repeat("y", 4<<20) + `"}`) // far more than a socket buffer
	got := make(chan int, 1)
	go func() {
		n, _ := io.Copy(io.Discard, io.LimitReader(peer, int64(len(msg)+1)))
		got <- int(n)
	}()
	if err := s.Write(context.Background(), msg); err != nil {
		t.Fatalf("Write: %v", err)
	}
	if n := <-got; n != len(msg)+1 {
		t.Fatalf("peer read %d bytes, want %d", n, len(msg)+1)
	}
	if err := s.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}
