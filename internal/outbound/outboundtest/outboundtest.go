// Package outboundtest gives tests a collector, a listener that no request
// through internal/outbound may ever reach, and clients that reach the
// fake networks the tests run on loopback through outbound's allow-list,
// as -extra-api-urls does. It imports no Chancery package but
// internal/outbound.
package outboundtest

import (
	"context"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/mofa-vn/chancery/internal/outbound"
)

// Client returns an outbound client that allows exactly the hosts and
// ports of urls (the fakes' base URLs).
func Client(t testing.TB, urls ...string) *http.Client {
	t.Helper()
	c, err := outbound.New(outbound.Params{Allow: urls})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Collector listens on an address the server must never connect to, and
// fails the test at its end if anything connected, even without sending a
// request: a refused address is refused before the connection is made.
type Collector struct {
	// URL is http://host:port of the collector; Port its port.
	URL, Port string
	ln        net.Listener
	seen      chan string // remote address of every connection accepted
}

// New starts a collector on addr ("127.0.0.1:0", "[::1]:0") of network
// ("tcp4", "tcp6"), closed and checked when the test ends.
func New(t testing.TB, network, addr string) *Collector {
	t.Helper()
	ln, err := net.Listen(network, addr)
	if err != nil {
		t.Fatalf("outboundtest: collector on %s: %v", addr, err)
	}
	c := &Collector{ln: ln, URL: "http://" + ln.Addr().String(), seen: make(chan string, 1024)}
	_, c.Port, _ = net.SplitHostPort(ln.Addr().String())
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				close(c.seen)
				return
			}
			c.seen <- conn.RemoteAddr().String()
			conn.Close()
		}
	}()
	t.Cleanup(func() {
		if n := c.Reached(t); n > 0 {
			t.Errorf("outboundtest: the collector at %s was reached %d times", ln.Addr(), n)
		}
		ln.Close()
	})
	return c
}

// Reached returns how many connections the collector has received so far.
// It connects once itself and waits, with a deadline, until that probe is
// accepted: connections queue in order, so every earlier one is counted.
func (c *Collector) Reached(t testing.TB) int {
	t.Helper()
	// Not t.Context(): Reached also runs in a cleanup, after that is done.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var d net.Dialer
	probe, err := d.DialContext(ctx, c.ln.Addr().Network(), c.ln.Addr().String())
	if err != nil {
		t.Fatalf("outboundtest: probe the collector: %v", err)
	}
	defer probe.Close()
	n := 0
	deadline := time.After(10 * time.Second)
	for {
		select {
		case addr, ok := <-c.seen:
			if !ok || addr == probe.LocalAddr().String() {
				return n
			}
			n++
		case <-deadline:
			t.Fatal("outboundtest: the collector did not accept its probe")
			return n
		}
	}
}
