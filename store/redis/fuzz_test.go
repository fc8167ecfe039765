package redis

import (
	"testing"

	"github.com/mcpkit/mcpkit/store"
)

// FuzzParseEntryID: an entry id read back from Redis parses only when it is exactly what entryID writes,
// and the event id made from it parses (store.ParseEventID) to the same stream and sequence number.
func FuzzParseEntryID(f *testing.F) {
	for _, s := range []string{"1-0", "0-0", "1764600000000001-0", "18446744073709551615-0", "18446744073709551616-0",
		"01-0", "+1-0", "1-1", "-0", "1", "", "1-0-0", " 1-0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		seq, err := parseEntryID(id)
		if err != nil {
			return
		}
		if back := entryID(seq); back != id {
			t.Fatalf("parseEntryID(%q) = %d, written back as %q", id, seq, back)
		}
		stream, got, err := store.ParseEventID(store.EventID("get", seq))
		if err != nil || stream != "get" || got != seq {
			t.Fatalf("event id of %d: %q %d %v", seq, stream, got, err)
		}
	})
}
