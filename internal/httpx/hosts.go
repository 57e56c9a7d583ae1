package httpx

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/mofa-vn/chancery/internal/fault"
)

// Hosts says which Host headers the server answers: its public origin, and,
// when no public origin is configured, the address it listens on under any
// spelling that reaches this machine (localhost, a loopback or interface
// address with the same port).
//
// Pages are rendered with absolute links and cached per host, so a server
// that answered any Host would let anyone fill its page cache with made-up
// hosts (evicting the real pages) or have links built on a host of their
// choosing. Every other Host gets a redirect to the public origin (GET,
// HEAD) or 421 Misdirected Request.
type Hosts struct {
	// Origin is the public origin (https://mofa.gov.vn): the -public-url,
	// or the listen address, which the server knows before it builds.
	Origin string
	// Local, when true, also admits the loopback names and this machine's
	// interface addresses at the origin's port: the origin is then the
	// listen address, which people reach under several names.
	Local bool
	// Addrs are this machine's interface addresses (for Local).
	Addrs []net.IP
	// Exempt lists requests answered whatever their Host: health checks
	// and metrics scrapes, which probes send to an IP address.
	Exempt func(*http.Request) bool
}

// Allowed reports whether host (a Host header) names this server.
func (hs Hosts) Allowed(host string) bool {
	want := parseOrigin(hs.Origin)
	if want.host == "" {
		return false
	}
	wantHost, wantPort := want.host, want.port
	gotHost, gotPort := splitHost(host, want.scheme)
	if gotPort != wantPort || gotHost == "" {
		return false
	}
	if strings.EqualFold(gotHost, wantHost) {
		return true
	}
	if !hs.Local {
		return false
	}
	if strings.EqualFold(gotHost, "localhost") {
		return true
	}
	ip := net.ParseIP(gotHost)
	if ip == nil {
		return false
	}
	if ip.IsLoopback() {
		return true
	}
	for _, a := range hs.Addrs {
		if a.Equal(ip) {
			return true
		}
	}
	return false
}

// origin is a public origin taken apart, kept while the origin stays the
// same: Allowed runs on every request, page-cache hits included.
type origin struct{ raw, scheme, host, port string }

var lastOrigin atomic.Pointer[origin]

func parseOrigin(raw string) origin {
	if o := lastOrigin.Load(); o != nil && o.raw == raw {
		return *o
	}
	o := origin{raw: raw}
	if u, err := url.Parse(raw); err == nil && u.Host != "" {
		o.scheme = u.Scheme
		o.host, o.port = splitHost(u.Host, u.Scheme)
	}
	lastOrigin.Store(&o)
	return o
}

// splitHost returns host without brackets and its port, the scheme's
// default when none is written.
func splitHost(hostport, scheme string) (host, port string) {
	host, port, err := net.SplitHostPort(hostport)
	if err != nil {
		host, port = strings.Trim(hostport, "[]"), ""
	}
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return strings.TrimSuffix(host, "."), port
}

// RequireHost answers only requests whose Host the server serves (see
// Hosts); it sits above the page cache, so that no other host is cached.
func (h *Kit) RequireHost(hs Hosts) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if hs.Allowed(r.Host) || (hs.Exempt != nil && hs.Exempt(r)) {
				next.ServeHTTP(w, r)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				// The path is kept, never the Host: the redirect goes to
				// the configured origin only.
				http.Redirect(w, r, strings.TrimSuffix(hs.Origin, "/")+SafeNext(r.URL.RequestURI()), http.StatusPermanentRedirect)
				return
			}
			h.Fail(w, r, ErrMisdirected)
		})
	}
}

// ErrMisdirected answers a request sent to a host this server does not
// serve.
var ErrMisdirected = &fault.Problem{Kind: fault.ErrMisdirected, Key: "error_misdirected"}
