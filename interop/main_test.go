package interop

import (
	"os"
	"path/filepath"
	"testing"
)

// TestMain removes the mcpkit binary mcpkitBinary built (a temp folder per test binary) when the tests end.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}
