package main

import (
	"strings"
	"testing"
)

// TestCompletion: `mcpkit completion SHELL` prints a script for each shell that asks the binary for its
// candidates (cobra's __complete protocol), and those candidates are the verbs, config's subcommand and
// a verb's flags; a wrong word after completion is a usage error.
func TestCompletion(t *testing.T) {
	for shell, marker := range map[string]string{"bash": "complete -o default -F __start_mcpkit mcpkit", "zsh": "#compdef mcpkit",
		"fish": "complete -c mcpkit", "powershell": "Register-ArgumentCompleter"} {
		stdout, stderr, code := mcpkit(t, "completion", shell)
		if code != 0 || stderr != "" || !strings.Contains(stdout, marker) || !strings.Contains(stdout, "__complete") {
			t.Errorf("%s: exit %d, stderr %q, script has %q: %v, asks __complete: %v", shell, code, stderr, marker,
				strings.Contains(stdout, marker), strings.Contains(stdout, "__complete"))
		}
	}
	candidates := func(args ...string) []string {
		stdout, _, code := mcpkit(t, append([]string{"__complete"}, args...)...)
		if code != 0 {
			t.Fatalf("__complete %q: exit %d", args, code)
		}
		var names []string
		for _, line := range strings.Split(stdout, "\n") {
			if line == "" || strings.HasPrefix(line, ":") {
				continue
			}
			name, _, _ := strings.Cut(line, "\t")
			names = append(names, name)
		}
		return names
	}
	verbs := strings.Join(candidates(""), " ")
	for _, v := range []string{"completion", "config", "inspect", "login", "logout", "serve", "version", "authserver"} {
		if !strings.Contains(" "+verbs+" ", " "+v+" ") {
			t.Errorf("verb %s not completed: %s", v, verbs)
		}
	}
	if got := strings.Join(candidates("config", ""), " "); !strings.Contains(got, "ls") {
		t.Errorf("config completes %q", got)
	}
	if got := strings.Join(candidates("login", "--"), " "); !strings.Contains(got, "--redirect-url") || !strings.Contains(got, "--timeout") {
		t.Errorf("login flags complete %q", got)
	}
	for _, args := range [][]string{{"completion", "tcsh"}, {"completion", "bash", "extra"}} {
		if _, stderr, code := mcpkit(t, args...); code != exitUsage || !strings.Contains(stderr, "Usage:") {
			t.Errorf("%v: exit %d, stderr %s", args, code, stderr)
		}
	}
}
