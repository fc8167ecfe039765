package auth

import (
	"bytes"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MiddlewareOptions configure Middleware. The zero value of every field but Verifier is a working default.
type MiddlewareOptions struct {
	// Verifier turns the bearer token into a Principal. Required.
	Verifier Verifier
	// Resource is the canonical URI of the protected MCP endpoint ("https://mcp.example.com/mcp"). It names
	// the metadata document in challenges when ResourceMetadataURL is empty.
	Resource string
	// ResourceMetadataURL is the absolute URL of the Protected Resource Metadata document, sent as the
	// resource_metadata parameter of every challenge (RFC 9728 section 5.1). Default: the path-specific
	// well-known URL of Resource (MetadataURL). One of the two is required.
	ResourceMetadataURL string
	// Scopes are required of every request (a token without them gets the 403 insufficient_scope answer)
	// and are named in the scope parameter of the 401 challenge, so that a client asks for them first.
	Scopes []string
	// RetryAfter is the Retry-After of the 503 answered when the verifier cannot verify (its JWKS or
	// introspection endpoint is unreachable). Default 10 s.
	RetryAfter time.Duration
	// Logger receives why a token was refused (at debug level) and why verification failed (at warn level):
	// the client never sees the reason. Default: slog.Default().
	Logger *slog.Logger
	// RejectPreflight makes CORS preflight requests (OPTIONS with Access-Control-Request-Method, which never
	// carry credentials) need a token too. By default they pass to next without a principal, so that the
	// transport can answer them.
	RejectPreflight bool
	// OnRefuse, when set, is called for every request the middleware answers itself instead of passing it
	// on, with the status answered and a reason: "missing_token" (401 without Authorization),
	// "invalid_request" (400: a malformed header, a token in the URI or body), "invalid_token" (401),
	// "unavailable" (503: the verifier could not answer) or "insufficient_scope" (403). For metrics; it
	// must be cheap and must not write to w.
	OnRefuse func(r *http.Request, status int, reason string)
}

// maxFormBody bounds how much of a form-encoded body the middleware reads to look for an access_token.
const maxFormBody = 64 << 10

// Middleware protects next as an OAuth 2.1 resource server (RFC 6750, RFC 9728, MCP basic/authorization):
//
//   - the token is read only from the Authorization header ("Bearer", case-insensitive); a request that
//     carries access_token in its query string or form body is refused with 400 invalid_request and the
//     token is never used;
//   - no Authorization header: 401 with WWW-Authenticate: Bearer resource_metadata="…", scope="…";
//   - a malformed header (several Authorization headers, another scheme, an empty token, characters
//     outside token68): 400 invalid_request;
//   - a token the verifier refuses: 401 error="invalid_token" (the reason only goes to the log);
//   - a verifier that cannot answer: 503 with Retry-After;
//   - a token without opts.Scopes: 403 error="insufficient_scope" (WriteInsufficientScope);
//   - otherwise the Principal goes into the request context (WithPrincipal) and the Authorization header is
//     removed from the request next sees: the token is never passed downstream.
//
// It panics when opts has no Verifier or names neither Resource nor ResourceMetadataURL (a programming
// error caught at start).
func Middleware(next http.Handler, opts MiddlewareOptions) http.Handler {
	if opts.Verifier == nil {
		panic("auth: Middleware needs a Verifier")
	}
	if opts.ResourceMetadataURL == "" {
		u, err := MetadataURL(opts.Resource)
		if err != nil {
			panic("auth: Middleware needs a Resource or a ResourceMetadataURL: " + err.Error())
		}
		opts.ResourceMetadataURL = u
	}
	if opts.RetryAfter <= 0 {
		opts.RetryAfter = 10 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	return &middleware{next: next, opts: opts}
}

type middleware struct {
	next http.Handler
	opts MiddlewareOptions
}

func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !m.opts.RejectPreflight && r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		m.next.ServeHTTP(w, r)
		return
	}
	if tokenInQuery(r.URL) {
		m.refuse(w, r, http.StatusBadRequest, "invalid_request", "access tokens are accepted only in the Authorization header, never in the URI", nil)
		return
	}
	if inForm, err := tokenInForm(r); err != nil || inForm {
		m.refuse(w, r, http.StatusBadRequest, "invalid_request", "access tokens are accepted only in the Authorization header, never in the request body", err)
		return
	}
	token, status := bearer(r.Header)
	// A token the verifier has accepted before (exactly this string) passed every check below before.
	p := knownToken(m.opts.Verifier, token)
	if status == HeaderOK && p == nil && !isToken68(token) {
		status = HeaderMalformed
	}
	switch status {
	case HeaderAbsent:
		m.refused(r, http.StatusUnauthorized, "missing_token")
		m.challenge(w, http.StatusUnauthorized, "", "", m.opts.Scopes)
		writeBody(w, "unauthorized", "an access token is required")
		return
	case HeaderMalformed:
		m.refuse(w, r, http.StatusBadRequest, "invalid_request", "malformed Authorization header: want one \"Bearer <token>\"", nil)
		return
	}
	var err error
	if p == nil {
		p, err = verifyShared(r.Context(), m.opts.Verifier, token) // p may be a verifier's own: copied below
	}
	switch {
	case err == nil && p == nil:
		err = InvalidToken("the verifier returned no principal")
		fallthrough
	case errors.Is(err, ErrInvalidToken):
		m.opts.Logger.Debug("auth: token refused", "remote", r.RemoteAddr, "path", r.URL.Path, "reason", err.Error())
		m.refused(r, http.StatusUnauthorized, "invalid_token")
		m.challenge(w, http.StatusUnauthorized, "invalid_token", "the access token is invalid", m.opts.Scopes)
		writeBody(w, "invalid_token", "the access token is invalid")
		return
	case err != nil:
		m.opts.Logger.Warn("auth: token verification unavailable", "remote", r.RemoteAddr, "path", r.URL.Path, "error", err.Error())
		m.refused(r, http.StatusServiceUnavailable, "unavailable")
		w.Header().Set("Retry-After", strconv.Itoa(int((m.opts.RetryAfter+time.Second-1)/time.Second)))
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusServiceUnavailable)
		writeBody(w, "temporarily_unavailable", "the access token cannot be verified now; retry later")
		return
	}
	if missing := p.Missing(m.opts.Scopes...); len(missing) > 0 {
		m.refused(r, http.StatusForbidden, "insufficient_scope")
		WriteInsufficientScope(w, &InsufficientScopeError{Scopes: m.opts.Scopes, What: r.URL.Path}, m.opts)
		return
	}
	r2 := r.WithContext(withAuthCopy(r.Context(), p, m.opts.ResourceMetadataURL))
	r2.Header = headerWithout(r.Header, "Authorization")
	m.next.ServeHTTP(w, r2)
}

