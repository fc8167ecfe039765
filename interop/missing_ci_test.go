package interop

import (
	"strings"
	"testing"
)

// outcomeTB records whether missingPeer skipped or failed, without ending the calling test.
type outcomeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

func (o *outcomeTB) Helper() {}

func (o *outcomeTB) Skipf(format string, args ...any) { o.skipped, o.msg = true, format }

func (o *outcomeTB) Fatalf(format string, args ...any) { o.failed, o.msg = true, format }

func TestMissingPeerFailsInCI(t *testing.T) {
	for _, tc := range []struct {
		ci         string
		wantFailed bool
	}{
		{"", false},
		{"false", false},
		{"0", false},
		{"true", true},
		{"1", true},
		{"TRUE", true},
	} {
		t.Run("CI="+tc.ci, func(t *testing.T) {
			t.Setenv("CI", tc.ci)
			o := &outcomeTB{TB: t}
			missingPeer(o, "peers not installed")
			if o.failed != tc.wantFailed || o.skipped == tc.wantFailed {
				t.Fatalf("CI=%q: failed=%v skipped=%v, want failed=%v", tc.ci, o.failed, o.skipped, tc.wantFailed)
			}
			if tc.wantFailed && !strings.Contains(o.msg, "CI=true") {
				t.Errorf("the failure does not say why: %q", o.msg)
			}
		})
	}
}
