package cli

import (
	"context"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"

	"golang.org/x/oauth2"

	"github.com/mcpkit/mcpkit/client/oauth"
)

// TestStoredKeysAndForget: a URL's tokens are those of its resource, else those of its origin; Forget
// deletes them, and a registration only when no other token of its issuer is left.
func TestStoredKeysAndForget(t *testing.T) {
	ctx := context.Background()
	store := &oauth.FileStore{Path: filepath.Join(t.TempDir(), "tokens.json")}
	a := oauth.Key{Issuer: "http://as1", Resource: "http://h:1/mcp"}
	b := oauth.Key{Issuer: "http://as1", Resource: "http://h:1/other/mcp"}
	c := oauth.Key{Issuer: "http://as2", Resource: "http://g:2/mcp"}
	for _, k := range []oauth.Key{a, b, c} {
		if err := store.Save(ctx, k, &oauth2.Token{AccessToken: "t"}); err != nil {
			t.Fatal(err)
		}
	}
	for _, iss := range []string{"http://as1", "http://as2"} {
		if err := store.SaveClient(ctx, oauth.Registration{Issuer: iss, ClientID: "id"}); err != nil {
			t.Fatal(err)
		}
	}
	for target, want := range map[string][]oauth.Key{
		"http://h:1/mcp?x=1": {a},
		"http://H:1/sse":     {a, b},
		"http://g:2/sse":     {c},
		"http://z:3/mcp":     nil,
	} {
		if got, err := StoredKeys(ctx, store, target); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: %v %v, want %v", target, got, err, want)
		}
	}
	if _, err := StoredKeys(ctx, store, "h:1/mcp"); err == nil {
		t.Error("a URL without scheme was accepted")
	}
	if got, err := Forget(ctx, store, "http://h:1/mcp"); err != nil || !reflect.DeepEqual(got, []oauth.Key{a}) {
		t.Fatalf("Forget a: %v %v", got, err)
	}
	if r, _ := store.LoadClient(ctx, "http://as1"); r == nil {
		t.Error("as1's registration deleted while b still uses it")
	}
	if _, err := Forget(ctx, store, "http://g:2/mcp"); err != nil {
		t.Fatal(err)
	}
	if r, _ := store.LoadClient(ctx, "http://as2"); r != nil {
		t.Error("as2's registration kept with no token left")
	}
	if ks, _ := store.Keys(ctx); !reflect.DeepEqual(ks, []oauth.Key{b}) {
		t.Errorf("left %v", ks)
	}
}

// TestRoundTripperChoice: OAuth stays out of the way without a stored token (no discovery or
// registration on a verb's behalf), with an explicit Authorization header, or when disabled.
func TestRoundTripperChoice(t *testing.T) {
	ctx := context.Background()
	file := filepath.Join(t.TempDir(), "tokens.json")
	base := http.DefaultTransport
	mk := func(url string, h http.Header, o OAuth) http.RoundTripper {
		o.TokenFile = file
		if h == nil {
			h = http.Header{}
		}
		rt, err := (&Target{Args: []string{url}, Header: h, OAuth: o}).roundTripper(base)
		if err != nil {
			t.Fatal(err)
		}
		return rt
	}
	if mk("http://h:1/mcp", nil, OAuth{}) != base {
		t.Error("nothing stored: want the plain transport")
	}
	if _, ok := mk("http://h:1/mcp", nil, OAuth{Authorize: oauth.Headless(nil)}).(*oauth.Transport); !ok {
		t.Error("with an Authorize step (login): want the OAuth transport")
	}
	if err := (&oauth.FileStore{Path: file}).Save(ctx, oauth.Key{Issuer: "http://as", Resource: "http://h:1/mcp"}, &oauth2.Token{AccessToken: "t"}); err != nil {
		t.Fatal(err)
	}
	if _, ok := mk("http://h:1/mcp", nil, OAuth{}).(*oauth.Transport); !ok {
		t.Error("a stored token: want the OAuth transport")
	}
	if mk("http://h:1/mcp", http.Header{"Authorization": {"Bearer x"}}, OAuth{}) != base {
		t.Error("an explicit Authorization header: want the plain transport")
	}
	if mk("http://h:1/mcp", nil, OAuth{Disable: true}) != base {
		t.Error("disabled: want the plain transport")
	}
}
