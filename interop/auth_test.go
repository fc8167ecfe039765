package interop

import (
	"context"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/internal/syncbuf"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/auth/authserver"
)

// Authorization interop: real OAuth clients against `mcpkit serve` protected as an OAuth 2.1 resource
// server (docs/AUTH.md "Interop"). The TypeScript SDK v2 client runs the whole flow headlessly against
// `mcpkit serve --dev-auth`; the Inspector CLI sends a bearer token got from the development authorization
// server (auth/authserver, in this process) to `mcpkit serve --auth-issuer`; mcp-remote (auth_mcpremote_test.go)
// runs its own flow.

// protectedDemo is a running `mcpkit serve` with authentication flags.
type protectedDemo struct {
	base string          // http://127.0.0.1:PORT
	log  *syncbuf.Buffer // its stderr
}

// freeLoopbackAddr returns a 127.0.0.1 address with a port free at the time of the call.
func freeLoopbackAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "127.0.0.1:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
}

// startProtectedDemo runs `mcpkit serve --addr addr args...` until the test ends (killed, and by the kernel
// if the test process dies) and waits until it listens.
func startProtectedDemo(t *testing.T, addr string, args ...string) *protectedDemo {
	t.Helper()
	bin := mcpkitBinary(t)
	d := &protectedDemo{base: "http://" + addr, log: &syncbuf.Buffer{}}
	cmd := exec.Command(bin, append([]string{"serve", "--addr", addr}, args...)...)
	cmd.Stderr = d.log
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("mcpkit serve said:\n%s", d.log.String())
		}
	})
	if !waitListening(addr, done) {
		t.Fatalf("mcpkit serve %v did not listen on %s:\n%s", args, addr, d.log.String())
	}
	return d
}

// devIssuer is the issuer `mcpkit serve --dev-auth` names in its start warning.
func (d *protectedDemo) devIssuer(t *testing.T) string {
	t.Helper()
	m := regexp.MustCompile(`authorization server at (http://127\.0\.0\.1:\d+) AUTO-APPROVES`).FindStringSubmatch(d.log.String())
	if m == nil {
		t.Fatalf("no auto-approve warning naming the authorization server:\n%s", d.log.String())
	}
	return m[1]
}

// tsAuthRun is what interop/node/authclient.mjs printed.
type tsAuthRun struct {
	OK               bool     `json:"ok"`
	Error            string   `json:"error"`
	FirstError       string   `json:"firstError"`
	ProtocolVersion  string   `json:"protocolVersion"`
	Tools            []string `json:"tools"`
	Add              string   `json:"add"`
	Registered       string   `json:"registered"`
	AuthorizationURL struct {
		Resource            string  `json:"resource"`
		CodeChallengeMethod string  `json:"codeChallengeMethod"`
		Scope               *string `json:"scope"`
	} `json:"authorizationUrl"`
	Callback struct {
		Iss     string `json:"iss"`
		HasCode bool   `json:"hasCode"`
	} `json:"callback"`
	Tokens struct {
		Type    string  `json:"type"`
		Scope   *string `json:"scope"`
		Refresh bool    `json:"refresh"`
	} `json:"tokens"`
}

