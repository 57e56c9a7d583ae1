package httpx

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

// writeCounter counts the writes that reach the network.
type writeCounter struct {
	net.Listener
	writes atomic.Int64
}

func (l *writeCounter) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &countedConn{Conn: c, n: &l.writes}, nil
}

type countedConn struct {
	net.Conn
	n *atomic.Int64
}

func (c *countedConn) Write(p []byte) (int, error) {
	c.n.Add(1)
	return c.Conn.Write(p)
}

// serveCorked serves h on loopback behind CorkListener, counting writes.
func serveCorked(t *testing.T, h http.Handler) (*httptest.Server, *writeCounter) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wc := &writeCounter{Listener: ln}
	ts := &httptest.Server{Listener: CorkListener(wc), Config: &http.Server{Handler: h, ConnContext: CorkContext}}
	ts.Start()
	t.Cleanup(ts.Close)
	return ts, wc
}

// page writes a 12 kB page in three parts, corked or not.
func page(cork bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if cork {
			if uncork := Cork(r); uncork != nil {
				defer uncork()
				defer func() { _ = http.NewResponseController(w).Flush() }()
			}
		}
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Length", "12000")
		for range 3 {
			_, _ = io.WriteString(w, strings.Repeat("x", 4000))
			_ = http.NewResponseController(w).Flush()
		}
	})
}

// get sends n requests on one keep-alive connection and checks each
// response.
func get(t *testing.T, addr string, n int) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for range n {
		if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
			t.Fatal(err)
		}
		res, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(res.Body)
		res.Body.Close()
		if err != nil || len(b) != 12000 || strings.Trim(string(b), "x") != "" {
			t.Fatalf("body of %d bytes, %v", len(b), err)
		}
	}
}

func TestCorkSendsAResponseInOneWrite(t *testing.T) {
	ts, wc := serveCorked(t, page(true))
	get(t, ts.Listener.Addr().String(), 5)
	if n := wc.writes.Load(); n != 5 {
		t.Errorf("5 corked responses took %d writes, want 5", n)
	}

	// The same page uncorked leaves in several writes: the count above
	// is the cork's doing.
	ts, wc = serveCorked(t, page(false))
	get(t, ts.Listener.Addr().String(), 5)
	if n := wc.writes.Load(); n < 10 {
		t.Errorf("5 uncorked responses took %d writes, want one per flush", n)
	}
}

func TestCorkUnderTLS(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	wc := &writeCounter{Listener: ln}
	ts := &httptest.Server{Listener: CorkListener(wc), Config: &http.Server{Handler: page(true), ConnContext: CorkContext}}
	ts.StartTLS()
	defer ts.Close()
	client := ts.Client()
	client.Transport.(*http.Transport).ForceAttemptHTTP2 = false
	client.Transport.(*http.Transport).TLSClientConfig.NextProtos = []string{"http/1.1"}
	// The handshake's writes happen before the request.
	res, err := client.Get(ts.URL)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	before := wc.writes.Load()
	for range 3 {
		res, err := client.Get(ts.URL)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if len(b) != 12000 {
			t.Fatalf("body of %d bytes", len(b))
		}
	}
	if n := wc.writes.Load() - before; n != 3 {
		t.Errorf("3 corked TLS responses took %d writes, want 3", n)
	}
}

func TestCorkOnlyForHTTP1OverACorkListener(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	if Cork(r) != nil {
		t.Error("a request from no CorkListener was corked")
	}
	r.ProtoMajor = 2
	if Cork(r) != nil {
		t.Error("an HTTP/2 request was corked")
	}
}

// A connection closed while corked still sends what it held.
func TestCloseUncorks(t *testing.T) {
	a, b := net.Pipe()
	c := &corkConn{Conn: a}
	c.cork()
	done := make(chan []byte)
	go func() {
		got, _ := io.ReadAll(b)
		done <- got
	}()
	_, _ = c.Write([]byte("held "))
	_, _ = c.Write([]byte("until close"))
	_ = c.Close()
	if got := string(<-done); got != "held until close" {
		t.Errorf("read %q", got)
	}
}
