package exampletest

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// asMain, set in the environment, makes a test binary run its program's main instead of its tests, with
// the arguments in asMain+"_ARGS": tests start the example as a real process without building it.
const asMain = "MCPKIT_EXAMPLE_TEST_AS_MAIN"

// RunAsMain, called first in TestMain, runs main with the child's arguments and exits 0 when the test
// binary was started by Child; otherwise it returns at once.
func RunAsMain(main func()) {
	if os.Getenv(asMain) != "1" {
		return
	}
	os.Args = append(os.Args[:1], strings.Fields(os.Getenv(asMain+"_ARGS"))...)
	main()
	os.Exit(0)
}

// Child returns a command that runs the test binary as the program (RunAsMain) with args, split on
// spaces.
func Child(t testing.TB, args string) *exec.Cmd {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), asMain+"=1", asMain+"_ARGS="+args)
	return cmd
}
