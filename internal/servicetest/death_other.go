//go:build !linux

package servicetest

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal. Cleanups stop the child.
func dieWithParent(*exec.Cmd) {}
