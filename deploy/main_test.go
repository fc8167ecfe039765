package deploy

import (
	"os"
	"sync"
	"testing"
)

var (
	binOnce sync.Once
	binPath string
	binDir  string
	binErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
