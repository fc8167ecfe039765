package oauth

import "context"

// Registration is a client's dynamic registration (RFC 7591) at one authorization server, kept so that
// a later run of a command-line client uses the client its tokens were issued to — refreshing them as
// that client — instead of registering again.
type Registration struct {
	Issuer string `json:"issuer"`
	// RedirectURL is the redirect URI registered; a Transport with another one registers again before
	// it sends the user to authorize.
	RedirectURL  string `json:"redirect_url"`
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret,omitempty"`
	// Method is the token endpoint authentication: AuthBasic, AuthPost or AuthNone.
	Method string `json:"method"`
}

// ClientStore keeps dynamic registrations between runs, keyed by issuer. FileStore is one.
type ClientStore interface {
	// LoadClient returns the registration kept for issuer, or nil when there is none.
	LoadClient(ctx context.Context, issuer string) (*Registration, error)
	// SaveClient keeps r, replacing the registration of r.Issuer.
	SaveClient(ctx context.Context, r Registration) error
}

// storedClient returns the registration kept for issuer.
func (t *Transport) storedClient(ctx context.Context, issuer string) (clientCreds, bool, error) {
	if t.cfg.Clients == nil {
		return clientCreds{}, false, nil
	}
	r, err := t.cfg.Clients.LoadClient(ctx, issuer)
	if err != nil || r == nil || r.ClientID == "" {
		return clientCreds{}, false, err
	}
	return clientCreds{ID: r.ClientID, Secret: r.ClientSecret, Method: r.Method, RedirectURL: r.RedirectURL}, true, nil
}

// keepClient stores a new registration when the Transport has a ClientStore.
func (t *Transport) keepClient(ctx context.Context, issuer string, c clientCreds) error {
	if t.cfg.Clients == nil {
		return nil
	}
	return t.cfg.Clients.SaveClient(ctx, Registration{Issuer: issuer, RedirectURL: c.RedirectURL,
		ClientID: c.ID, ClientSecret: c.Secret, Method: c.Method})
}
