//go:build !linux

package stdio

import (
	"io"
	"os"
)

// interruptible returns f and w as they are: on this system a Read blocked on a descriptor in blocking mode
// is not interrupted by Close (see fd_linux.go for how Linux does it).
func interruptible(f *os.File, w io.Writer) (io.Reader, func() error, io.Writer, func() error) {
	return f, f.Close, w, nil
}
