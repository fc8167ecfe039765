package servicetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when the test process dies, even without its cleanups (a
// test binary ended by -timeout leaves no service behind).
func dieWithParent(cmd *exec.Cmd) { cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL} }
