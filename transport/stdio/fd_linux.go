//go:build linux

package stdio

import (
	"os"
	"syscall"
)

// interruptible returns a reader for f whose blocked Read ends when it is closed, and the function that
// closes it. A descriptor in blocking mode (a process's stdin usually is) is read by a thread stuck in the
// read system call, which closing the file does not interrupt; so for a pipe, socket or terminal in blocking
// mode, interruptible reads a duplicate of the descriptor in non-blocking mode through the runtime poller,
// and its closer puts the shared file description back into blocking mode before closing f, so that the
// process that handed it over (a shell, a terminal) finds it as it was. Other files are returned as they
// are, with f.Close.
//
// O_NONBLOCK belongs to the file description, which other processes (or our own stdout and stderr, when
// all three are one terminal) may share; they see it while the stream is open.
func interruptible(f *os.File) (r *os.File, closeFn func() error) {
	plain := func() (*os.File, func() error) { return f, f.Close }
	sc, err := f.SyscallConn()
	if err != nil {
		return plain()
	}
	dup := -1
	_ = sc.Control(func(fd uintptr) {
		var st syscall.Stat_t
		if syscall.Fstat(int(fd), &st) != nil {
			return
		}
		switch st.Mode & syscall.S_IFMT {
		case syscall.S_IFIFO, syscall.S_IFSOCK, syscall.S_IFCHR:
		default:
			return // regular files and directories do not block
		}
		flags, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_GETFL, 0)
		if errno != 0 || flags&syscall.O_NONBLOCK != 0 {
			return // already non-blocking: os.File put it into the poller when it was made
		}
		d, _, errno := syscall.Syscall(syscall.SYS_FCNTL, fd, syscall.F_DUPFD_CLOEXEC, 0)
		if errno != 0 {
			return
		}
		if syscall.SetNonblock(int(d), true) != nil {
			syscall.Close(int(d))
			return
		}
		dup = int(d)
	})
	if dup < 0 {
		return plain()
	}
	nf := os.NewFile(uintptr(dup), f.Name()) // non-blocking: NewFile adds it to the poller
	return nf, func() error {
		err := nf.Close() // wakes a blocked Read and waits for it to let go
		_ = sc.Control(func(fd uintptr) { _ = syscall.SetNonblock(int(fd), false) })
		if ferr := f.Close(); err == nil {
			err = ferr
		}
		return err
	}
}
