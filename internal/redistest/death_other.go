//go:build !linux

package redistest

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal. Cleanups stop the server.
func dieWithParent(*exec.Cmd) {}
