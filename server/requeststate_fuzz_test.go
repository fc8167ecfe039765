package server

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mcpkit/mcpkit/store"
)

// fixedRing is a key ring with one fixed key, so that fuzz inputs are reproducible.
type fixedRing struct{ key store.Key }

func (r fixedRing) Current(context.Context) (store.Key, error) { return r.key, nil }

func (r fixedRing) Lookup(_ context.Context, id string) (store.Key, error) {
	if id != r.key.ID {
		return store.Key{}, store.ErrNotFound
	}
	return r.key, nil
}

func (r fixedRing) Rotate(context.Context) (store.Key, error) { return r.key, nil }

var fuzzRing = fixedRing{store.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32)}}

// fuzzNow is the clock of the fuzz targets; the seeds expire an hour later.
var fuzzNow = time.Date(2026, 7, 28, 12, 0, 0, 0, time.UTC)

type sealedSeed struct {
	sealed, method, principal string
	digest                    []byte
}

// sealedSeeds are real sealed states, as the server hands them to clients, sealed once with fuzzRing (the
// fuzz engine runs targets in several processes: the seeds must not depend on seal's random nonce).
func sealedSeeds(t testing.TB) []sealedSeed {
	var out []sealedSeed
	for _, c := range []struct{ sealed, method, params, principal string }{
		// Pending: elicitation-1.
		{"v1.k1.Q-5GS2u8ReyPM3gQhAHp8m-Wgjru4h080nL9YKaUIBLmBm1A0gA1R2pW1XW46wPBSheP4r-GNgU5SQMUzGra_uapdC_o94zUBYc_6pUlKcj-i_-Eo-gjTn3MgV5ri2bKc0uYfZigzIF6Q5BVVrHWw5YVlJlhAUKGZOqaatuSrVCGUEC4mfKQ4o8",
			"tools/call", `{"name":"book_trip","arguments":{"to":"Paris"}}`, ""},
		// An answer to sampling-1, pending roots-2.
		{"v1.k1.AHhMc4SbHerq1yjYF3zQanwaFHi0S9mVCjBwGkI0dy8anNJzOg3WQkLEDacR8bFpXU-Q90U-81TTZ7yujLtkqSUow5_lDcC5_cXnjxqltkmXla7YgerqhHVtzQfVwY0yplo4gjGqL9YVAydMpW4CeXU-uxUZAw3pmz71dzewxQ2n5FoL3PtC8ez7MAkKCXkAWjcaXCWj8cOpmOS9aCtTyhhmq_-hSDLNNWrCofgZJohJQ3ZrdjNXku84rByyoz30OgpCNKeo-Q4s0WQ4cO94jgUtPOaJErUCTXIMK6cn",
			"prompts/get", `{"name":"p"}`, "alice"},
		{"v1.k1.8ZtNa2Mz1SZPTIURDpsIBmP8AWffrrAyeINcm4WJ7purJuJWaGet0IdEBVwTapMIaWdGRQy5FUPyFExIJiHbtruUJGbyXDOq_mgLpli3GHw7M89p5AjiwOU3NmEAsA29G8iaBXVfZR-TtKckr8TZuqairc5Mt2254aDbnRs3IGW1",
			"resources/read", `{"uri":"a://b"}`, "bob"},
	} {
		d, err := paramsDigest(jsontext.Value(c.params))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := open(context.Background(), fuzzRing, c.sealed, c.method, d, c.principal, fuzzNow); err != nil {
			t.Fatalf("the %s seed no longer opens (%v): the format changed; seal new seeds", c.method, err)
		}
		out = append(out, sealedSeed{c.sealed, c.method, c.principal, d})
	}
	return out
}

// box returns the decoded sealed box of a state (nil when it has none).
func box(sealed string) []byte {
	parts := strings.SplitN(sealed, ".", 3)
	if len(parts) != 3 {
		return nil
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil
	}
	return b
}

