//go:build !linux

package interop

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal. Cleanups stop the nodes.
func dieWithParent(*exec.Cmd) {}
