//go:build !linux

package haproxytest

import "os/exec"

// dieWithParent does nothing here: only Linux has a parent-death signal. Cleanups stop haproxy.
func dieWithParent(*exec.Cmd) {}
