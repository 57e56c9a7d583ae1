package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/mofa-vn/chancery/internal/outbound"

	"github.com/mofa-vn/chancery/internal/outbound/outboundtest"
)

func newCollector(t testing.TB, network, addr string) *outboundtest.Collector {
	t.Helper()
	return outboundtest.New(t, network, addr)
}

func get(t *testing.T, c *http.Client, url string, header ...string) (*http.Response, error) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := c.Do(req)
	if err == nil {
		resp.Body.Close()
	}
	return resp, err
}

func mustClient(t *testing.T, p outbound.Params) *http.Client {
	t.Helper()
	c, err := outbound.New(p)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Every spelling of an address inside the server's own network is refused
// before connecting, with an error that says so.
func TestRefusesInternalAddresses(t *testing.T) {
	v4 := newCollector(t, "tcp4", "127.0.0.1:0")
	port := v4.Port
	// IPv6 loopback is refused whether or not this machine has it; when
	// it has, a collector listens there too.
	port6 := port
	if ln, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		ln.Close()
		port6 = newCollector(t, "tcp6", "[::1]:0").Port
	}
	// A host name that resolves to loopback, through an injected resolver
	// (DNS rebinding: the name was public when the channel was made).
	rebind := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	c := mustClient(t, outbound.Params{Lookup: rebind})
	plain := mustClient(t, outbound.Params{})
	for _, tt := range []struct {
		url, kind string
		c         *http.Client
	}{
		{"http://127.0.0.1:" + port + "/api/v1/accounts/verify_credentials", "a loopback address", c},
		{"http://127.1.2.3:" + port + "/", "a loopback address", c},
		{"http://[::1]:" + port6 + "/", "a loopback address", c},
		{"http://[::ffff:127.0.0.1]:" + port + "/", "a loopback address", c},
		{"http://[::ffff:7f00:1]:" + port + "/", "a loopback address", c},
		{"http://2130706433:" + port + "/", "a loopback address", plain},
		{"http://0x7f000001:" + port + "/", "a loopback address", plain},
		{"http://0177.0.0.1:" + port + "/", "a loopback address", plain},
		{"http://127.1:" + port + "/", "a loopback address", plain},
		{"http://0.0.0.0:" + port + "/", "an unspecified address", c},
		{"http://0:" + port + "/", "an unspecified address", plain},
		{"http://[::]:" + port + "/", "an unspecified address", c},
		{"http://169.254.169.254/latest/meta-data/", "a link-local address", c},
		{"http://[fe80::1]:" + port + "/", "a link-local address", c},
		{"http://10.0.0.1:" + port + "/", "a private address", c},
		{"http://172.16.5.4/", "a private address", c},
		{"http://192.168.1.1/", "a private address", c},
		{"http://[fd00::1]/", "a private address", c},
		{"http://100.64.0.1/", "a shared (CGNAT) address", c},
		{"http://224.0.0.1/", "a multicast address", c},
		{"http://[ff02::1]/", "a multicast address", c},
		{"http://255.255.255.255/", "a reserved address", c},
		{"http://[64:ff9b::7f00:1]/", "a NAT64 address", c},
		{"http://localhost:" + port + "/", "resolves to a loopback address", plain},
		{"http://mastodon.example.org:" + port + "/", "resolves to a loopback address", c},
	} {
		t.Run(tt.url, func(t *testing.T) {
			_, err := get(t, tt.c, tt.url, "Authorization", "Bearer SECRET")
			if !errors.Is(err, outbound.ErrNotAllowed) {
				t.Fatalf("error %v, want outbound.ErrNotAllowed", err)
			}
			if !strings.Contains(err.Error(), "address not allowed: ") || !strings.Contains(err.Error(), tt.kind) {
				t.Errorf("error %q does not say %q", err, tt.kind)
			}
			if strings.Contains(err.Error(), "refused") || strings.Contains(err.Error(), "SECRET") {
				t.Errorf("error %q says more than the refusal", err)
			}
		})
	}
}

// A refused address answers the same whether something listens there or
// not: the error is the same, and no connection is attempted.
func TestRefusalDoesNotRevealListeners(t *testing.T) {
	open := newCollector(t, "tcp4", "127.0.0.1:0")
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, closed, _ := net.SplitHostPort(ln.Addr().String())
	ln.Close()
	c := mustClient(t, outbound.Params{})
	_, errOpen := get(t, c, "http://127.0.0.1:"+open.Port+"/")
	_, errClosed := get(t, c, "http://127.0.0.1:"+closed+"/")
	norm := func(err error, port string) string { return strings.ReplaceAll(err.Error(), port, "PORT") }
	if errOpen == nil || errClosed == nil || norm(errOpen, open.Port) != norm(errClosed, closed) {
		t.Fatalf("open port: %v\nclosed port: %v", errOpen, errClosed)
	}
}

