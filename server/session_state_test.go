package server

import (
	"reflect"
	"testing"

	"github.com/go-json-experiment/json"

	"github.com/mcpkit/mcpkit/mcp"
)

func TestSessionStateRoundTrip(t *testing.T) {
	s := New("t", "1", nil)
	a := s.openSession("sess-1", nil)
	defer a.Close()
	a.initialized, a.version, a.level = true, mcp.Version20250618, mcp.LevelWarning
	a.clientInfo = &mcp.Implementation{Name: "c", Version: "2"}
	a.clientCaps = &mcp.ClientCapabilities{Roots: &mcp.RootsCapability{ListChanged: true}}
	a.subs = map[string]struct{}{"b://2": {}, "a://1": {}}

	st, err := a.snapshot()
	if err != nil {
		t.Fatal(err)
	}
	// Through JSON, as a store on another node would keep it.
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var decoded = st.Clone()
	*decoded = *st
	if err := json.Unmarshal(raw, decoded); err != nil {
		t.Fatal(err)
	}
	b := s.openSession("", nil)
	defer b.Close()
	if err := b.restore(decoded); err != nil {
		t.Fatal(err)
	}
	if b.id != "sess-1" || !b.initialized || b.version != mcp.Version20250618 || b.level != mcp.LevelWarning ||
		b.clientInfo.Name != "c" || !b.clientCaps.SupportsRoots() || !reflect.DeepEqual(b.subs, a.subs) {
		t.Errorf("restored session differs: %+v", b)
	}
}
