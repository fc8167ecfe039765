//go:build !linux

package stdio

import "os"

// interruptible returns f and f.Close: on this system a Read blocked on a descriptor in blocking mode is not
// interrupted by Close (see fd_linux.go for how Linux does it).
func interruptible(f *os.File) (*os.File, func() error) { return f, f.Close }
