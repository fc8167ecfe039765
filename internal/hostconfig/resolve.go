package hostconfig

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Prompter asks the user for the value of an input. mcpkit's terminal implements it.
type Prompter interface {
	// Prompt returns the value of in: free text for a promptString (not echoed when in.Password), one of
	// in.Options for a pickString. An empty answer means in.Default.
	Prompt(ctx context.Context, in Input) (string, error)
}

// ResolveOptions says how to substitute variables. The zero value reads the process environment and
// has no Prompter (a server that uses an input then fails to resolve).
type ResolveOptions struct {
	// Prompter answers ${input:ID}; each input is asked once per Resolve.
	Prompter Prompter
	// LookupEnv reads an environment variable; nil is os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// Home is ${userHome}; empty is the user's home directory.
	Home string
}

// Resolve returns server name of f with its variables substituted in command, args, env, envFile, cwd,
// url and headers, and the envFile's variables added to Env (Env wins):
//
//	${env:VAR}          the environment variable (empty when unset, as VS Code and Cursor do)
//	${VAR}              the environment variable; unset is an error (Claude Code)
//	${VAR:-default}     the environment variable, or default when unset or empty (Claude Code)
//	${input:ID}         the answer to input ID, asked through the Prompter (VS Code)
//	${workspaceFolder}  File.WorkspaceFolder; ${workspaceFolderBasename} its last element
//	${userHome}         the home directory; ${pathSeparator} and ${/} the OS's path separator
//
// Any other ${…} is an error naming the file, server and field.
func (f *File) Resolve(ctx context.Context, name string, opts ResolveOptions) (*Server, error) {
	orig, ok := f.Server(name)
	if !ok {
		return nil, fmt.Errorf("%s: no server %q; it has: %s", f.Path, name, strings.Join(f.Names(), ", "))
	}
	r := &resolver{ctx: ctx, f: f, opts: opts, answers: map[string]string{}}
	if r.opts.LookupEnv == nil {
		r.opts.LookupEnv = os.LookupEnv
	}
	if r.opts.Home == "" {
		r.opts.Home, _ = os.UserHomeDir()
	}
	s := *orig
	var err error
	field := func(what string, v *string) {
		if err == nil {
			if *v, err = r.expand(*v); err != nil {
				err = fmt.Errorf("%s: server %q: %s: %w", f.Path, name, what, err)
			}
		}
	}
	field("command", &s.Command)
	field("cwd", &s.Cwd)
	field("url", &s.URL)
	field("envFile", &s.EnvFile)
	s.Args = slices.Clone(s.Args)
	for i := range s.Args {
		field(fmt.Sprintf("args[%d]", i), &s.Args[i])
	}
	s.Env, s.Headers = maps.Clone(s.Env), maps.Clone(s.Headers)
	for _, k := range slices.Sorted(maps.Keys(s.Env)) {
		v := s.Env[k]
		field("env."+k, &v)
		s.Env[k] = v
	}
	for _, k := range slices.Sorted(maps.Keys(s.Headers)) {
		v := s.Headers[k]
		field("headers."+k, &v)
		s.Headers[k] = v
	}
	if err != nil {
		return nil, err
	}
	if s.EnvFile != "" {
		fromFile, err := readEnvFile(s.EnvFile)
		if err != nil {
			return nil, fmt.Errorf("%s: server %q: envFile: %w", f.Path, name, err)
		}
		maps.Copy(fromFile, s.Env)
		s.Env = fromFile
	}
	return &s, nil
}

// resolver substitutes the variables of one server.
type resolver struct {
	ctx     context.Context
	f       *File
	opts    ResolveOptions
	answers map[string]string
}

func (r *resolver) expand(s string) (string, error) {
	var b strings.Builder
	for {
		i := strings.Index(s, "${")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return "", fmt.Errorf("unterminated ${ in %q", s)
		}
		b.WriteString(s[:i])
		v, err := r.variable(s[i+2 : i+j])
		if err != nil {
			return "", err
		}
		b.WriteString(v)
		s = s[i+j+1:]
	}
}

func (r *resolver) variable(name string) (string, error) {
	switch name {
	case "workspaceFolder":
		return r.f.WorkspaceFolder, nil
	case "workspaceFolderBasename":
		return filepath.Base(r.f.WorkspaceFolder), nil
	case "userHome":
		return r.opts.Home, nil
	case "pathSeparator", "/":
		return string(os.PathSeparator), nil
	}
	if v, ok := strings.CutPrefix(name, "env:"); ok {
		val, _ := r.opts.LookupEnv(v)
		return val, nil
	}
	if id, ok := strings.CutPrefix(name, "input:"); ok {
		return r.input(id)
	}
	v, def, hasDef := strings.Cut(name, ":-")
	if !isEnvName(v) {
		return "", fmt.Errorf("unsupported variable ${%s}", name)
	}
	val, ok := r.opts.LookupEnv(v)
	switch {
	case hasDef && val == "":
		return def, nil
	case !ok:
		return "", fmt.Errorf("${%s}: environment variable %s is not set", name, v)
	}
	return val, nil
}

func isEnvName(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for _, c := range []byte(s) {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// input answers ${input:id}: asked once, then remembered.
func (r *resolver) input(id string) (string, error) {
	if v, ok := r.answers[id]; ok {
		return v, nil
	}
	i := slices.IndexFunc(r.f.Inputs, func(in Input) bool { return in.ID == id })
	if i < 0 {
		return "", fmt.Errorf("${input:%s}: the file defines no input %q", id, id)
	}
	in := r.f.Inputs[i]
	if in.Type == "command" {
		return "", fmt.Errorf("${input:%s}: input type \"command\" runs a VS Code command, which mcpkit cannot", id)
	}
	if r.opts.Prompter == nil {
		return "", fmt.Errorf("${input:%s}: the value must be typed in, and there is no terminal to ask", id)
	}
	v, err := r.opts.Prompter.Prompt(r.ctx, in)
	if err != nil {
		return "", fmt.Errorf("${input:%s}: %w", id, err)
	}
	if v == "" {
		v = in.Default
	}
	if in.Type == "pickString" && !slices.Contains(in.Options, v) {
		return "", fmt.Errorf("${input:%s}: %q is not one of %s", id, v, strings.Join(in.Options, ", "))
	}
	r.answers[id] = v
	return v, nil
}

// readEnvFile reads KEY=VALUE lines; blank lines and lines starting with # are skipped, "export " is
// allowed before KEY, and a value wrapped in matching single or double quotes loses them.
func readEnvFile(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		k = strings.TrimSpace(k)
		if !ok || !isEnvName(k) {
			return nil, fmt.Errorf("%s:%d: want KEY=VALUE", path, n)
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		env[k] = v
	}
	return env, sc.Err()
}
