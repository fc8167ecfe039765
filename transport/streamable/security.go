package streamable

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// hostAllowed reports whether the request's Host header is acceptable. With no allow-list only loopback
// names are (the handler is then meant for local use; ListenAndServe refuses other binds without one).
func (h *Handler) hostAllowed(r *http.Request) bool {
	if h.opts.AllowAnyHost {
		return true
	}
	host := hostname(r.Host)
	if len(h.opts.AllowedHosts) == 0 {
		return isLoopbackName(host)
	}
	return slices.ContainsFunc(h.opts.AllowedHosts, func(a string) bool {
		return strings.EqualFold(a, r.Host) || strings.EqualFold(a, host)
	})
}

// originAllowed reports whether a present Origin header is acceptable: listed in AllowedOrigins, or a
// loopback origin calling a loopback host (local development tools such as inspectors). Requests without
// Origin (non-browser clients) pass.
func (h *Handler) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if slices.ContainsFunc(h.opts.AllowedOrigins, func(a string) bool { return a == "*" || strings.EqualFold(a, origin) }) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return isLoopbackName(hostname(u.Host)) && isLoopbackName(hostname(r.Host))
}

func hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(hostport, "[]")
}

func isLoopbackName(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address binds only loopback interfaces.
func IsLoopbackAddr(addr string) bool {
	host := hostname(addr)
	return host != "" && isLoopbackName(host)
}
