package deploy

import (
	"bytes"
	"debug/elf"
	"encoding/json"
	"io/fs"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestImage builds the Dockerfile's final stage with buildah, from the binary deploy/build-static.sh makes
// (the Dockerfile's build stage needs a Go toolchain image this machine cannot pull: a stand-in stage puts
// the same files where the final stage copies them from), then checks the image — exactly two files, a
// static binary, a non-root numeric user, the entrypoint — and runs it: /healthz and an initialize answer.
func TestImage(t *testing.T) {
	buildah := needTool(t, "buildah")
	if os.Geteuid() != 0 {
		t.Skip("buildah without root needs subuid ranges this test does not set up")
	}
	bin := staticBinary(t)
	checkStatic(t, bin)

	dir := t.TempDir()
	ctxDir := filepath.Join(dir, "context")
	dockerfile := standInBuild(t, ctxDir, bin)
	b := func(args ...string) []byte {
		t.Helper()
		full := append([]string{"--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"), "--storage-driver", "vfs"}, args...)
		var stderr bytes.Buffer
		cmd := exec.Command(buildah, full...)
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("buildah %s: %v\n%s", strings.Join(args, " "), err, stderr.Bytes())
		}
		return out
	}
	const image = "localhost/mcpkit-deploy-test:latest"
	b("bud", "--isolation", "chroot", "--pull-never", "-t", image, "-f", dockerfile, ctxDir)
	t.Cleanup(func() { b("rmi", "--all", "--force") })

	var info struct {
		OCIv1 struct {
			Config struct {
				User         string              `json:"User"`
				Entrypoint   []string            `json:"Entrypoint"`
				Cmd          []string            `json:"Cmd"`
				ExposedPorts map[string]struct{} `json:"ExposedPorts"`
			} `json:"config"`
		} `json:"OCIv1"`
	}
	if err := json.Unmarshal(b("inspect", "--type", "image", image), &info); err != nil {
		t.Fatal(err)
	}
	cfg := info.OCIv1.Config
	if cfg.User != "65532:65532" {
		t.Errorf("image user %q, want 65532:65532 (numeric, non-root)", cfg.User)
	}
	if !slices.Equal(cfg.Entrypoint, []string{"/mcpkit"}) {
		t.Errorf("entrypoint %q, want [/mcpkit]", cfg.Entrypoint)
	}
	if len(cfg.Cmd) == 0 || cfg.Cmd[0] != "serve" {
		t.Errorf("cmd %q, want serve …", cfg.Cmd)
	}
	if _, ok := cfg.ExposedPorts["8080/tcp"]; !ok {
		t.Errorf("exposed ports %v, want 8080/tcp", cfg.ExposedPorts)
	}

	ctr := strings.TrimSpace(string(b("from", "--pull-never", image)))
	t.Cleanup(func() { b("rm", ctr) })
	root := strings.TrimSpace(string(b("mount", ctr)))
	var files []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		if !d.IsDir() {
			rel, _ := filepath.Rel(root, p)
			files = append(files, "/"+rel)
		}
		return nil
	})
	b("umount", ctr)
	slices.Sort(files)
	if want := []string{"/etc/ssl/certs/ca-certificates.crt", "/mcpkit"}; !slices.Equal(files, want) {
		t.Errorf("the image holds %q, want exactly %q (scratch: no shell, no libc)", files, want)
	}

	// Run it: the image's user, the host's network (chroot isolation), a loopback port.
	addr := freeAddr(t)
	var stderr bytes.Buffer
	cmd := exec.Command(buildah, "--root", filepath.Join(dir, "storage"), "--runroot", filepath.Join(dir, "run"),
		"--storage-driver", "vfs", "run", "--isolation", "chroot", ctr, "--", "/mcpkit", "serve", "--addr", addr)
	cmd.Stderr = &stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-exited
		}
		if t.Failed() {
			t.Logf("buildah run stderr:\n%s", stderr.String())
		}
	}()
	if code := waitGet(t, "http://"+addr+"/healthz", exited); code != 200 {
		t.Errorf("GET /healthz: %d, want 200", code)
	}
	if uid := uidOf(t, addr); uid != "65532" {
		t.Errorf("the server in the image runs as uid %s, want 65532", uid)
	}
	req, _ := http.NewRequest(http.MethodPost, "http://"+addr+"/mcp", strings.NewReader(
		`{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json, text/event-stream")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body bytes.Buffer
	body.ReadFrom(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(body.String(), `"protocolVersion":"2025-11-25"`) {
		t.Errorf("initialize in the image: %d %s", resp.StatusCode, body.String())
	}
}

// standInBuild writes into dir a Dockerfile made of a stand-in build stage (FROM scratch, holding the
// files the final stage copies from the build stage) and the repository Dockerfile's final stage as it is,
// and returns its path. A COPY --from=build of a file the stand-in does not know fails the test.
func standInBuild(t *testing.T, dir, bin string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	froms := regexp.MustCompile(`(?m)^FROM\s`).FindAllIndex(data, -1)
	if len(froms) < 2 {
		t.Fatalf("the Dockerfile has %d stages, want a build stage and a final stage", len(froms))
	}
	final := string(data[froms[len(froms)-1][0]:])
	if !strings.HasPrefix(final, "FROM scratch") {
		t.Errorf("the final stage starts %q, want FROM scratch", strings.SplitN(final, "\n", 2)[0])
	}
	certs := "/etc/ssl/certs/ca-certificates.crt"
	known := map[string]string{"/out/mcpkit": bin, certs: certs}
	for _, m := range regexp.MustCompile(`(?m)^COPY\s+--from=build\s+(\S+)\s+(\S+)`).FindAllStringSubmatch(final, -1) {
		src, ok := known[m[1]]
		if !ok {
			t.Fatalf("the final stage copies %s from the build stage; the stand-in does not know it", m[1])
		}
		data, err := os.ReadFile(src)
		if os.IsNotExist(err) && src == certs {
			data, err = []byte("# stand-in: the host has no CA bundle\n"), nil
		}
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, "stage", m[1])
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	path := filepath.Join(dir, "Dockerfile.test")
	if err := os.WriteFile(path, []byte("FROM scratch AS build\nCOPY stage/ /\n\n"+final), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkStatic fails unless bin is an ELF executable with no interpreter and no shared libraries: it runs
// in an image without libc.
func checkStatic(t *testing.T, bin string) {
	t.Helper()
	f, err := elf.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			t.Errorf("%s has a program interpreter: not static", bin)
		}
	}
	if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
		t.Errorf("%s needs shared libraries %v: not static", bin, libs)
	}
}

// uidOf returns the real uid of the process whose command line names addr (the server in the image).
func uidOf(t *testing.T, addr string) string {
	t.Helper()
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		cmdline, err := os.ReadFile(p)
		if err != nil || !bytes.HasPrefix(cmdline, []byte("/mcpkit\x00")) || !bytes.Contains(cmdline, []byte(addr)) {
			continue
		}
		status, err := os.ReadFile(filepath.Join(filepath.Dir(p), "status"))
		if err != nil {
			continue
		}
		if m := regexp.MustCompile(`(?m)^Uid:\s+(\d+)`).FindSubmatch(status); m != nil {
			return string(m[1])
		}
	}
	t.Fatalf("no process runs /mcpkit with %s", addr)
	return ""
}