// FuzzOpenRequestState feeds open whatever a client may send as requestState: it never panics, every
// failure is errBadState, and it opens only what the server sealed, under the binding it was sealed with
// (a forged, tampered or re-bound state never opens).
func FuzzOpenRequestState(f *testing.F) {
	seeds := sealedSeeds(f)
	for _, s := range seeds {
		f.Add(s.sealed, s.method, s.principal, s.digest)
		f.Add(s.sealed[:len(s.sealed)-1], s.method, s.principal, s.digest)
		f.Add(strings.Replace(s.sealed, "k1", "k2", 1), s.method, s.principal, s.digest)
	}
	f.Add("v1.k1.", "tools/call", "", []byte{})
	f.Add("v1..AAAA", "tools/call", "", []byte{})
	f.Add("v2.k1.AAAA", "tools/call", "", []byte{})
	f.Add("", "", "", []byte(nil))
	f.Fuzz(func(t *testing.T, sealed, method, principal string, digest []byte) {
		st, err := open(context.Background(), fuzzRing, sealed, method, digest, principal, fuzzNow)
		if err != nil {
			if err != errBadState {
				t.Fatalf("open(%q) failed with %v, want errBadState", sealed, err)
			}
			return
		}
		// Compared by box, not text: another encoding of the same box opens today (see
		// TestRequestStateOneEncoding).
		got := box(sealed)
		for _, s := range seeds {
			if got != nil && bytes.Equal(got, box(s.sealed)) && strings.HasPrefix(sealed, "v1.k1.") {
				if method != s.method || principal != s.principal || !bytes.Equal(digest, s.digest) {
					t.Fatalf("a state sealed for %s/%q opened for %s/%q", s.method, s.principal, method, principal)
				}
				if st.Method != method || st.Principal != principal {
					t.Fatalf("opened state %+v does not carry its binding", st)
				}
				return
			}
		}
		t.Fatalf("open accepted a state the server never sealed: %q", sealed)
	})
}

// FuzzSealOpen seals fuzzed states and checks the round trip and the binding: the state opens unchanged
// under its own method, digest and principal before it expires, and fails with errBadState under any other
// method, principal or digest, after expiry, or with any bit of its box flipped.
func FuzzSealOpen(f *testing.F) {
	f.Add("tools/call", "alice", "elicitation-1", []byte(`{"action":"accept","content":{"a":1}}`), []byte(`{"name":"x"}`), uint(3))
	f.Add("prompts/get", "", "", []byte(`null`), []byte(`{}`), uint(0))
	f.Add("resources/read", "ü", "k\x00", []byte(`"\u00e9"`), []byte(`{"uri":"a://b","_meta":{"x":1}}`), uint(1000))
	f.Fuzz(func(t *testing.T, method, principal, key string, answer, params []byte, flip uint) {
		if !jsontext.Value(answer).IsValid() || !jsontext.Value(params).IsValid() {
			return
		}
		digest, err := paramsDigest(jsontext.Value(params))
		if err != nil {
			return // params that are not an object: the server answers -32602 before sealing
		}
		in := requestState{Method: method, Digest: digest, Principal: principal, Expires: fuzzNow.Add(time.Minute).UnixMilli(),
			Answers: map[string]jsontext.Value{key: answer}, Pending: []string{key}}
		sealed, err := seal(context.Background(), fuzzRing, &in)
		if err != nil {
			if !utf8.ValidString(method) || !utf8.ValidString(principal) || !utf8.ValidString(key) {
				return // strings that are not UTF-8 cannot be sealed (JSON); the server never has such a method or key
			}
			t.Fatalf("seal: %v", err)
		}
		ctx := context.Background()
		out, err := open(ctx, fuzzRing, sealed, method, digest, principal, fuzzNow)
		if err != nil {
			t.Fatalf("open of a fresh state: %v", err)
		}
		a, _ := json.Marshal(&in, json.Deterministic(true))
		b, _ := json.Marshal(out, json.Deterministic(true))
		inAns, outAns := jsontext.Value(in.Answers[key]).Clone(), jsontext.Value(out.Answers[key]).Clone()
		_ = inAns.Canonicalize()
		_ = outAns.Canonicalize()
		if !bytes.Equal(inAns, outAns) || out.Method != in.Method || out.Principal != in.Principal || out.Expires != in.Expires ||
			!bytes.Equal(out.Digest, in.Digest) || len(out.Pending) != 1 || out.Pending[0] != key {
			t.Fatalf("round trip changed the state:\n in %s\nout %s", a, b)
		}
		bad := func(what string, sealed, method, principal string, digest []byte, now time.Time) {
			if _, err := open(ctx, fuzzRing, sealed, method, digest, principal, now); !errors.Is(err, errBadState) {
				t.Fatalf("open with %s: %v, want errBadState", what, err)
			}
		}
		bad("another method", sealed, method+"x", principal, digest, fuzzNow)
		bad("another principal", sealed, method, principal+"x", digest, fuzzNow)
		bad("another digest", sealed, method, principal, append([]byte{digest[0] ^ 1}, digest[1:]...), fuzzNow)
		bad("an expired state", sealed, method, principal, digest, fuzzNow.Add(time.Minute+time.Millisecond))
		bx := box(sealed)
		i := flip % uint(len(bx)*8)
		bx[i/8] ^= 1 << (i % 8)
		bad("a flipped bit", "v1.k1."+base64.RawURLEncoding.EncodeToString(bx), method, principal, digest, fuzzNow)
	})
}

