package badinput

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain checks that no goroutine outlives the corpus: every connection, stream and handler it started
// has ended.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