// refused tells OnRefuse, when set, that the middleware answered r itself.
func (m *middleware) refused(r *http.Request, status int, reason string) {
	if m.opts.OnRefuse != nil {
		m.opts.OnRefuse(r, status, reason)
	}
}

// refuse answers a 400 invalid_request with its challenge.
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, status int, code, desc string, err error) {
	if err != nil {
		m.opts.Logger.Debug("auth: request refused", "remote", r.RemoteAddr, "path", r.URL.Path, "error", err.Error())
	}
	m.refused(r, status, code)
	m.challenge(w, status, code, desc, nil)
	writeBody(w, code, desc)
}

func (m *middleware) challenge(w http.ResponseWriter, status int, code, desc string, scopes []string) {
	w.Header().Set("WWW-Authenticate", Challenge(code, desc, scopes, m.opts.ResourceMetadataURL))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
}

// WriteInsufficientScope answers 403 Forbidden with WWW-Authenticate: Bearer error="insufficient_scope",
// scope="<err.Scopes>", resource_metadata="…" (RFC 6750 section 3.1, the MCP step-up answer), and a JSON
// body {"error":"insufficient_scope","error_description":…}. The HTTP transports call it when a handler
// returns an *InsufficientScopeError; opts is the MiddlewareOptions of the endpoint (only Resource and
// ResourceMetadataURL are read).
func WriteInsufficientScope(w http.ResponseWriter, err *InsufficientScopeError, opts MiddlewareOptions) {
	md := opts.ResourceMetadataURL
	if md == "" && opts.Resource != "" {
		md, _ = MetadataURL(opts.Resource)
	}
	desc := "the access token lacks the scope this request needs"
	if err != nil && err.What != "" {
		desc = err.What + " needs scope " + joinScopes(err.Scopes)
	}
	var scopes []string
	if err != nil {
		scopes = err.Scopes
	}
	w.Header().Set("WWW-Authenticate", Challenge("insufficient_scope", desc, scopes, md))
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusForbidden)
	writeBody(w, "insufficient_scope", desc)
}

// Challenge formats a Bearer WWW-Authenticate challenge (RFC 6750 section 3, RFC 9728 section 5.1) with the
// parameters that are not empty: error, error_description, scope, resource_metadata.
func Challenge(code, description string, scopes []string, resourceMetadata string) string {
	var b strings.Builder
	b.WriteString("Bearer")
	sep := " "
	param := func(name, value string) {
		if value == "" {
			return
		}
		b.WriteString(sep)
		b.WriteString(name)
		b.WriteString(`="`)
		b.WriteString(quoteSafe(value))
		b.WriteString(`"`)
		sep = ", "
	}
	param("error", code)
	param("error_description", description)
	param("scope", joinScopes(scopes))
	param("resource_metadata", resourceMetadata)
	return b.String()
}

// quoteSafe keeps the characters RFC 6750 allows in error_description and scope (%x20-21 / %x23-5B /
// %x5D-7E): no quote, no backslash, no control or non-ASCII character.
func quoteSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' {
			return -1
		}
		return r
	}, s)
}

func writeBody(w io.Writer, code, desc string) {
	_, _ = io.WriteString(w, `{"error":"`+quoteSafe(code)+`","error_description":"`+quoteSafe(desc)+`"}`+"\n")
}

// HeaderStatus says what ParseAuthorization found.
type HeaderStatus int

