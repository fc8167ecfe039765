package pgtest

import (
	"errors"
	"os"
	"os/exec"
	"os/user"
	"strconv"
	"syscall"
)

// account is the user the server's programs run as: nil is the test's own user.
type account struct{ uid, gid uint32 }

// runAs returns the account to run PostgreSQL as: the test's user, or "postgres" when the test runs as
// root (postgres refuses root).
func runAs() (*account, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, errors.New("running as root and there is no postgres user to run PostgreSQL as (apt-get install postgresql creates it)")
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err := errors.Join(err1, err2); err != nil {
		return nil, err
	}
	return &account{uid: uint32(uid), gid: uint32(gid)}, nil
}

// own gives dir to the account.
func (a *account) own(dir string) error {
	if a == nil {
		return nil
	}
	return os.Chown(dir, int(a.uid), int(a.gid))
}

// command prepares bin args to run as the account.
func (a *account) command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	if a != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: a.uid, Gid: a.gid}}
		cmd.Env = append(os.Environ(), "HOME=/var/lib/postgresql", "USER=postgres")
	}
	return cmd
}
