package authserver

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// What the provider (zitadel's op) does not parse is read here, before it runs, and handed to the storage
// through the request context: the RFC 8707 resource parameters of the authorization and token requests.
// The authorization responses get the RFC 9207 iss parameter on their way out.

type resourceKey struct{}

// requestResources is what the request said about resources.
type requestResources struct {
	values []string // the resource parameters, in order
}

func resourcesFrom(ctx context.Context) []string {
	r, _ := ctx.Value(resourceKey{}).(*requestResources)
	if r == nil {
		return nil
	}
	return r.values
}

const (
	authorizePath = "/authorize"
	callbackPath  = "/authorize/callback"
	tokenPath     = "/oauth/token"
)

// intercept wraps the provider: resources into the context, offline_access into every authorization
// request (each code grant gets a refresh token), iss onto authorization responses, and in auto-approve
// mode the provider's redirect to its own callback followed at once.
func (s *Server) intercept(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case authorizePath, callbackPath, tokenPath:
		default:
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == tokenPath {
			r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
			// RFC 6749 section 5.1: token responses must not be cached (the provider does not say so).
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Pragma", "no-cache")
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "malformed request: "+err.Error(), http.StatusBadRequest)
			return
		}
		r = r.WithContext(context.WithValue(r.Context(), resourceKey{}, &requestResources{values: r.Form["resource"]}))
		if r.URL.Path == tokenPath {
			next.ServeHTTP(w, r)
			return
		}
		if r.URL.Path == authorizePath {
			scopes := strings.Fields(strings.Join(r.Form["scope"], " "))
			if !slices.Contains(scopes, "offline_access") {
				scopes = append(scopes, "offline_access")
			}
			r.Form["scope"] = []string{strings.Join(scopes, " ")}
		}
		iw := &issWriter{ResponseWriter: w, s: s}
		next.ServeHTTP(iw, r)
		if iw.inline != "" {
			// Auto-approve: the provider sent the browser to its own callback; answer that at once.
			u, err := url.Parse(iw.inline)
			if err != nil {
				http.Error(w, "internal redirect: "+err.Error(), http.StatusInternalServerError)
				return
			}
			cr := r.Clone(r.Context())
			cr.Method = http.MethodGet
			cr.URL = &url.URL{Path: callbackPath, RawQuery: u.RawQuery}
			cr.RequestURI = cr.URL.RequestURI()
			cr.Form, cr.PostForm, cr.Body, cr.ContentLength = nil, nil, http.NoBody, 0
			next.ServeHTTP(&issWriter{ResponseWriter: w, s: s}, cr)
		}
	})
}

// issWriter adds iss (RFC 9207) to redirects that carry an authorization response (code or error) to a
// client, and in auto-approve mode swallows the provider's redirect to its own callback (noted in inline).
type issWriter struct {
	http.ResponseWriter
	s      *Server
	inline string
	done   bool
}

func (w *issWriter) WriteHeader(code int) {
	if w.done {
		return
	}
	w.done = true
	if code == http.StatusFound || code == http.StatusSeeOther {
		loc := w.Header().Get("Location")
		if w.s.opts.AutoApprove && strings.HasPrefix(loc, w.s.issuer+callbackPath+"?") {
			w.inline = loc
			return
		}
		w.Header().Set("Location", w.s.addIss(loc))
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *issWriter) Write(p []byte) (int, error) {
	if !w.done {
		w.WriteHeader(http.StatusOK)
	}
	if w.inline != "" {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

// addIss adds iss to a redirect to a client that carries an authorization response; other locations are
// returned unchanged.
func (s *Server) addIss(loc string) string {
	if loc == "" || strings.HasPrefix(loc, s.issuer+"/") || strings.HasPrefix(loc, "/") {
		return loc
	}
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	q := u.Query()
	if (q.Get("code") == "" && q.Get("error") == "") || q.Has("iss") {
		return loc
	}
	q.Set("iss", s.issuer)
	u.RawQuery = q.Encode()
	return u.String()
}
