package gateway

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"
)

// TestWarnedBounded: an upstream that keeps listing new tools whose names cannot be offered (a hostile or
// broken one) does not make the namespace's set of warned-about names grow without end, and the log
// says once that the rest are not logged. Before, every new name was kept for the life of the
// configuration (10,000 names: 10,000 entries).
func TestWarnedBounded(t *testing.T) {
	var buf bytes.Buffer
	n := &namespace{name: "x", sep: "__", log: slog.New(slog.NewTextHandler(&buf, nil))}
	for i := range 10000 {
		if d := n.tool(fmt.Sprintf("bad name %d", i)); d != "" {
			t.Fatalf("an invalid name was offered as %q", d)
		}
		n.tool(fmt.Sprintf("bad name %d", i)) // a name seen again is not logged again
	}
	if len(n.warned) > maxWarned {
		t.Errorf("warned set holds %d names; want at most %d", len(n.warned), maxWarned)
	}
	if got := strings.Count(buf.String(), "is not offered"); got != maxWarned {
		t.Errorf("%d warnings; want %d", got, maxWarned)
	}
	if got := strings.Count(buf.String(), "are not logged"); got != 1 {
		t.Errorf("%d 'not logged' notes; want 1", got)
	}
}
