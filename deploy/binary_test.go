package deploy

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// repoRoot is the repository's root: the parent of this module.
func repoRoot(t testing.TB) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// buildContext copies the files git tracks under root into dir, leaving out what .dockerignore names (plain
// top-level paths only: a pattern with a wildcard fails the test, as this copy would not honour it), so a
// build in dir sees what the Dockerfile's build stage sees.
func buildContext(t testing.TB, root, dir string) {
	t.Helper()
	ignored := dockerignore(t, root)
	out, err := exec.Command("git", "-C", root, "ls-files", "-z").Output()
	if err != nil {
		t.Fatalf("git ls-files: %v", err)
	}
	n := 0
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		top, _, _ := strings.Cut(name, "/")
		if ignored[top] {
			continue
		}
		data, err := os.ReadFile(filepath.Join(root, name))
		if os.IsNotExist(err) {
			continue // deleted in the work tree, not yet in the index
		}
		if err != nil {
			t.Fatal(err)
		}
		info, err := os.Stat(filepath.Join(root, name))
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, info.Mode().Perm()); err != nil {
			t.Fatal(err)
		}
		n++
	}
	t.Logf("build context: %d files (%d top-level paths ignored)", n, len(ignored))
}

// dockerignore reads root/.dockerignore: the set of top-level paths it leaves out.
func dockerignore(t testing.TB, root string) map[string]bool {
	t.Helper()
	f, err := os.Open(filepath.Join(root, ".dockerignore"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if strings.ContainsAny(line, "*?[!/") {
			t.Fatalf(".dockerignore: %q is not a plain top-level path; buildContext cannot honour it", line)
		}
		m[line] = true
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return m
}

// staticBinary builds mcpkit with deploy/build-static.sh, the Dockerfile's own build command, from the
// build context the Dockerfile sees, once per test binary run.
func staticBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "mcpkit-deploy-")
		if err != nil {
			binErr = err
			return
		}
		binDir = dir
		ctx := filepath.Join(dir, "context")
		buildContext(t, repoRoot(t), ctx)
		cmd := exec.Command("sh", "deploy/build-static.sh", filepath.Join(dir, "mcpkit"))
		cmd.Dir = ctx
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = fmt.Errorf("deploy/build-static.sh in the build context: %v\n%s", err, out)
			return
		}
		binPath = filepath.Join(dir, "mcpkit")
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

// freeAddr returns a loopback address with a port free at the moment.
func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// waitGet polls url until it answers, for at most 20 s, and returns the status of the first answer.
func waitGet(t testing.TB, url string, exited <-chan struct{}) int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
			return resp.StatusCode
		}
		select {
		case <-exited:
			t.Fatalf("the server exited before answering %s", url)
		case <-ctx.Done():
			t.Fatalf("%s did not answer within 20 s: %v", url, err)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// get returns the status of one GET of url.
func get(t testing.TB, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// needTool returns the path of the command name, skipping the test when it is missing, or failing it when
// CI=true (CI installs every tool the tests need: a missing one is a broken image, never a skip).
func needTool(t testing.TB, name string, alt ...string) string {
	t.Helper()
	for _, n := range append([]string{name}, alt...) {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
		if filepath.IsAbs(n) {
			if _, err := os.Stat(n); err == nil {
				return n
			}
		}
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI=true: .ci/run installs it)", name)
	}
	t.Skipf("%s is not installed", name)
	return ""
}
