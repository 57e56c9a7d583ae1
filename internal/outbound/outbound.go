// Package outbound owns the one HTTP client through which Chancery calls
// the social networks: the connectors, their OAuth token exchanges, the
// connect pages' account checks and the account watcher all send through
// a client made here.
//
// The server's own network must not be reachable through a channel's
// address: a press officer types a Mastodon instance or a Bluesky PDS, and
// the server would otherwise send the channel's token there, show parts of
// the answer and poll it every few minutes. So the client's dialer refuses
// loopback, private, link-local, multicast, unspecified, shared (CGNAT)
// and other special-purpose addresses, in every spelling (IPv4-mapped IPv6
// included), on the IP it is about to connect to (net.Dialer.ControlContext),
// after name resolution: a name that resolves, or re-resolves, to such an
// address does not pass. The refusal comes before any packet leaves, so a
// closed port and an open one look alike. Only the hosts the operator
// allows (-extra-api-urls: test, staging and the demo's fake networks) are
// dialled as they are, each exactly at its host and port. No proxy is taken
// from the environment.
//
// Redirects are followed only within the same scheme, host and port, and
// only for a request that carries no credentials.
//
// It must not import any other Chancery package.
package outbound

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"
)

// ErrNotAllowed is wrapped by the error of a request to an address
// Chancery does not connect to.
var ErrNotAllowed = errors.New("address not allowed")

// ErrRedirect is wrapped by the error of a request whose answer was a
// redirect that was not followed.
var ErrRedirect = errors.New("redirect not followed")

// AddrError says why an address was refused. It names the address as it
// was dialled and the kind of address, never whether anything listens
// there.
type AddrError struct {
	Addr string // host:port or ip:port
	Kind string // "a loopback address", "resolves to a private address", …
}

func (e *AddrError) Error() string {
	return fmt.Sprintf("%s: %s (%s)", ErrNotAllowed, e.Addr, e.Kind)
}

// Unwrap makes errors.Is(err, ErrNotAllowed) true.
func (e *AddrError) Unwrap() error { return ErrNotAllowed }

// RedirectError says why a redirect was not followed. It names origins
// only: a path may hold a token.
type RedirectError struct {
	From, To string // scheme://host:port
	Why      string
}

func (e *RedirectError) Error() string {
	return fmt.Sprintf("outbound: %s from %s to %s: %s", ErrRedirect, e.From, e.To, e.Why)
}

// Unwrap makes errors.Is(err, ErrRedirect) true.
func (e *RedirectError) Unwrap() error { return ErrRedirect }

// Params configure a client.
type Params struct {
	// Allow are base URLs ("http://127.0.0.1:4321") whose host and port
	// are dialled whatever they resolve to: the operator's -extra-api-urls
	// and the demo's fake networks. Each allows exactly its host:port (the
	// scheme's port when it names none).
	Allow []string
	// Timeout bounds a whole request; default 30 s.
	Timeout time.Duration
	// Lookup resolves a host name; default net.DefaultResolver. Tests
	// inject one that answers with a refused address (DNS rebinding).
	Lookup func(ctx context.Context, host string) ([]netip.Addr, error)
}

// New returns a client that refuses what the package comment says. It
// fails only on an Allow entry that is not an http(s) URL with a host.
func New(p Params) (*http.Client, error) {
	return newClient(p, control)
}

// newClient is New with the socket check given: the fuzz test observes
// every address the client would connect to.
func newClient(p Params, check func(ctx context.Context, network, address string, c syscall.RawConn) error) (*http.Client, error) {
	allow := map[string]bool{}
	for _, raw := range p.Allow {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("outbound: allowed URL %q: want http(s)://host[:port]", raw)
		}
		allow[originKey(u)] = true
	}
	if p.Timeout == 0 {
		p.Timeout = 30 * time.Second
	}
	d := &dialer{allow: allow, lookup: p.Lookup,
		plain:   &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second},
		guarded: &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, ControlContext: check}}
	if d.lookup == nil {
		d.lookup = func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		}
	}
	tr := &http.Transport{
		Proxy:                 nil, // never from the environment
		DialContext:           d.dial,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   8,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	return &http.Client{Timeout: p.Timeout, Transport: redirectGuard{base: tr}, CheckRedirect: checkRedirect}, nil
}