// The operator's allow-list opens exactly the host and port of each URL.
func TestAllowListIsExact(t *testing.T) {
	var hits atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(fake.Close)
	other := newCollector(t, "tcp4", "127.0.0.1:0")
	c := mustClient(t, outbound.Params{Allow: []string{fake.URL + "/"}})
	if resp, err := get(t, c, fake.URL+"/api/v1/instance"); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("allowed fake: %v", err)
	}
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(fake.URL, "http://"))
	for _, u := range []string{
		"http://127.0.0.1:" + other.Port + "/", // same host, another port
		"http://localhost:" + port + "/",       // same port, another name
	} {
		if _, err := get(t, c, u); !errors.Is(err, outbound.ErrNotAllowed) {
			t.Errorf("%s: %v, want outbound.ErrNotAllowed", u, err)
		}
	}
	if hits.Load() != 1 {
		t.Errorf("the fake saw %d requests, want 1", hits.Load())
	}
	if _, err := outbound.New(outbound.Params{Allow: []string{"ftp://x"}}); err == nil {
		t.Error("an ftp URL was allowed")
	}
}

// Redirects: never to another server, never with credentials, even when
// a transport wrapped around the client adds them; a plain redirect within
// the server is followed.
func TestRedirects(t *testing.T) {
	col := newCollector(t, "tcp4", "127.0.0.1:0")
	var secretHits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/to-loopback", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://127.0.0.1:"+col.Port+"/steal", http.StatusFound)
	})
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusTemporaryRedirect)
	})
	toPath := func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/collect?x=1", http.StatusFound)
	}
	mux.HandleFunc("/to-path", toPath)
	mux.HandleFunc("/{bot}/to-path", toPath)
	mux.HandleFunc("/collect", func(w http.ResponseWriter, r *http.Request) {
		secretHits.Add(1)
		if r.Header.Get("Authorization") != "" || r.Header.Get("Cookie") != "" {
			t.Errorf("a redirect brought credentials to %s", r.URL)
		}
	})
	mux.HandleFunc("/public", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/public-here", http.StatusMovedPermanently)
	})
	mux.HandleFunc("/public-here", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	c := mustClient(t, outbound.Params{Allow: []string{srv.URL}})

	for _, tt := range []struct {
		name, path, why string
		header          []string
	}{
		{"to loopback", "/to-loopback", "leaves the server", nil},
		{"to loopback with a token", "/to-loopback", "leaves the server", []string{"Authorization", "Bearer SECRET"}},
		{"to link-local", "/to-metadata", "leaves the server", nil},
		{"same server, bearer token", "/to-path", "Authorization header", []string{"Authorization", "Bearer SECRET"}},
		{"same server, cookie", "/to-path", "Cookie header", []string{"Cookie", "s=SECRET"}},
		{"same server, token in the URL", "/to-path?access_token=SECRET", "a token in the URL", nil},
		{"same server, Telegram bot token", "/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/to-path", "a token in the URL", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := get(t, c, srv.URL+tt.path, tt.header...)
			if !errors.Is(err, outbound.ErrRedirect) || !strings.Contains(err.Error(), tt.why) {
				t.Fatalf("error %v, want a refused redirect saying %q", err, tt.why)
			}
			if strings.Contains(err.Error(), "SECRET") || strings.Contains(err.Error(), "AAHdq") {
				t.Errorf("the error quotes a secret: %v", err)
			}
		})
	}

	// A transport wrapped around the client signs every request, the
	// redirected one too: the client cannot see the header, the wire can.
	signed := *c
	signed.Transport = signer{base: c.Transport}
	if _, err := get(t, &signed, srv.URL+"/to-path"); !errors.Is(err, outbound.ErrRedirect) || !strings.Contains(err.Error(), "Authorization header") {
		t.Fatalf("signed redirect: %v", err)
	}
	if secretHits.Load() != 0 {
		t.Fatalf("the redirect target was reached %d times", secretHits.Load())
	}
	// A POST's body may hold credentials: a 307 would send it again.
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL+"/to-path", strings.NewReader("password=SECRET"))
	if _, err := c.Do(req); !errors.Is(err, outbound.ErrRedirect) {
		t.Fatalf("POST redirect: %v", err)
	}
	// Nothing secret: followed.
	resp, err := get(t, c, srv.URL+"/public")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("plain redirect: %v", err)
	}
}

type signer struct{ base http.RoundTripper }

func (s signer) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer SECRET")
	return s.base.RoundTrip(r)
}

// The environment's proxy is not used: a request that would go through
// it goes nowhere else.
func TestNoProxyFromEnvironment(t *testing.T) {
	var hits atomic.Int64
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	t.Cleanup(proxy.Close)
	t.Setenv("HTTP_PROXY", proxy.URL)
	t.Setenv("HTTPS_PROXY", proxy.URL)
	t.Setenv("NO_PROXY", "")
	// The proxy's address is allowed, so only the proxy setting decides.
	c := mustClient(t, outbound.Params{Allow: []string{proxy.URL}, Lookup: func(context.Context, string) ([]netip.Addr, error) {
		return nil, errors.New("no such host")
	}})
	if _, err := get(t, c, "http://api.example.org/"); err == nil {
		t.Fatal("a request to an unresolvable host succeeded")
	}
	if hits.Load() != 0 {
		t.Fatal("the request went through the environment's proxy")
	}
}