// TestAuthTypeScriptClientOAuth: @modelcontextprotocol/client 2.4.0 with an OAuthClientProvider meets the
// 401 of the protected demo, discovers the development authorization server from the protected-resource
// metadata, registers itself (/register), asks for a code with PKCE S256, resource = the demo's /mcp and the
// scope of the challenge, takes the code headlessly (auto-approve), redeems it, and calls a tool — in a
// 2025-11-25 session and pinned to 2026-07-28. Two deployments: `mcpkit serve --dev-auth` (one command),
// and `mcpkit authserver --auto-approve` beside `mcpkit serve --auth-issuer`.
func TestAuthTypeScriptClientOAuth(t *testing.T) {
	node := peers(t)
	script, _ := filepath.Abs(filepath.Join("node", "authclient.mjs"))
	for _, deployment := range []string{"dev-auth", "authserver"} {
		t.Run(deployment, func(t *testing.T) {
			var d *protectedDemo
			var issuer string
			if deployment == "dev-auth" {
				d = startProtectedDemo(t, freeLoopbackAddr(t), "--dev-auth", "--auth-scope", "mcp:tools")
				issuer = d.devIssuer(t)
			} else {
				addr := freeLoopbackAddr(t)
				issuer = startAuthserverCommand(t, "--auto-approve", "--resource", "http://"+addr+"/mcp")
				d = startProtectedDemo(t, addr, "--auth-issuer", issuer, "--auth-scope", "mcp:tools")
			}
			for _, tt := range []struct{ mode, version string }{
				{"v2-legacy", "2025-11-25"},
				{"v2-modern", "2026-07-28"},
			} {
				t.Run(tt.mode, func(t *testing.T) { runAuthClient(t, node, script, d, issuer, tt.mode, tt.version) })
			}
		})
	}
}

// runAuthClient runs authclient.mjs against d in mode and checks what it saw.
func runAuthClient(t *testing.T, node, script string, d *protectedDemo, issuer, mode, version string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script, d.base+"/mcp", mode)
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, out, stderr.String())
	}
	var r tsAuthRun
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("output %q: %v", out, err)
	}
	if !r.OK {
		t.Fatalf("the TypeScript client failed: %s\n%s", r.Error, stderr.String())
	}
	t.Logf("%s: %s", mode, out)
	if r.FirstError != "UnauthorizedError" {
		t.Errorf("first connection ended with %q, want UnauthorizedError (the 401 started the flow)", r.FirstError)
	}
	if r.Registered == "" {
		t.Errorf("the client did not register with the authorization server")
	}
	if r.AuthorizationURL.Resource != d.base+"/mcp" || r.AuthorizationURL.CodeChallengeMethod != "S256" {
		t.Errorf("authorization request: resource %q, code_challenge_method %q; want %q, S256",
			r.AuthorizationURL.Resource, r.AuthorizationURL.CodeChallengeMethod, d.base+"/mcp")
	}
	if r.AuthorizationURL.Scope == nil || !strings.Contains(" "+*r.AuthorizationURL.Scope+" ", " mcp:tools ") {
		t.Errorf("authorization request scope %v, want it to name mcp:tools (from the 401 challenge)", deref(r.AuthorizationURL.Scope))
	}
	if r.Callback.Iss != issuer || !r.Callback.HasCode {
		t.Errorf("callback iss %q (want %q), code %v", r.Callback.Iss, issuer, r.Callback.HasCode)
	}
	if !strings.EqualFold(r.Tokens.Type, "bearer") {
		t.Errorf("token type %q", r.Tokens.Type)
	}
	if r.ProtocolVersion != version || r.Add != "15" || len(r.Tools) == 0 {
		t.Errorf("after authorization: protocol %q (want %s), add = %q, %d tools", r.ProtocolVersion, version, r.Add, len(r.Tools))
	}
}

