package interop

import (
	"os"
	"strconv"
	"testing"
)

// inCI reports whether the tests run in CI: the environment variable CI is true (CI systems set CI=true).
func inCI() bool {
	ci, _ := strconv.ParseBool(os.Getenv("CI"))
	return ci
}

// missingPeer reports that a peer or service the test needs (Node, the npm peers, a private network
// namespace) is not there. On a developer's machine the test is skipped; in CI it fails, because CI must
// never pass silently without its peer tests.
func missingPeer(t testing.TB, format string, args ...any) {
	t.Helper()
	if inCI() {
		t.Fatalf(format+" (CI=true: a missing peer is a failure, not a skip)", args...)
		return
	}
	t.Skipf(format, args...)
}
