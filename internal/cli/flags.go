package cli

import (
	"net/http"
	"strings"

	"github.com/spf13/pflag"
)

// TargetFlag is one of the flags that say how to reach a target, shared by inspect and the short verbs
// (ls, call, read, prompt, listen, ping), so that each is defined, spelled and checked in one place.
type TargetFlag struct {
	// Name is the long name without dashes; Shorthand the one-letter name, if any.
	Name, Shorthand string
	// Arg names the value in help texts.
	Arg string
	// Usage is the help text.
	Usage string
	// Set applies one value to t (repeatable flags add to what is there).
	Set func(t *Target, v string) error
}

// TargetFlags are the flags every client verb takes to reach its target.
var TargetFlags = []TargetFlag{
	{Name: "transport", Arg: "sse|http|stdio", Usage: "override the transport detected from the target",
		Set: func(t *Target, v string) error { t.Transport = v; return nil }},
	{Name: "header", Arg: "\"K: V\"", Usage: "an HTTP header sent with every request (repeatable)",
		Set: func(t *Target, v string) error {
			k, hv, ok := strings.Cut(v, ":")
			if !ok || strings.TrimSpace(k) == "" {
				return Usage("--header wants \"Name: value\", got %q", v)
			}
			if t.Header == nil {
				t.Header = http.Header{}
			}
			t.Header.Add(strings.TrimSpace(k), strings.TrimSpace(hv))
			return nil
		}},
	{Name: "env", Shorthand: "e", Arg: "KEY=VALUE", Usage: "an environment variable of the command (repeatable)",
		Set: func(t *Target, v string) error {
			if _, _, err := SplitKV("-e", v); err != nil {
				return err
			}
			t.Env = append(t.Env, v)
			return nil
		}},
	{Name: "cwd", Arg: "DIR", Usage: "the command's working directory",
		Set: func(t *Target, v string) error { t.Dir = v; return nil }},
	{Name: "protocol-era", Arg: "legacy|auto|modern", Usage: "pin 2025-11-25, negotiate (the default), or pin 2026-07-28",
		Set: func(t *Target, v string) error {
			if _, err := ProtocolVersion(v); err != nil {
				return err
			}
			t.Era = v
			return nil
		}},
}

// LookupTargetFlag finds the target flag a command-line word names ("--header", "-e"), for commands that
// parse their own line; nil when it names none.
func LookupTargetFlag(word string) *TargetFlag {
	for i := range TargetFlags {
		f := &TargetFlags[i]
		if word == "--"+f.Name || f.Shorthand != "" && word == "-"+f.Shorthand {
			return f
		}
	}
	return nil
}

// AddTargetFlags defines TargetFlags on fs, applying their values to t.
func AddTargetFlags(fs *pflag.FlagSet, t *Target) {
	for i := range TargetFlags {
		f := &TargetFlags[i]
		fs.VarP(&targetValue{f: f, t: t}, f.Name, f.Shorthand, f.Usage)
	}
}

// targetValue is a pflag.Value that applies a TargetFlag to its target.
type targetValue struct {
	f    *TargetFlag
	t    *Target
	last string
}

func (v *targetValue) String() string { return v.last }

func (v *targetValue) Set(s string) error {
	if err := v.f.Set(v.t, s); err != nil {
		return err
	}
	v.last = s
	return nil
}

func (v *targetValue) Type() string { return v.f.Arg }
