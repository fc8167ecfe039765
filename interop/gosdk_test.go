package interop

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
)

// go-sdk's everything-server (examples/server/everything of github.com/modelcontextprotocol/go-sdk) is
// built from the bench/ module, which requires go-sdk, so the main module's go.mod stays free of it.
const goSDKModule = "github.com/modelcontextprotocol/go-sdk"

var (
	goSDKOnce sync.Once
	goSDKBin  string
	goSDKErr  error
)

// goSDKEverything returns the path of go-sdk's everything-server binary (stdio, or Streamable HTTP with
// -http ADDR), built once per test binary. It is kept under the peers' cache (MCPKIT_CACHE, else the
// repository's .cache) by go-sdk version and Go version, so a later run reuses it; without a cache folder
// it is built into a temporary one. A failed build skips the test, and fails it with CI=true.
func goSDKEverything(t *testing.T) string {
	t.Helper()
	goSDKOnce.Do(func() { goSDKBin, goSDKErr = buildGoSDKEverything() })
	if goSDKErr != nil {
		missingPeer(t, "go-sdk's everything-server: %v", goSDKErr)
	}
	return goSDKBin
}

func buildGoSDKEverything() (string, error) {
	bench, err := filepath.Abs(filepath.Join("..", "bench"))
	if err != nil {
		return "", err
	}
	version, err := requiredVersion(filepath.Join(bench, "go.mod"), goSDKModule)
	if err != nil {
		return "", err
	}
	cache := os.Getenv("MCPKIT_CACHE")
	if cache == "" {
		cache = filepath.Join("..", ".cache")
	}
	dir := filepath.Join(cache, "gosdk")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		if dir, err = os.MkdirTemp("", "gosdk-everything"); err != nil {
			return "", err
		}
	}
	bin, err := filepath.Abs(filepath.Join(dir, "everything-"+version+"-"+runtime.Version()))
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(bin); err == nil && fi.Mode().IsRegular() {
		return bin, nil
	}
	// Build beside the target and rename, so that a concurrent run never sees half a binary.
	tmp := fmt.Sprintf("%s.%d.tmp", bin, os.Getpid())
	cmd := exec.Command("go", "build", "-o", tmp, goSDKModule+"/examples/server/everything")
	cmd.Dir = bench
	if out, err := cmd.CombinedOutput(); err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("go build %s/examples/server/everything in bench/: %v\n%s", goSDKModule, err, out)
	}
	return bin, os.Rename(tmp, bin)
}

// requiredVersion returns the version of module that the go.mod at path requires.
func requiredVersion(path, module string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(strings.TrimPrefix(strings.TrimSpace(sc.Text()), "require "))
		if len(fields) >= 2 && fields[0] == module {
			return fields[1], nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("%s does not require %s", path, module)
}
