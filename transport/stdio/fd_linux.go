//go:build linux

package stdio

import (
	"io"
	"os"
	"syscall"
)

// interruptible returns the reader and writer a Stream uses for f and w, with their closers (closeW is nil
// when w is returned as it is).
//
// A descriptor in blocking mode (a process's stdin usually is) is read by a thread stuck in the read system
// call, which closing the file does not interrupt. So for a pipe, socket or terminal in blocking mode,
// interruptible reads a duplicate of the descriptor in non-blocking mode through the runtime poller; closeR
// closes it (waking a blocked Read), puts the file description back into blocking mode, so that the process
// that handed it over (a shell, a terminal) finds it as it was, and closes f. Other files are returned as
// they are.
//
// O_NONBLOCK belongs to the file description, which others may share while the stream is open. When w is
// the same description (stdin and stdout are one terminal or one socket), w is written through a
// non-blocking duplicate in the poller too, so that a full buffer makes Write wait instead of fail.
// Other holders, such as os.Stderr on the same terminal, see the description non-blocking.
func interruptible(f *os.File, w io.Writer) (r io.Reader, closeR func() error, wr io.Writer, closeW func() error) {
	r, closeR, wr = f, f.Close, w
	sc, err := f.SyscallConn()
	if err != nil {
		return
	}
	wf, _ := w.(*os.File)
	dup, wdup := -1, -1
	_ = sc.Control(func(fd uintptr) {
		if !mayBlock(fd) || nonBlocking(fd) {
			return // regular files do not block; a non-blocking one is in the poller already
		}
		wasBlocking := wf != nil && !fileNonBlocking(wf)
		if dup = dupNonBlocking(fd); dup < 0 {
			return
		}
		if wasBlocking && fileNonBlocking(wf) { // w shares f's file description
			wsc, err := wf.SyscallConn()
			if err == nil {
				_ = wsc.Control(func(wfd uintptr) { wdup = dupNonBlocking(wfd) })
			}
		}
	})
	if dup < 0 {
		return
	}
	nf := os.NewFile(uintptr(dup), f.Name()) // non-blocking: NewFile adds it to the poller
	r, closeR = nf, func() error {
		err := nf.Close() // wakes a blocked Read and waits for it to let go
		_ = sc.Control(func(fd uintptr) { _ = syscall.SetNonblock(int(fd), false) })
		if ferr := f.Close(); err == nil {
			err = ferr
		}
		return err
	}
	if wdup >= 0 {
		nw := os.NewFile(uintptr(wdup), wf.Name())
		wr, closeW = nw, func() error {
			err := nw.Close()
			if werr := wf.Close(); err == nil {
				err = werr
			}
			return err
		}
	}
	return
}

// mayBlock reports whether reading fd can block: a pipe, a socket or a character device (a terminal).
func mayBlock(fd uintptr) bool {
	var st syscall.Stat_t
	if syscall.Fstat(int(fd), &st) != nil {
		return false
	}
	switch st.Mode & syscall.S_IFMT {
	case syscall.S_IFIFO, syscall.S_IFSOCK, syscall.S_IFCHR:
		return true
	}
	return false
}

func nonBlocking(fd uintptr) bool {
	flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
	return errno == 0 && flags&syscall.O_NONBLOCK != 0
}

func fileNonBlocking(f *os.File) bool {
	sc, err := f.SyscallConn()
	if err != nil {
		return false
	}
	nb := false
	_ = sc.Control(func(fd uintptr) { nb = nonBlocking(fd) })
	return nb
}

// dupNonBlocking returns a close-on-exec duplicate of fd with the file description in non-blocking mode, or
// -1.
func dupNonBlocking(fd uintptr) int {
	d, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
	if errno != 0 {
		return -1
	}
	if syscall.SetNonblock(int(d), true) != nil {
		syscall.Close(int(d))
		return -1
	}
	return int(d)
}