// FuzzParamsDigest checks the binding digest of a request's params: it does not change when the params are
// re-encoded (member order, spacing, escapes) or when the members that change between rounds
// (inputResponses, requestState) or _meta are added or changed.
func FuzzParamsDigest(f *testing.F) {
	for _, s := range []string{
		`{"name":"book_trip","arguments":{"to":"Paris","n":2}}`,
		`{"uri":"a://b","_meta":{"progressToken":1}}`,
		`{"name":"x","arguments":{"big":12345678901234567890,"f":1.0,"e":1e2,"s":"\u00e9\ud83d\ude00"}}`,
		`{}`,
		`{"inputResponses":{"a":1},"requestState":"v1.k.x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, params []byte) {
		d1, err := paramsDigest(jsontext.Value(params))
		if err != nil {
			return
		}
		var members map[string]jsontext.Value
		if err := json.Unmarshal(params, &members); err != nil {
			return // null params: nothing to reorder
		}
		// Re-encode: members in reverse order, each value re-indented.
		var b bytes.Buffer
		b.WriteString("{\n")
		names := make([]string, 0, len(members))
		for k := range members {
			names = append(names, k)
		}
		for i := len(names) - 1; i >= 0; i-- {
			k := names[i]
			v := members[k].Clone()
			_ = v.Indent(jsontext.WithIndent("  "))
			q, _ := jsontext.AppendQuote(nil, k)
			b.Write(q)
			b.WriteString(" : ")
			b.Write(v)
			b.WriteString(",\n")
		}
		b.WriteString(`"_meta":{"x":[1,2]},"inputResponses":{"k":{}},"requestState":"v1.a.b"}`)
		for _, k := range []string{"_meta", "inputResponses", "requestState"} {
			delete(members, k)
		}
		d2, err := paramsDigest(jsontext.Value(b.Bytes()))
		if err != nil {
			if bytes.Contains(b.Bytes(), []byte(`"_meta" :`)) || bytes.Contains(b.Bytes(), []byte(`"inputResponses" :`)) || bytes.Contains(b.Bytes(), []byte(`"requestState" :`)) {
				return // the input had one of them: the re-encoding repeats a member name
			}
			t.Fatalf("re-encoded params %s do not digest: %v", b.Bytes(), err)
		}
		if !bytes.Equal(d1, d2) {
			t.Fatalf("the digest changed when %s was re-encoded as %s", params, b.Bytes())
		}
	})
}

// TestRequestStateOneEncoding: a sealed state has one text form; another string that decodes to the same
// box (base64 without padding ignores a final character's unused bits) must not open.
// Without a strict decoder, changing the last character of a sealed state ("…4mfKQ4o8" → "…4mfKQ4o9")
// opened the same state: not a forgery, but a replayed state was not recognisable by its text.
func TestRequestStateOneEncoding(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	var opened []string
	for _, s := range sealedSeeds(t) {
		for _, c := range []byte(alphabet) {
			if c == s.sealed[len(s.sealed)-1] {
				continue
			}
			alt := s.sealed[:len(s.sealed)-1] + string(c)
			if _, err := open(context.Background(), fuzzRing, alt, s.method, s.digest, s.principal, fuzzNow); err == nil {
				opened = append(opened, alt[len(alt)-8:])
			}
		}
	}
	if len(opened) > 0 {
		t.Errorf("%d other encodings of a sealed state open it (…%v): open must decode strictly", len(opened), opened)
	}
}
