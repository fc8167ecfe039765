package servicetest

import (
	"os/exec"
	"syscall"
)

// dieWithParent has the kernel kill the child when the test process dies, even without its cleanups (a
// test binary ended by -timeout leaves no service behind). Other SysProcAttr settings (credentials of a
// service that refuses to run as root) are kept; the signal is set after them, so a change of user does not
// clear it.
func dieWithParent(cmd *exec.Cmd) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = syscall.SIGKILL
}
