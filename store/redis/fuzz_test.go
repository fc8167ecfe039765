package redis

import (
	"cmp"
	"strings"
	"testing"
	"time"

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

// FuzzTaskMember: an index member is a valid cursor, and members order like (CreatedAt, id) — what
// ListTasks' ZRANGEBYLEX paging relies on — for any ids and any times from 1970 on.
func FuzzTaskMember(f *testing.F) {
	f.Add(int64(1764600000000000000), "a", int64(1764600000000000000), "b")
	f.Add(int64(9), "z", int64(10), "a")
	f.Add(int64(0), "", int64(0), "\x00")
	f.Fuzz(func(t *testing.T, ns1 int64, id1 string, ns2 int64, id2 string) {
		if ns1 < 0 || ns2 < 0 || id1 == "" || id2 == "" {
			return
		}
		m1 := member(&store.TaskRecord{ID: id1, CreatedAt: time.Unix(0, ns1)})
		m2 := member(&store.TaskRecord{ID: id2, CreatedAt: time.Unix(0, ns2)})
		if !validCursor(m1) || m1[memberLen:] != id1 {
			t.Fatalf("member %q of (%d, %q) is not a cursor naming its id", m1, ns1, id1)
		}
		want := cmp.Or(cmp.Compare(ns1, ns2), strings.Compare(id1, id2))
		if got := strings.Compare(m1, m2); got != want {
			t.Fatalf("members %q and %q compare %d, (%d, %q) and (%d, %q) %d", m1, m2, got, ns1, id1, ns2, id2, want)
		}
	})
}
