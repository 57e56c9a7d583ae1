package outbound_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/mofa-vn/chancery/internal/outbound"
)

// internalNets are the ranges the fuzz test checks with package net's own
// predicates, independently of Refused.
var internalNets = func() []*net.IPNet {
	var out []*net.IPNet
	for _, s := range []string{"0.0.0.0/8", "100.64.0.0/10", "169.254.0.0/16", "127.0.0.0/8", "240.0.0.0/4", "fc00::/7", "fe80::/10", "::/96"} {
		_, n, _ := net.ParseCIDR(s)
		out = append(out, n)
	}
	return out
}()

func internal(ip net.IP) bool {
	if ip.IsLoopback() || ip.IsPrivate() || ip.IsUnspecified() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsMulticast() || ip.IsInterfaceLocalMulticast() {
		return true
	}
	for _, n := range internalNets {
		if n.Contains(ip) {
			return true
		}
	}
	return false
}

var errStopped = errors.New("fuzz: stopped before connecting")

// FuzzNoInternalAddress sends a request to any URL through a client whose
// resolver answers every name with loopback (DNS rebinding at its worst):
// no socket may be about to connect to an internal address, and the
// collector on loopback is never reached. Sockets the check lets through
// are stopped before they connect, so the fuzzer never touches a network.
func FuzzNoInternalAddress(f *testing.F) {
	col := newCollector(f, "tcp4", "127.0.0.1:0")
	p := col.Port
	for _, s := range []string{
		"http://127.0.0.1:" + p + "/", "http://[::1]:" + p + "/", "http://2130706433:" + p + "/", "http://0x7f.1:" + p + "/",
		"http://0177.0.0.01:" + p + "/", "http://0:" + p + "/", "http://0.0.0.0:" + p + "/", "http://[::ffff:127.0.0.1]:" + p + "/",
		"http://[::ffff:7f00:1]:" + p + "/", "http://[0:0:0:0:0:ffff:127.0.0.1]:" + p + "/", "http://localhost:" + p + "/",
		"http://LOCALHOST.:" + p + "/", "http://169.254.169.254/", "http://[fe80::1%25eth0]:" + p + "/", "http://100.100.100.200/",
		"https://user:pass@127.0.0.1:" + p + "/", "http://127.0.0.1.nip.io:" + p + "/", "http://①②⑦.0.0.1:" + p + "/",
		"http://[::127.0.0.1]:" + p + "/", "http://[64:ff9b::127.0.0.1]:" + p + "/", "http://8.8.8.8/", "http://[2001:4860:4860::8888]/",
		"http://0x7f000001.:" + p + "/", "http://127.000.000.001:" + p + "/", "http://%31%32%37.0.0.1:" + p + "/",
	} {
		f.Add(s)
	}
	// leaked is the internal address the check let through during the
	// current input (the fuzzer runs one input at a time per process).
	var leaked atomic.Pointer[string]
	loop := func(context.Context, string) ([]netip.Addr, error) {
		return []netip.Addr{netip.MustParseAddr("127.0.0.1")}, nil
	}
	c, err := outbound.NewClientWithCheck(outbound.Params{Lookup: loop}, func(ctx context.Context, network, address string, rc syscall.RawConn) error {
		if err := outbound.Control(ctx, network, address, rc); err != nil {
			return err
		}
		host, _, err := net.SplitHostPort(address)
		if ip := net.ParseIP(strings.SplitN(host, "%", 2)[0]); err != nil || ip == nil || internal(ip) {
			leaked.Store(&address)
		}
		return errStopped
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, raw, nil)
		if err != nil {
			return
		}
		req.Header.Set("Authorization", "Bearer SECRET")
		leaked.Store(nil)
		resp, err := c.Do(req)
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%q: a request succeeded", raw)
		}
		if a := leaked.Load(); a != nil {
			t.Fatalf("%q: the check let a socket connect to %s", raw, *a)
		}
		if strings.Contains(raw, col.Port) && col.Reached(t) > 0 {
			t.Fatalf("%q reached the collector", raw)
		}
	})
}