var (
	defaultOnce   sync.Once
	defaultClient *http.Client
)

// Default returns the shared client that allows no host beyond the public
// Internet, for callers given no client.
func Default() *http.Client {
	defaultOnce.Do(func() {
		c, err := New(Params{})
		if err != nil {
			panic(err) // no Allow entries: New cannot fail
		}
		defaultClient = c
	})
	return defaultClient
}

// CheckBase returns an *AddrError when base, a server's address as typed,
// names an IP address Chancery does not connect to, in any spelling, and
// allow (base URLs, as Params.Allow) does not list its host and port, or a
// host that is neither an IP address nor a host name. A host name passes:
// what it resolves to is checked when connecting. It lets a
// form refuse such an address at once; the dialer remains the guard.
func CheckBase(base string, allow []string) error {
	u, err := url.Parse(strings.TrimSpace(base))
	if err != nil || u.Host == "" {
		return nil // not an address at all: the caller's own check refuses it
	}
	host := u.Hostname()
	ip, err := netip.ParseAddr(host)
	if err != nil {
		var ok bool
		if ip, ok = ParseLegacyIPv4(host); !ok {
			if strings.ContainsFunc(host, func(r rune) bool {
				return r < 0x80 && !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_')
			}) {
				return &AddrError{Addr: host, Kind: "not a host name"}
			}
			return nil
		}
	}
	kind := Refused(ip)
	if kind == "" {
		return nil
	}
	key := originKey(u)
	for _, a := range allow {
		if au, err := url.Parse(strings.TrimSpace(a)); err == nil && au.Host != "" && originKey(au) == key {
			return nil
		}
	}
	return &AddrError{Addr: key, Kind: kind}
}

// originKey is host:port as http.Transport dials it for u: the host in
// lower case without brackets, an IPv4-mapped IPv6 address as IPv4, and
// the scheme's port when u names none.
func originKey(u *url.URL) string {
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return hostPortKey(u.Hostname(), port)
}

func hostPortKey(host, port string) string {
	host = strings.ToLower(host)
	if ip, err := netip.ParseAddr(host); err == nil {
		host = ip.Unmap().String()
	}
	return net.JoinHostPort(host, port)
}

type dialer struct {
	allow  map[string]bool
	lookup func(ctx context.Context, host string) ([]netip.Addr, error)
	// plain dials the hosts the operator allows; guarded every other
	// one, checking each socket's address before it connects.
	plain, guarded *net.Dialer
}

func (d *dialer) dial(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, fmt.Errorf("outbound: dial %s: %w", addr, err)
	}
	if d.allow[hostPortKey(host, port)] {
		return d.plain.DialContext(ctx, network, addr)
	}
	ips, err := d.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	var errs []error
	for _, ip := range ips {
		// The guarded dialer's control checks the address again, on
		// the socket about to connect: this loop is not the guard.
		c, err := d.guarded.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		if errors.Is(err, ErrNotAllowed) && host != ip.String() {
			// Name the host asked for, not what it resolves to inside
			// the server's network.
			err = &AddrError{Addr: net.JoinHostPort(host, port), Kind: "resolves to " + Refused(ip)}
		}
		errs = append(errs, err)
		if ctx.Err() != nil {
			break
		}
	}
	return nil, errors.Join(errs...)
}

