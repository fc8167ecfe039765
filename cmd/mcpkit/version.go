package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// version describes the running binary: the module version it was built at (`go install …@v1.2.3`, or the
// pseudo-version Go derives from the checkout), else "devel" with the VCS revision and whether the tree was
// modified; then the Go version. Without build information it is "devel".
func version() string {
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel (" + runtime.Version() + ")"
	}
	v := info.Main.Version
	if v == "" || v == "(devel)" {
		v = "devel"
	}
	var rev, modified string
	for _, s := range info.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			if s.Value == "true" {
				modified = ", modified"
			}
		}
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	if rev != "" && !strings.Contains(v, rev) { // Go 1.24+ puts the revision in a pseudo-version already
		return fmt.Sprintf("%s (%s%s, %s)", v, rev, modified, info.GoVersion)
	}
	return fmt.Sprintf("%s (%s)", v, info.GoVersion)
}

func newVersion() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version of mcpkit (same as --version)",
		Args:  noArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), "mcpkit", version())
			return err
		},
	}
}
