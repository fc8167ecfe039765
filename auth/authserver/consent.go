package authserver

import (
	"crypto/subtle"
	"html/template"
	"net/http"
	"net/url"

	"github.com/zitadel/oidc/v3/pkg/op"
)

const consentPath = "/consent"

var consentPage = template.Must(template.New("consent").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Authorize {{.Client}}</title></head>
<body style="font-family: sans-serif; max-width: 40em; margin: 3em auto">
<h1>Authorize access</h1>
<p>The client <b>{{.Client}}</b> asks to act as <b>{{.Subject}}</b>{{if .Resource}} on <b>{{.Resource}}</b>{{end}}.</p>
{{if .Scopes}}<p>Scopes: {{range .Scopes}}<code>{{.}}</code> {{end}}</p>{{end}}
<p>It will be sent back to <code>{{.Redirect}}</code>.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="id" value="{{.ID}}">
<input type="hidden" name="csrf" value="{{.CSRF}}">
<button name="decision" value="approve">Approve</button>
<button name="decision" value="deny">Deny</button>
</form>
<p><small>mcpkit development authorization server: not for production.</small></p>
</body></html>
`))

// serveConsent shows the consent page (GET) and takes the decision (POST). The form carries a random token
// that is also set in a SameSite=Strict cookie for this request only; a POST must bring both, equal to the
// stored one (so a page elsewhere cannot approve a request in the user's name). The page may not be framed.
func (s *Server) serveConsent(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'; default-src 'none'; style-src 'unsafe-inline'; form-action 'self'")
	w.Header().Set("Cache-Control", "no-store")
	id := r.FormValue("id")
	cookieName := "mcpkit_consent"
	st := s.st
	st.mu.Lock()
	ar, ok := st.requests[id]
	st.mu.Unlock()
	if !ok || ar.done {
		http.Error(w, "unknown or finished authorization request", http.StatusBadRequest)
		return
	}
	switch r.Method {
	case http.MethodGet:
		csrf := randomString(24)
		st.mu.Lock()
		ar.csrf = csrf
		scopes, resource, client, redirect := accessScopes(ar.scopes), ar.resource, ar.clientID, ar.redirectURI
		st.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: cookieName, Value: csrf, Path: s.consentCookiePath(), HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil})
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = consentPage.Execute(w, map[string]any{
			"Client": client, "Subject": s.opts.Subject, "Resource": resource, "Scopes": scopes,
			"Redirect": redirect, "ID": id, "CSRF": csrf, "Action": s.issuer + consentPath,
		})
	case http.MethodPost:
		cookie, err := r.Cookie(cookieName)
		form := r.PostFormValue("csrf")
		st.mu.Lock()
		want := ar.csrf
		st.mu.Unlock()
		if err != nil || want == "" || subtle.ConstantTimeCompare([]byte(cookie.Value), []byte(want)) != 1 ||
			subtle.ConstantTimeCompare([]byte(form), []byte(want)) != 1 {
			http.Error(w, "consent form token missing or wrong: reload the authorization page", http.StatusForbidden)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: cookieName, Path: s.consentCookiePath(), MaxAge: -1})
		if r.PostFormValue("decision") != "approve" {
			st.mu.Lock()
			delete(st.requests, id)
			st.mu.Unlock()
			u, err := url.Parse(ar.redirectURI)
			if err != nil {
				http.Error(w, "bad redirect URI", http.StatusInternalServerError)
				return
			}
			q := u.Query()
			q.Set("error", "access_denied")
			q.Set("error_description", "the user denied the request")
			if ar.state != "" {
				q.Set("state", ar.state)
			}
			q.Set("iss", s.issuer)
			u.RawQuery = q.Encode()
			http.Redirect(w, r, u.String(), http.StatusSeeOther)
			return
		}
		st.mu.Lock()
		ar.approve(s.opts.Subject, s.opts.Now())
		ar.csrf = ""
		st.mu.Unlock()
		http.Redirect(w, r, op.AuthCallbackURL(s.provider)(op.ContextWithIssuer(r.Context(), s.issuer), id), http.StatusSeeOther)
	default:
		w.Header().Set("Allow", "GET, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// consentCookiePath is the path of the consent page under the issuer (which may have a path of its own).
func (s *Server) consentCookiePath() string {
	u, err := url.Parse(s.issuer + consentPath)
	if err != nil {
		return consentPath
	}
	return u.Path
}
