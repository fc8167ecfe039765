package ssetest

import (
	"io"
	"strings"
	"testing"
)

func TestNext(t *testing.T) {
	r := NewReader(strings.NewReader(": keep-alive\n\nid: 1\nretry: 1000\ndata:\n\nid: 2\nevent: message\ndata: {\"a\":1}\ndata: more\r\n\ndata: tail"))
	want := []Event{{ID: "1", Retry: true}, {ID: "2", Type: "message", Data: "{\"a\":1}\nmore"}}
	for i, w := range want {
		got, err := r.Next()
		if err != nil || got != w {
			t.Fatalf("event %d: %+v, %v; want %+v", i, got, err, w)
		}
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("an unfinished event at the end: %v, want io.EOF", err)
	}
}