const (
	// HeaderOK: one Authorization header with a well-formed bearer token.
	HeaderOK HeaderStatus = iota
	// HeaderAbsent: no Authorization header (RFC 6750: answered 401 without an error code).
	HeaderAbsent
	// HeaderMalformed: several Authorization headers, another scheme than Bearer, an empty token or
	// characters outside token68 (answered 400 invalid_request).
	HeaderMalformed
)

// ParseAuthorization extracts the bearer token of h's Authorization header (RFC 6750 section 2.1): exactly
// one header "Bearer" (any case), one or more spaces, and a token68. It returns the token and HeaderOK, or
// "" and why not.
func ParseAuthorization(h http.Header) (string, HeaderStatus) {
	tok, st := bearer(h)
	if st == HeaderOK && !isToken68(tok) {
		return "", HeaderMalformed
	}
	return tok, st
}

// bearer is ParseAuthorization without the token68 check of the token (HeaderOK with a token that may
// still be malformed), for Middleware, which skips that check for a token its verifier has accepted before.
func bearer(h http.Header) (string, HeaderStatus) {
	vals := h["Authorization"] // the canonical key: no canonicalization per request
	switch len(vals) {
	case 0:
		return "", HeaderAbsent
	case 1:
	default:
		return "", HeaderMalformed
	}
	v := vals[0]
	const scheme = "bearer"
	if len(v) <= len(scheme) || !strings.EqualFold(v[:len(scheme)], scheme) || v[len(scheme)] != ' ' {
		return "", HeaderMalformed
	}
	tok := strings.TrimLeft(v[len(scheme):], " ")
	if tok == "" {
		return "", HeaderMalformed
	}
	return tok, HeaderOK
}

// isToken68 reports whether s is a token68 (RFC 7235 section 2.1): 1*( ALPHA / DIGIT / "-" / "." / "_" /
// "~" / "+" / "/" ) *"=". A JWT is checked on every request, so the bytes before the trailing "=" are
// checked eight at a time with one table look-up each and no branch: about 0.2 ns a byte instead of 1.
func isToken68(s string) bool {
	n := len(s)
	for n > 0 && s[n-1] == '=' {
		n--
	}
	if n == 0 {
		return false
	}
	var bad byte
	i := 0
	for ; i+8 <= n; i += 8 {
		bad |= notToken68[s[i]] | notToken68[s[i+1]] | notToken68[s[i+2]] | notToken68[s[i+3]] |
			notToken68[s[i+4]] | notToken68[s[i+5]] | notToken68[s[i+6]] | notToken68[s[i+7]]
	}
	for ; i < n; i++ {
		bad |= notToken68[s[i]]
	}
	return bad == 0
}

// notToken68 is 1 for the bytes that may not come before a token68's trailing "=".
var notToken68 = func() (t [256]byte) {
	for c := 0; c < 256; c++ {
		ok := ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || ('0' <= c && c <= '9') ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
		if !ok {
			t[c] = 1
		}
	}
	return t
}()

func tokenInQuery(u *url.URL) bool {
	if u.RawQuery == "" {
		return false
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		// An unparsable query might hide one; look at the raw text.
		return strings.Contains(strings.ToLower(u.RawQuery), "access_token")
	}
	_, ok := q["access_token"]
	return ok
}

// tokenInForm reports whether r is a form-encoded request whose body carries access_token (RFC 6750
// section 2.2, which mcpkit does not accept). It reads at most maxFormBody bytes and gives the body back to
// r unchanged.
func tokenInForm(r *http.Request) (bool, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return false, nil
	}
	// The media type alone, whatever its parameters (even ones mime.ParseMediaType would refuse), and
	// without the map ParseMediaType allocates on every request.
	mt, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	if !strings.EqualFold(strings.TrimSpace(mt), "application/x-www-form-urlencoded") {
		return false, nil
	}
	b, err := io.ReadAll(io.LimitReader(r.Body, maxFormBody+1))
	if err != nil {
		return false, err
	}
	r.Body = struct {
		io.Reader
		io.Closer
	}{io.MultiReader(bytes.NewReader(b), r.Body), r.Body}
	if len(b) > maxFormBody {
		return bytes.Contains(bytes.ToLower(b), []byte("access_token")), nil
	}
	q, err := url.ParseQuery(string(b))
	if err != nil {
		return bytes.Contains(bytes.ToLower(b), []byte("access_token")), nil
	}
	_, ok := q["access_token"]
	return ok, nil
}

// headerWithout returns a copy of h without the canonical key drop: a new map sharing h's value slices
// (http.Header.Clone copies every value, 3 % of a tools/call's CPU in BenchmarkToolsCall/jwt-cached). The
// request passed on holds no credential, and h itself is left as it was. The copy is sized for what it
// holds, not for h: a request of 9 headers with Authorization leaves 8, which fit a map's first group (one
// allocation of ~330 bytes), where a map sized for 9 needs a table (three allocations, ~800 bytes).
func headerWithout(h http.Header, drop string) http.Header {
	n := len(h)
	if _, ok := h[drop]; ok {
		n--
	}
	out := make(http.Header, n)
	for k, v := range h {
		if k != drop {
			out[k] = v
		}
	}
	return out
}
