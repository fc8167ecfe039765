package interop

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill a node when the test process dies, even without its cleanups (a test
// binary ended by -timeout leaves no mcpkit serve behind).
func dieWithParent(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