// startAuthserverCommand runs `mcpkit authserver --addr 127.0.0.1:PORT args...` until the test ends and
// returns the issuer it printed.
func startAuthserverCommand(t *testing.T, args ...string) string {
	t.Helper()
	addr := freeLoopbackAddr(t)
	cmd := exec.Command(mcpkitBinary(t), append([]string{"authserver", "--addr", addr}, args...)...)
	stdout, stderr := &syncbuf.Buffer{}, &syncbuf.Buffer{}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	dieWithParent(cmd)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
		if t.Failed() {
			t.Logf("mcpkit authserver said:\n%s%s", stdout.String(), stderr.String())
		}
	})
	if !waitListening(addr, done) {
		t.Fatalf("mcpkit authserver did not listen on %s:\n%s", addr, stderr.String())
	}
	// It prints the issuer just after it starts listening: wait for the line.
	want := "issuer: http://" + addr
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(stdout.String(), want); {
		if time.Now().After(deadline) {
			t.Fatalf("mcpkit authserver printed %q, want %q", stdout.String(), want)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return "http://" + addr
}

// startIssuerAndDemo starts the development authorization server in this process (auto-approve, tokens for
// the demo's resource only) and `mcpkit serve --auth-issuer` trusting it, and returns both.
func startIssuerAndDemo(t *testing.T, scopes ...string) (*authserver.Server, *protectedDemo) {
	t.Helper()
	addr := freeLoopbackAddr(t)
	resource := "http://" + addr + "/mcp"
	as, err := authserver.Listen("127.0.0.1:0", authserver.Options{AutoApprove: true, Resources: []string{resource}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = as.Close() })
	args := []string{"--auth-issuer", as.Issuer()}
	for _, s := range scopes {
		args = append(args, "--auth-scope", s)
	}
	return as, startProtectedDemo(t, addr, args...)
}

// TestAuthInspectorCLI: @modelcontextprotocol/inspector 2.12.0 --cli with --header "Authorization: Bearer
// <token>" lists the tools of `mcpkit serve --auth-issuer` and calls one, over Streamable HTTP and HTTP+SSE;
// without the header, and with a tampered token, it exits with its auth exit code (3).
func TestAuthInspectorCLI(t *testing.T) {
	peers(t)
	bin := filepath.Join(os.Getenv("MCPKIT_PEERS"), "node_modules", ".bin", "mcp-inspector")
	as, d := startIssuerAndDemo(t, "mcp:tools")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	tok, err := as.Token(ctx, authserver.TokenRequest{Resource: d.base + "/mcp", Scopes: []string{"mcp:tools"}})
	if err != nil {
		t.Fatal(err)
	}
	inspector := func(t *testing.T, args ...string) (string, int) {
		t.Helper()
		cmd := exec.CommandContext(ctx, bin, append([]string{"--cli"}, args...)...)
		cmd.Env = append(os.Environ(), "HOME="+t.TempDir()) // it writes state under HOME
		out, err := cmd.CombinedOutput()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("inspector: %v\n%s", err, out)
		}
		return string(out), code
	}
	bearer := "Authorization: Bearer " + tok.AccessToken
	for _, path := range []string{"/mcp", "/sse"} {
		t.Run(path+"/tools-list", func(t *testing.T) {
			out, code := inspector(t, d.base+path, "--header", bearer, "--method", "tools/list")
			var res struct {
				Tools []struct {
					Name string `json:"name"`
				} `json:"tools"`
			}
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if err := json.Unmarshal([]byte(out[strings.IndexByte(out, '{'):]), &res); err != nil || len(res.Tools) == 0 {
				t.Fatalf("inspector printed %s (%v)", out, err)
			}
		})
		t.Run(path+"/tools-call", func(t *testing.T) {
			out, code := inspector(t, d.base+path, "--header", bearer, "--method", "tools/call", "--tool-name", "add",
				"--tool-arg", "a=5", "b=10")
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			var res struct {
				Content []struct {
					Text string `json:"text"`
				} `json:"content"`
			}
			if err := json.Unmarshal([]byte(out[strings.IndexByte(out, '{'):]), &res); err != nil || len(res.Content) == 0 || res.Content[0].Text != "15" {
				t.Fatalf("inspector printed %s (%v)", out, err)
			}
		})
	}
	t.Run("no-token", func(t *testing.T) {
		out, code := inspector(t, d.base+"/mcp", "--method", "tools/list")
		if code != 3 {
			t.Fatalf("exit %d, want 3 (auth):\n%s", code, out)
		}
	})
	t.Run("wrong-token", func(t *testing.T) {
		out, code := inspector(t, d.base+"/mcp", "--header", "Authorization: Bearer "+tok.AccessToken+"x", "--method", "tools/list")
		if code != 3 {
			t.Fatalf("exit %d, want 3 (auth):\n%s", code, out)
		}
	})
}
