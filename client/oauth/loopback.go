package oauth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os/exec"
	"runtime"
	"time"
)

// Loopback returns an interactive AuthorizeFunc: it listens on the loopback host:port of redirectURL
// (which must be http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH, the Config.RedirectURL), hands
// the authorization URL to open (a browser, or PrintURL), and waits for the browser to be redirected to
// PATH with code or error; the state is checked by the caller. It answers the browser with a short page
// and stops listening. The wait ends with ctx.
func Loopback(redirectURL string, open func(authURL string) error) AuthorizeFunc {
	return func(ctx context.Context, authURL string) (*url.URL, error) {
		ru, err := url.Parse(redirectURL)
		if err != nil || ru.Scheme != "http" || (ru.Hostname() != "127.0.0.1" && ru.Hostname() != "::1") {
			return nil, fmt.Errorf("oauth: Loopback needs an http://127.0.0.1:PORT/… redirect URL, not %q", redirectURL)
		}
		ln, err := net.Listen("tcp", ru.Host)
		if err != nil {
			return nil, fmt.Errorf("oauth: listening for the authorization redirect: %w", err)
		}
		got := make(chan *url.URL, 1)
		srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			if r.URL.Path != ru.Path || (!q.Has("code") && !q.Has("error")) {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = io.WriteString(w, "Authorization received; you can close this window.\n")
			u := *r.URL
			u.Scheme, u.Host = ru.Scheme, ru.Host
			select {
			case got <- &u:
			default:
			}
		})}
		go func() { _ = srv.Serve(ln) }()
		defer srv.Close()
		if err := open(authURL); err != nil {
			return nil, err
		}
		select {
		case u := <-got:
			return u, nil
		case <-ctx.Done():
			return nil, fmt.Errorf("oauth: waiting for the authorization redirect: %w", ctx.Err())
		}
	}
}

// PrintURL returns an open function for Loopback that writes the authorization URL to w and also tries
// the system's browser opener (xdg-open, open, or rundll32), ignoring its failure.
func PrintURL(w io.Writer) func(string) error {
	return func(authURL string) error {
		if _, err := fmt.Fprintf(w, "Open this URL to authorize:\n  %s\n", authURL); err != nil {
			return err
		}
		_ = OpenBrowser(authURL)
		return nil
	}
}

// OpenBrowser starts the system's browser opener on u (it does not wait for the browser).
func OpenBrowser(u string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", u)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", u)
	default:
		if _, err := exec.LookPath("xdg-open"); err != nil {
			return errors.New("oauth: no browser opener (xdg-open) found")
		}
		cmd = exec.Command("xdg-open", u)
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go func() { _ = cmd.Wait() }()
	return nil
}
