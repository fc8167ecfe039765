package httpx

import (
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// Policy says which Host and Origin headers a server accepts. The zero value accepts loopback hosts only
// and browser origins only from loopback pages calling a loopback host.
type Policy struct {
	// AllowedHosts lists accepted Host header values (host or host:port). Empty: loopback names only.
	AllowedHosts []string
	// AllowAnyHost turns the Host check off (behind a proxy that already checks it).
	AllowAnyHost bool
	// AllowedOrigins lists accepted browser origins besides loopback ones ("*" accepts every origin).
	AllowedOrigins []string
}

// Check returns "" when r passes, or the reason it is forbidden (answer 403).
func (p Policy) Check(r *http.Request) string {
	if !p.hostAllowed(r) {
		return "forbidden: Host " + Quote(r.Host) + " is not allowed"
	}
	if !p.originAllowed(r) {
		return "forbidden: Origin " + Quote(r.Header.Get("Origin")) + " is not allowed"
	}
	return ""
}

func (p Policy) hostAllowed(r *http.Request) bool {
	if p.AllowAnyHost {
		return true
	}
	host := Hostname(r.Host)
	if len(p.AllowedHosts) == 0 {
		return IsLoopbackName(host)
	}
	return slices.ContainsFunc(p.AllowedHosts, func(a string) bool {
		return strings.EqualFold(a, r.Host) || strings.EqualFold(a, host)
	})
}

// originAllowed: requests without Origin (non-browser clients) pass; others must be listed, or be a
// loopback page calling a loopback host (local tools such as inspectors).
func (p Policy) originAllowed(r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" {
		return true
	}
	if slices.ContainsFunc(p.AllowedOrigins, func(a string) bool { return a == "*" || strings.EqualFold(a, origin) }) {
		return true
	}
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" {
		return false
	}
	return IsLoopbackName(Hostname(u.Host)) && IsLoopbackName(Hostname(r.Host))
}

// Hostname strips the port and brackets from host[:port].
func Hostname(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return strings.Trim(h, "[]")
	}
	return strings.Trim(hostport, "[]")
}

// IsLoopbackName reports whether h is localhost or a loopback IP.
func IsLoopbackName(h string) bool {
	if strings.EqualFold(h, "localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// IsLoopbackAddr reports whether a listen address binds only loopback interfaces.
func IsLoopbackAddr(addr string) bool {
	host := Hostname(addr)
	return host != "" && IsLoopbackName(host)
}
