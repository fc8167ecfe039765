package httpx

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/iotest"
)

func readAll(t *testing.T, in string) []Event {
	t.Helper()
	r := NewSSEReader(strings.NewReader(in), 0)
	var out []Event
	for {
		ev, err := r.Next()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
}

func TestSSEReaderFields(t *testing.T) {
	evs := readAll(t, ": keep-alive\n\nid: 1\nretry: 500\ndata:\n\nevent: endpoint\r\ndata: /messages?x=1\r\n\r\nid: 2\rdata: a\rdata:  b\r\rdata: tail-without-blank-line\n")
	if len(evs) != 3 {
		t.Fatalf("got %d events, want 3: %+v", len(evs), evs)
	}
	if e := evs[0]; e.ID != "1" || !e.HasID || e.RetryMs != 500 || len(e.Data) != 0 || e.Name != "" {
		t.Errorf("priming event = %+v", e)
	}
	if e := evs[1]; e.Name != "endpoint" || string(e.Data) != "/messages?x=1" || e.ID != "1" || e.HasID || e.RetryMs != -1 {
		t.Errorf("endpoint event = %+v", e)
	}
	if e := evs[2]; e.ID != "2" || string(e.Data) != "a\n b" {
		t.Errorf("multi-line event = %+v (data %q)", e, e.Data)
	}
}

func TestSSEReaderRejectsBadRetryAndNULIDs(t *testing.T) {
	evs := readAll(t, "id: 7\n\nretry: 12x\nid: a\x00b\ndata: x\n\n")
	if len(evs) != 2 || evs[1].RetryMs != -1 || evs[1].ID != "7" || evs[1].HasID {
		t.Fatalf("events = %+v", evs)
	}
}

func TestSSEReaderLimit(t *testing.T) {
	r := NewSSEReader(strings.NewReader("data: "+strings.Repeat("x", 100)+"\n\n"), 50)
	if _, err := r.Next(); !errors.Is(err, ErrEventTooLarge) {
		t.Fatalf("err = %v, want ErrEventTooLarge", err)
	}
}

// TestSSERoundTrip reads back what SSEWriter writes.
func TestSSERoundTrip(t *testing.T) {
	rec := httptest.NewRecorder()
	w := NewSSEWriter(rec)
	w.Start(nil)
	if err := w.Event("s1-1", nil, 1000); err != nil {
		t.Fatal(err)
	}
	if err := w.Event("s1-2", []byte(`{"jsonrpc":"2.0","id":1,"result":{}}`), 0); err != nil {
		t.Fatal(err)
	}
	evs := readAll(t, rec.Body.String())
	if len(evs) != 2 || evs[0].ID != "s1-1" || evs[0].RetryMs != 1000 || evs[1].ID != "s1-2" || !bytes.Contains(evs[1].Data, []byte(`"result"`)) {
		t.Fatalf("events = %+v", evs)
	}
}

func FuzzSSEReader(f *testing.F) {
	f.Add("id: 1\ndata: x\n\n")
	f.Add("event: endpoint\r\ndata: /m\r\n\r\n")
	f.Add(":c\rretry: 5\r\r")
	f.Add("data: a\r\ndata: b\r\rid: \x00\ndata\n\n")
	f.Add("data:" + strings.Repeat("z", 2000) + "\n\n")
	f.Fuzz(func(t *testing.T, in string) {
		got := fuzzEvents(t, strings.NewReader(in))
		// Line ends are equivalent (CRLF, CR, LF), and how the body arrives does not matter.
		norm := strings.ReplaceAll(strings.ReplaceAll(in, "\r\n", "\n"), "\r", "\n")
		if want := fuzzEvents(t, iotest.OneByteReader(strings.NewReader(norm))); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("events differ after normalizing line ends:\n%q\n%q", got, want)
		}
	})
}

// fuzzEvents reads every event of r with a 1 KiB limit, checking the limit and that reading ends.
func fuzzEvents(t *testing.T, r io.Reader) []string {
	rd := NewSSEReader(r, 1024)
	var out []string
	for i := 0; ; i++ {
		ev, err := rd.Next()
		if err != nil {
			return append(out, "err:"+err.Error())
		}
		if len(ev.Data) > 1024 {
			t.Fatalf("event larger than the limit: %d", len(ev.Data))
		}
		if i > 1<<20 {
			t.Fatal("no end")
		}
		out = append(out, fmt.Sprintf("%s|%s|%s|%v|%d", ev.Name, ev.Data, ev.ID, ev.HasID, ev.RetryMs))
	}
}
