//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package term

import "os"

// IsTerminal reports whether f is a terminal; on this system it says no, so output stays plain.
func IsTerminal(f *os.File) bool { return false }

// Width returns 0: the width is unknown on this system.
func Width(f *os.File) int { return 0 }
