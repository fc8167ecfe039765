package oauth_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// A browser stand-in follows the authorization redirect to the loopback listener, which hands the code
// back; then the request succeeds. A forged state arriving there is still refused by the flow.
func TestLoopback(t *testing.T) {
	for _, forge := range []bool{false, true} {
		f := newFakeAS(t)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		redirect := "http://" + ln.Addr().String() + "/callback"
		ln.Close()
		var opened atomic.Int32
		browser := func(authURL string) error {
			opened.Add(1)
			go func() {
				u := authURL
				if forge { // an attacker's authorization response: another state
					pu, _ := url.Parse(authURL)
					q := pu.Query()
					q.Set("state", "forged")
					pu.RawQuery = q.Encode()
					u = pu.String()
				}
				resp, err := http.Get(u) // follows the redirect to the loopback listener
				if err == nil {
					resp.Body.Close()
				}
			}()
			return nil
		}
		hc := &http.Client{Transport: oauth.NewTransport(oauth.Config{RedirectURL: redirect, Authorize: oauth.Loopback(redirect, browser)})}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, f.srv.URL+"/mcp", nil)
		resp, err := hc.Do(req)
		cancel()
		if forge {
			if !errors.Is(err, oauth.ErrStateMismatch) {
				t.Fatalf("forged state: %v, want ErrStateMismatch", err)
			}
			continue
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("GET = %v, %v", resp, err)
		}
		resp.Body.Close()
		if opened.Load() != 1 {
			t.Fatalf("browser opened %d times", opened.Load())
		}
	}
}