func TestParseLegacyIPv4(t *testing.T) {
	for in, want := range map[string]string{
		"2130706433": "127.0.0.1", "0x7f000001": "127.0.0.1", "0x7F.1": "127.0.0.1", "0177.0.0.1": "127.0.0.1",
		"127.1": "127.0.0.1", "127.0.1": "127.0.0.1", "10.0.0.1.": "10.0.0.1", "0": "0.0.0.0", "017700000001": "127.0.0.1",
		"3232235777": "192.168.1.1", "0xa9.0xfe.0xa9.0xfe": "169.254.169.254",
	} {
		got, ok := outbound.ParseLegacyIPv4(in)
		if !ok || got.String() != want {
			t.Errorf("outbound.ParseLegacyIPv4(%q) = %v, %v; want %s", in, got, ok, want)
		}
	}
	for _, in := range []string{"", ".", "example.org", "1.2.3.4.5", "256.1.1.1", "4294967296", "08", "0x1g", "1..2", "1.2.3.256"} {
		if got, ok := outbound.ParseLegacyIPv4(in); ok {
			t.Errorf("outbound.ParseLegacyIPv4(%q) = %v, want no address", in, got)
		}
	}
}

func TestRefused(t *testing.T) {
	for _, s := range []string{"8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "2a03:2880:f12f:83:face:b00c:0:25de", "::ffff:8.8.8.8"} {
		if k := outbound.Refused(netip.MustParseAddr(s)); k != "" {
			t.Errorf("%s refused as %s", s, k)
		}
	}
	for _, s := range []string{"127.0.0.1", "::1", "::ffff:10.1.2.3", "fe80::1%eth0", "198.18.0.1", "192.0.0.8", "2001:db8::1", "2002:7f00:1::", "2001::1", "fec0::1"} {
		if outbound.Refused(netip.MustParseAddr(s)) == "" {
			t.Errorf("%s allowed", s)
		}
	}
}

// CheckBase refuses an internal IP address as typed in a form, in any
// spelling, unless allowed at that exact host and port; host names pass,
// to be checked when connecting.
func TestCheckBase(t *testing.T) {
	allow := []string{"http://127.0.0.1:9000/"}
	for _, base := range []string{"http://127.0.0.1:9001", "http://2130706433:9000", "http://[::1]",
		"http://[::ffff:127.0.0.2]:9000", "http://0", "http://169.254.169.254/latest", "http://10.0.0.1", "http://10.0.0.1]"} {
		if err := outbound.CheckBase(base, allow); !errors.Is(err, outbound.ErrNotAllowed) {
			t.Errorf("CheckBase(%q) = %v, want ErrNotAllowed", base, err)
		}
	}
	for _, base := range []string{"http://127.0.0.1:9000", "http://127.0.0.1:9000/mastodon",
		"http://[::ffff:127.0.0.1]:9000", // the allowed address, IPv4-mapped
		"https://127.0.0.1:9000",         // a host and port are allowed, whatever the scheme
		"https://mastodon.social", "http://8.8.8.8",
		"http://localhost:9000", "https://bücher.example", "not a URL"} {
		if err := outbound.CheckBase(base, allow); err != nil {
			t.Errorf("CheckBase(%q) = %v, want nil", base, err)
		}
	}
}

// A burst of requests through one client, half to an allowed fake and
// half to another name for the same address and port: the connections
// pooled for the allowed host are never lent to the other name, which is
// refused every time.
func TestBurstDoesNotShareAllowedConnections(t *testing.T) {
	var hits atomic.Int64
	fake := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Host != strings.TrimPrefix(fakeURL(r), "http://") {
			t.Errorf("the fake was reached as %s", r.Host)
		}
	}))
	t.Cleanup(fake.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(fake.URL, "http://"))
	c := mustClient(t, outbound.Params{Allow: []string{fake.URL}})
	const n = 64
	errs := make(chan error, n)
	for i := range n {
		go func() {
			u := fake.URL + "/ok"
			if i%2 == 1 {
				u = "http://localhost:" + port + "/steal"
			}
			req, _ := http.NewRequestWithContext(t.Context(), http.MethodGet, u, nil)
			resp, err := c.Do(req)
			if err == nil {
				resp.Body.Close()
			}
			if i%2 == 1 && !errors.Is(err, outbound.ErrNotAllowed) {
				errs <- fmt.Errorf("%s: %v, want ErrNotAllowed", u, err)
				return
			}
			if i%2 == 0 && err != nil {
				errs <- fmt.Errorf("%s: %v", u, err)
				return
			}
			errs <- nil
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	if hits.Load() != n/2 {
		t.Errorf("the fake saw %d requests, want %d", hits.Load(), n/2)
	}
}

// fakeURL is the address the fake serving r listens at.
func fakeURL(r *http.Request) string {
	return "http://" + r.Context().Value(http.LocalAddrContextKey).(net.Addr).String()
}