// resolve returns the addresses host stands for. An IPv4 address in one
// of the old spellings that C resolvers and browsers still accept
// ("2130706433", "0x7f.1", "0177.0.0.1", "127.1") is read as they read
// it, so that the refusal names it, whatever resolver runs underneath.
func (d *dialer) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	if ip, ok := ParseLegacyIPv4(host); ok {
		return []netip.Addr{ip}, nil
	}
	ips, err := d.lookup(ctx, host)
	if err != nil {
		return nil, fmt.Errorf("outbound: resolve %s: %w", host, err)
	}
	if len(ips) == 0 {
		return nil, fmt.Errorf("outbound: resolve %s: no address", host)
	}
	return ips, nil
}

// ParseLegacyIPv4 reads host as inet_aton(3) and the WHATWG URL standard
// read an IPv4 address: one to four parts separated by dots (a trailing
// dot allowed), each decimal, octal (leading 0) or hexadecimal (0x), the
// last part filling the remaining bytes. It reports false for anything
// else, host names included.
func ParseLegacyIPv4(host string) (netip.Addr, bool) {
	host = strings.TrimSuffix(host, ".")
	parts := strings.Split(host, ".")
	if host == "" || len(parts) > 4 {
		return netip.Addr{}, false
	}
	nums := make([]uint64, len(parts))
	for i, p := range parts {
		base, digits := uint64(10), p
		switch {
		case len(p) >= 2 && (p[:2] == "0x" || p[:2] == "0X"):
			base, digits = 16, p[2:]
		case len(p) >= 2 && p[0] == '0':
			base, digits = 8, p[1:]
		}
		if p == "" || (digits == "" && base != 16) {
			return netip.Addr{}, false
		}
		var n uint64
		for _, c := range digits {
			var v uint64
			switch {
			case c >= '0' && c <= '9':
				v = uint64(c - '0')
			case c >= 'a' && c <= 'f':
				v = uint64(c-'a') + 10
			case c >= 'A' && c <= 'F':
				v = uint64(c-'A') + 10
			default:
				return netip.Addr{}, false
			}
			if v >= base {
				return netip.Addr{}, false
			}
			n = n*base + v
			if n > 0xffffffff {
				return netip.Addr{}, false
			}
		}
		nums[i] = n
	}
	last := len(nums) - 1
	var v uint64
	for i, n := range nums[:last] {
		if n > 0xff {
			return netip.Addr{}, false
		}
		v |= n << (24 - 8*i)
	}
	if nums[last] >= 1<<(8*(4-last)) {
		return netip.Addr{}, false
	}
	v |= nums[last]
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

// control refuses the socket before it connects when its address is one
// Chancery does not connect to.
func control(_ context.Context, _, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return &AddrError{Addr: address, Kind: "not an IP address"}
	}
	if k := Refused(ap.Addr()); k != "" {
		return &AddrError{Addr: address, Kind: k}
	}
	return nil
}

// special are the IANA special-purpose ranges that net/netip's predicates
// do not cover (RFC 6890 and its updates).
var special = []struct {
	prefix netip.Prefix
	kind   string
}{
	{netip.MustParsePrefix("0.0.0.0/8"), "a this-network address"},
	{netip.MustParsePrefix("100.64.0.0/10"), "a shared (CGNAT) address"},
	{netip.MustParsePrefix("192.0.0.0/24"), "an IETF protocol address"},
	{netip.MustParsePrefix("192.0.2.0/24"), "a documentation address"},
	{netip.MustParsePrefix("192.88.99.0/24"), "a 6to4 relay address"},
	{netip.MustParsePrefix("198.18.0.0/15"), "a benchmarking address"},
	{netip.MustParsePrefix("198.51.100.0/24"), "a documentation address"},
	{netip.MustParsePrefix("203.0.113.0/24"), "a documentation address"},
	{netip.MustParsePrefix("240.0.0.0/4"), "a reserved address"},
	{netip.MustParsePrefix("::/96"), "an IPv4-compatible address"},
	{netip.MustParsePrefix("::ffff:0:0:0/96"), "an IPv4-translated address"},
	{netip.MustParsePrefix("64:ff9b::/96"), "a NAT64 address"},
	{netip.MustParsePrefix("64:ff9b:1::/48"), "a NAT64 address"},
	{netip.MustParsePrefix("100::/64"), "a discard address"},
	{netip.MustParsePrefix("2001::/23"), "an IETF protocol address"},
	{netip.MustParsePrefix("2001:db8::/32"), "a documentation address"},
	{netip.MustParsePrefix("2002::/16"), "a 6to4 address"},
	{netip.MustParsePrefix("3fff::/20"), "a documentation address"},
	{netip.MustParsePrefix("5f00::/16"), "an SRv6 address"},
	{netip.MustParsePrefix("fec0::/10"), "a site-local address"},
}

