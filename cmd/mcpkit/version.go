package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version describes the running binary: the module version it was built at (`go install …@v1.2.3`), else
// "devel" with the VCS revision and whether the tree was modified (`go build` in a checkout), and the Go
// version. Without build information (a binary built without module support) it is "devel".
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
	if rev != "" {
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
