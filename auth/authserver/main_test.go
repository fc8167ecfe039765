package authserver

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no test leaves a goroutine behind (servers closed, client connections idle-closed).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