// Refused says what kind of address ip is when Chancery does not connect
// to it ("a loopback address"), or "" for a public unicast address.
func Refused(ip netip.Addr) string {
	if !ip.IsValid() {
		return "an invalid address"
	}
	ip = ip.WithZone("").Unmap()
	switch {
	case ip.IsUnspecified():
		return "an unspecified address"
	case ip.IsLoopback():
		return "a loopback address"
	case ip.IsPrivate():
		return "a private address"
	case ip.IsLinkLocalUnicast():
		return "a link-local address"
	case ip.IsMulticast():
		return "a multicast address"
	}
	for _, s := range special {
		if s.prefix.Contains(ip) {
			return s.kind
		}
	}
	if !ip.IsGlobalUnicast() {
		return "not a global unicast address"
	}
	return ""
}

// checkRedirect follows a redirect only to the first request's origin and
// only when no request of the chain carries credentials.
func checkRedirect(req *http.Request, via []*http.Request) error {
	first := via[0]
	from, to := origin(first.URL), origin(req.URL)
	if len(via) >= 5 {
		return &RedirectError{From: from, To: to, Why: "too many redirects"}
	}
	if from != to {
		return &RedirectError{From: from, To: to, Why: "it leaves the server the request was for"}
	}
	for _, r := range append(via, req) {
		if why := credentials(r); why != "" {
			return &RedirectError{From: from, To: to, Why: "the request carries credentials (" + why + ")"}
		}
	}
	return nil
}

// redirectGuard refuses a redirected request that carries credentials
// when it reaches the wire: a transport wrapped around this one (OAuth
// signing, a bearer token) adds them below checkRedirect's view.
type redirectGuard struct{ base http.RoundTripper }

func (g redirectGuard) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Response != nil {
		if why := credentials(req); why != "" {
			if req.Body != nil {
				req.Body.Close()
			}
			from := origin(req.URL)
			if req.Response.Request != nil {
				from = origin(req.Response.Request.URL)
			}
			return nil, &RedirectError{From: from, To: origin(req.URL), Why: "the request carries credentials (" + why + ")"}
		}
	}
	return g.base.RoundTrip(req)
}

// origin is scheme://host:port of u, with the scheme's port when u names
// none.
func origin(u *url.URL) string {
	return strings.ToLower(u.Scheme) + "://" + originKey(u)
}

// credentialParams are query parameters that carry a secret.
var credentialParams = regexp.MustCompile(`(?i)(token|secret|password|passwd|key|signature|sig|auth|code|session|credential)`)

// botToken is a Telegram bot token in a path segment ("bot123:AA…").
var botToken = regexp.MustCompile(`\d{3,}:[A-Za-z0-9_-]{20,}`)

// credentials names what in r is a credential, or "" when nothing is.
func credentials(r *http.Request) string {
	for _, h := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		if r.Header.Get(h) != "" {
			return h + " header"
		}
	}
	if r.URL.User != nil {
		return "user info in the URL"
	}
	for k := range r.URL.Query() {
		if strings.HasPrefix(strings.ToLower(k), "oauth_") || credentialParams.MatchString(k) {
			return "a token in the URL"
		}
	}
	if botToken.MatchString(r.URL.EscapedPath()) || botToken.MatchString(r.URL.Path) {
		return "a token in the URL"
	}
	if r.ContentLength != 0 || r.GetBody != nil {
		return "a request body"
	}
	return ""
}
