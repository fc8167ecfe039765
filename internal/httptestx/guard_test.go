package httptestx

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// A handler that leaves a goroutine writing after it returned is caught; one that does not, is not.
func TestGuardCatchesLateWrites(t *testing.T) {
	leaked := make(chan http.ResponseWriter, 1)
	g := NewGuard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "in time")
		if r.URL.Path == "/leak" {
			leaked <- w
		}
	}))
	ts := httptest.NewServer(g)
	defer ts.Close()
	for _, path := range []string{"/ok", "/leak"} {
		resp, err := http.Get(ts.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		<-g.Returned()
	}
	if g.Late() != 0 {
		t.Fatalf("%d late uses before any", g.Late())
	}
	w := <-leaked
	if _, err := io.WriteString(w, "late"); err == nil {
		t.Error("a late write was forwarded")
	}
	_ = http.NewResponseController(w).Flush()
	if g.Late() != 2 || g.Finished() != 2 {
		t.Fatalf("late %d, finished %d; want 2 and 2", g.Late(), g.Finished())
	}
}
