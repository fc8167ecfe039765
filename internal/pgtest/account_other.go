//go:build !linux

package pgtest

import (
	"errors"
	"os"
	"os/exec"
)

// account is the user the server's programs run as: here always the test's own.
type account struct{}

// runAs refuses root, which PostgreSQL refuses too (switching users is done on Linux only).
func runAs() (*account, error) {
	if os.Geteuid() == 0 {
		return nil, errors.New("running as root: PostgreSQL refuses root, and pgtest switches users on Linux only")
	}
	return nil, nil
}

func (a *account) own(string) error { return nil }

func (a *account) command(bin string, args ...string) *exec.Cmd { return exec.Command(bin, args...) }
